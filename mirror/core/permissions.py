"""Who may do what: everyone authenticated reads; read-only users never write; some records are
staff's to write, or staff's to change once they exist."""
from rest_framework.permissions import SAFE_METHODS, BasePermission


class ReadOnlyUsersCanOnlyRead(BasePermission):
    """Authenticated users only; users flagged `read_only` get GET/HEAD/OPTIONS alone."""

    message = "Your account is read-only: ask an administrator to lift `read_only` to write."

    def has_permission(self, request, view):
        user = request.user
        if not (user and user.is_authenticated):
            return False
        return request.method in SAFE_METHODS or not getattr(user, "read_only", False)


class StaffWritesOnly(ReadOnlyUsersCanOnlyRead):
    """Anyone authenticated reads, staff alone create, change or delete.

    For records whose every write acts on the whole service: accounts, and data repositories
    (a repository's `data_url` decides where ONE downloads from and sends its login).
    """

    def has_permission(self, request, view):
        if not super().has_permission(request, view):
            return False
        if request.method in SAFE_METHODS or request.user.is_staff:
            return True
        records = view.queryset.model._meta.verbose_name_plural
        self.message = f"Only staff can create, change or delete {records}: ask an administrator."
        return False


class StaffChangesOnly(ReadOnlyUsersCanOnlyRead):
    """Anyone who writes may add a record; changing or deleting one is staff's.

    For the shared vocabulary (labs, data formats, dataset types, revisions): Alyx lets any user
    add a dataset type for a new kind of file, but an existing entry is used by everyone's data
    (a format's extension and a type's filename pattern drive ONE's registration for every user,
    a revision or lab name is part of every path ONE builds), so only staff change or delete it.
    """

    def has_permission(self, request, view):
        if not super().has_permission(request, view):
            return False
        if request.method in SAFE_METHODS or request.method == "POST" or request.user.is_staff:
            return True
        name = view.queryset.model._meta.verbose_name
        self.message = (f"Only staff can change or delete a {name}: it is shared by everyone's "
                        "data. Ask an administrator, or create a new one.")
        return False

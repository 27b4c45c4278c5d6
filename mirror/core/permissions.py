"""Who may do what: everyone authenticated reads; read-only users never write."""
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
    """For accounts themselves: anyone authenticated reads, staff alone write."""

    message = "Only staff can create or change users: ask an administrator."

    def has_permission(self, request, view):
        allowed = super().has_permission(request, view)
        return allowed and (request.method in SAFE_METHODS or request.user.is_staff)

"""/labs and /users."""
from mirror.core.permissions import StaffChangesOnly, StaffWritesOnly
from mirror.core.viewsets import MirrorViewSet
from mirror.people.filters import LabFilterSet, UserFilterSet
from mirror.people.models import Lab, User
from mirror.people.serializers import LabSerializer, UserSerializer


class LabViewSet(MirrorViewSet):
    """Labs. Filters: name, institution, address, timezone, source, django.

    Example: `/labs?name=cortexlab`. Detail: `/labs/<name or uuid>`. Anyone may add a lab; only
    staff change or delete one (its name, repositories and time zone apply to all its data).
    """

    queryset = Lab.objects.all()
    permission_classes = (StaffChangesOnly,)
    serializer_class = LabSerializer
    filterset_class = LabFilterSet
    natural_key = "name"
    ordering = ("name", "id")


class UserViewSet(MirrorViewSet):
    """Users (lab members). Filters: username, email, lab, is_stock_manager, source, django.

    Example: `/users?lab=cortexlab`. Detail: `/users/<username or uuid>`. Only staff may write.
    """

    queryset = User.objects.all()
    serializer_class = UserSerializer
    filterset_class = UserFilterSet
    permission_classes = (StaffWritesOnly,)
    natural_key = "username"
    ordering = ("username",)

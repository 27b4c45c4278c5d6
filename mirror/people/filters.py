"""Filters of /labs and /users (Alyx: every model field except json, plus `django`)."""
import django_filters

from mirror.core.filters import MirrorFilterSet
from mirror.people.models import Lab, User


class LabFilterSet(MirrorFilterSet):
    name = django_filters.CharFilter(lookup_expr="iexact", help_text="Lab name (any case).")

    class Meta:
        model = Lab
        fields = ("name", "institution", "address", "timezone", "reference_weight_pct",
                  "zscore_weight_pct")


class UserFilterSet(MirrorFilterSet):
    username = django_filters.CharFilter(help_text="Username (exact).")
    email = django_filters.CharFilter(method="filter_email", help_text="E-mail address (exact); "
                                      "matches only yourself unless you are staff.")
    first_name = django_filters.CharFilter(help_text="Given name (exact).")
    last_name = django_filters.CharFilter(help_text="Family name (exact).")
    lab = django_filters.CharFilter(field_name="labs__name", lookup_expr="iexact",
                                    help_text="Users of this lab (name).")

    class Meta:
        model = User
        fields = ("username", "email", "first_name", "last_name", "is_stock_manager")

    def filter_email(self, queryset, name, value):
        """Others' addresses are private: a non-staff search cannot tell whether one exists."""
        queryset = queryset.filter(email=value)
        viewer = getattr(self.request, "user", None)
        return queryset if viewer is not None and viewer.is_staff else \
            queryset.filter(pk=getattr(viewer, "pk", None))

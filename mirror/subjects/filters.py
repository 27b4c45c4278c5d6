"""Filters of /projects and /subjects."""
import django_filters

from mirror.core.filters import MirrorFilterSet, StrictBooleanFilter
from mirror.subjects.models import Project, Subject


class ProjectFilterSet(MirrorFilterSet):
    name = django_filters.CharFilter(lookup_expr="iexact", help_text="Project name (any case).")

    class Meta:
        model = Project
        fields = ("name",)


class SubjectFilterSet(MirrorFilterSet):
    nickname = django_filters.CharFilter(lookup_expr="iexact", help_text="Nickname (any case).")
    lab = django_filters.CharFilter(field_name="lab__name", lookup_expr="iexact",
                                    help_text="Lab name (any case).")
    responsible_user = django_filters.CharFilter(field_name="responsible_user__username",
                                                 help_text="Username of the responsible person.")
    project = django_filters.CharFilter(field_name="projects__name", lookup_expr="icontains",
                                        distinct=True, help_text="Project name contains this.")
    alive = StrictBooleanFilter(field_name="death_date", lookup_expr="isnull",
                                         help_text="true: no death date; false: dead.")

    class Meta:
        model = Subject
        fields = ("nickname", "lab", "responsible_user", "project", "alive", "sex", "species",
                  "strain", "line", "litter", "birth_date", "death_date")

"""Admin pages for projects and subjects (Alyx's subjects admin)."""
from django.contrib import admin

from mirror.core.admin import MirrorAdmin
from mirror.subjects.models import Project, Subject


@admin.register(Project)
class ProjectAdmin(MirrorAdmin):
    fields = ("name", "description", "users", "json")
    list_display = ("name", "description", "source", "imported_at")
    search_fields = ("name",)
    autocomplete_fields = ("users",)


class AliveListFilter(admin.SimpleListFilter):
    """Alive or dead, from `death_date` (Alyx's filter)."""

    title = "alive"
    parameter_name = "alive"

    def lookups(self, request, model_admin):
        return (("yes", "Yes"), ("no", "No"))

    def queryset(self, request, queryset):
        if self.value() in ("yes", "no"):
            return queryset.filter(death_date__isnull=self.value() == "yes")
        return queryset


@admin.register(Subject)
class SubjectAdmin(MirrorAdmin):
    fields = ("nickname", "lab", "responsible_user", "projects", "sex", "birth_date",
              "death_date", "species", "strain", "line", "litter", "description", "json")
    list_display = ("nickname", "lab", "responsible_user", "sex", "birth_date", "alive",
                    "species", "source")
    list_select_related = ("lab", "responsible_user")
    list_filter = ("lab", AliveListFilter, "sex", "projects")
    search_fields = ("nickname", "lab__name", "responsible_user__username", "species", "strain")
    autocomplete_fields = ("lab", "responsible_user", "projects")

    @admin.display(boolean=True, description="alive")
    def alive(self, subject):
        return subject.alive

"""Admin pages for sessions (Alyx's actions admin), with a glimpse of their datasets."""
from django.contrib import admin

from mirror.actions.models import Session
from mirror.core.admin import LimitedInlineFormSet, MirrorAdmin, changelist_link, nowrap
from mirror.data.models import Dataset


class DatasetInline(admin.TabularInline):
    """The session's first datasets, read-only; the full list is one link away."""

    model = Dataset
    formset = LimitedInlineFormSet
    fields = ("name", "collection", "dataset_type", "revision", "file_size", "qc",
              "default_dataset")
    readonly_fields = fields
    ordering = ("collection", "name")
    show_change_link = True
    extra = 0
    can_delete = False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("dataset_type", "revision")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Session)
class SessionAdmin(MirrorAdmin):
    fields = ("subject", "lab", "name", "number", "start_time", "end_time", "type",
              "task_protocol", "users", "projects", "parent_session", "n_trials",
              "n_correct_trials", "qc", "extended_qc", "narrative", "json", "all_datasets",
              "auto_datetime")
    readonly_fields = ("all_datasets", "auto_datetime")
    # What a lab scans for, in one screen at 1,400 px: lab and type are filters on the right.
    list_display = ("started", "subject_nickname", "number", "task_protocol", "n_trials", "qc",
                    "source")
    list_display_links = ("started",)
    list_select_related = ("subject", "lab")
    list_filter = ("lab", "qc", "type", "projects")
    search_fields = ("subject__nickname", "name", "task_protocol", "lab__name")
    uuid_search_fields = ("pk", "subject")
    autocomplete_fields = ("subject", "lab", "users", "projects", "parent_session")
    date_hierarchy = "start_time"
    show_full_result_count = False
    inlines = (DatasetInline,)

    @admin.display(description="start time", ordering="start_time")
    def started(self, session):
        return nowrap(f"{session.start_time:%Y-%m-%d %H:%M}")

    @admin.display(description="subject", ordering="subject__nickname")
    def subject_nickname(self, session):
        return nowrap(session.subject.nickname)

    @admin.display(description="datasets")
    def all_datasets(self, session):
        if session._state.adding:
            return "—"
        count = session.data_dataset_session_related.count()
        return changelist_link(Dataset, f"All datasets ({count})", session__id__exact=session.pk)

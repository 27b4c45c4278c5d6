"""Admin pages for datasets, file records and their vocabularies (Alyx's data admin)."""
from django.contrib import admin
from django.db import models

from mirror.core.admin import MirrorAdmin, MirrorInlineFormSet, changelist_link
from mirror.data.admin_forms import DatasetForm, FileRecordForm, FileRecordInlineForm
from mirror.data.models import (
    DataFormat,
    DataRepository,
    Dataset,
    DatasetType,
    FileRecord,
    Revision,
    Tag,
)


@admin.register(DataRepository)
class DataRepositoryAdmin(MirrorAdmin):
    fields = ("name", "repository_type", "hostname", "data_url", "timezone", "globus_path",
              "globus_endpoint_id", "globus_is_personal", "json")
    list_display = ("name", "repository_type", "hostname", "data_url", "globus_is_personal",
                    "source")
    list_filter = ("repository_type", "globus_is_personal")
    search_fields = ("name", "hostname")
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}


@admin.register(DataFormat)
class DataFormatAdmin(MirrorAdmin):
    fields = ("name", "description", "file_extension", "matlab_loader_function",
              "python_loader_function", "json")
    list_display = ("name", "file_extension", "description", "python_loader_function", "source")
    search_fields = ("name", "file_extension")


@admin.register(DatasetType)
class DatasetTypeAdmin(MirrorAdmin):
    fields = ("name", "description", "filename_pattern", "created_by", "json")
    list_display = ("name", "filename_pattern", "description", "created_by", "datasets",
                    "source")
    list_select_related = ("created_by",)
    search_fields = ("name", "filename_pattern")
    autocomplete_fields = ("created_by",)

    @admin.display(description="datasets")
    def datasets(self, dataset_type):
        return changelist_link(Dataset, "list", dataset_type__id__exact=dataset_type.pk)

    def save_model(self, request, obj, form, change):
        if not change and obj.created_by_id is None:  # Alyx's default: whoever made it
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(Revision)
class RevisionAdmin(MirrorAdmin):
    fields = ("name", "description", "created_datetime", "json")
    readonly_fields = ("created_datetime",)
    list_display = ("name", "description", "created_datetime", "source")
    search_fields = ("name",)


@admin.register(Tag)
class TagAdmin(MirrorAdmin):
    fields = ("name", "description", "protected", "public", "hash", "json")
    list_display = ("name", "description", "protected", "public", "datasets", "source")
    list_filter = ("protected", "public")
    search_fields = ("name",)

    @admin.display(description="datasets")
    def datasets(self, tag):
        return changelist_link(Dataset, "list", tags__id__exact=tag.pk)


class FileRecordInline(admin.TabularInline):
    """A dataset's copies; rows that came from an importer keep their upstream fields."""

    model = FileRecord
    form = FileRecordInlineForm
    formset = MirrorInlineFormSet
    fields = ("data_repository", "relative_path", "exists", "source")
    readonly_fields = ("source",)
    autocomplete_fields = ("data_repository",)
    extra = 0


@admin.register(Dataset)
class DatasetAdmin(MirrorAdmin):
    form = DatasetForm
    fields = ("name", "session", "collection", "revision", "dataset_type", "data_format",
              "created_by", "created_datetime", "generating_software", "provenance_directory",
              "file_size", "hash", "version", "default_dataset", "qc", "tags", "json",
              "auto_datetime")
    readonly_fields = ("auto_datetime",)
    list_display = ("name", "collection", "session_label", "dataset_type", "revision",
                    "file_size", "qc", "default_dataset", "created_datetime", "source")
    list_select_related = ("session__subject", "dataset_type", "revision")
    list_filter = ("qc", "default_dataset", "dataset_type", "data_format", "tags")
    search_fields = ("name", "collection", "session__subject__nickname", "dataset_type__name")
    uuid_search_fields = ("pk", "session")
    autocomplete_fields = ("session", "revision", "dataset_type", "data_format", "created_by",
                           "tags")
    show_full_result_count = False
    inlines = (FileRecordInline,)

    @admin.display(description="session", ordering="session__start_time")
    def session_label(self, dataset):
        session = dataset.session
        if session is None:
            return "—"
        return f"{session.subject.nickname} {session.start_time:%Y-%m-%d} {session.number or 0:03d}"


@admin.register(FileRecord)
class FileRecordAdmin(MirrorAdmin):
    form = FileRecordForm
    fields = ("dataset", "data_repository", "relative_path", "exists", "name", "json")
    list_display = ("relative_path", "data_repository", "dataset", "exists", "source")
    list_select_related = ("data_repository", "dataset")
    list_filter = ("exists", "data_repository")
    search_fields = ("relative_path", "dataset__name")
    uuid_search_fields = ("pk", "dataset")
    autocomplete_fields = ("dataset", "data_repository")
    show_full_result_count = False

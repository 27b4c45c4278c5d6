"""Filters of /datasets, /files and the lookup tables (contract §7.3–7.6)."""
import django_filters
from django.db.models import Exists, OuterRef

from mirror.core.filters import IntegerFilter, MirrorFilterSet, QCFilter, StrictBooleanFilter
from mirror.data.models import DataRepository, Dataset, FileRecord, Tag
from mirror.data.selectors import downloadable_file_records


class DatasetFilterSet(MirrorFilterSet):
    subject = django_filters.CharFilter(field_name="session__subject__nickname",
                                        help_text="The session's subject nickname.")
    lab = django_filters.CharFilter(field_name="session__lab__name", help_text="The session's lab.")
    date = django_filters.DateFilter(field_name="session__start_time", lookup_expr="date",
                                     help_text="The session's date (YYYY-MM-DD).")
    experiment_number = IntegerFilter(field_name="session__number",
                                      help_text="The session's number.")
    session = django_filters.UUIDFilter(help_text="The session's UUID.")
    created_by = django_filters.CharFilter(field_name="created_by__username",
                                           help_text="Username of the creator.")
    created_date = django_filters.DateFilter(field_name="created_datetime", lookup_expr="date",
                                             help_text="Made on this date (YYYY-MM-DD).")
    created_date_gte = django_filters.DateFilter(field_name="created_datetime",
                                                 lookup_expr="date__gte",
                                                 help_text="Made on or after this date.")
    created_date_lte = django_filters.DateFilter(field_name="created_datetime",
                                                 lookup_expr="date__lte",
                                                 help_text="Made on or before this date.")
    dataset_type = django_filters.CharFilter(field_name="dataset_type__name",
                                             help_text="Dataset type name.")
    data_format = django_filters.CharFilter(field_name="data_format__name",
                                            help_text="Data format name.")
    revision = django_filters.CharFilter(field_name="revision__name", help_text="Revision name.")
    tag = django_filters.CharFilter(field_name="tags__name", distinct=True, help_text="Tag name.")
    exists = StrictBooleanFilter(method="filter_exists", help_text=(
        "true: has an existing file on a server repository; false: has none."))
    protected = StrictBooleanFilter(method="filter_tag_flag",
                                             help_text="Carries a protected tag.")
    public = StrictBooleanFilter(method="filter_tag_flag",
                                          help_text="Carries a public tag.")
    qc = QCFilter(help_text="Dataset QC name or number.")
    id = django_filters.UUIDFilter(help_text="The dataset's UUID.")

    class Meta:
        model = Dataset
        fields = ("name", "collection", "hash", "file_size", "version", "default_dataset",
                  "created_datetime", "auto_datetime", "generating_software",
                  "provenance_directory")

    def filter_exists(self, queryset, name, value):
        has_file = Exists(downloadable_file_records().filter(dataset=OuterRef("pk")))
        return queryset.filter(has_file if value else ~has_file)

    def filter_tag_flag(self, queryset, name, value):
        tagged = Exists(Tag.objects.filter(datasets=OuterRef("pk"), **{name: True}))
        return queryset.filter(tagged if value else ~tagged)


class FileRecordFilterSet(MirrorFilterSet):
    dataset = django_filters.UUIDFilter(help_text="The dataset's UUID.")
    data_repository = django_filters.CharFilter(field_name="data_repository__name",
                                                help_text="Repository name.")
    lab = django_filters.CharFilter(field_name="dataset__session__lab__name",
                                    help_text="The dataset's session's lab.")
    globus_is_personal = StrictBooleanFilter(
        field_name="data_repository__globus_is_personal",
        help_text="On a personal (true) or server (false) repository.")
    id = django_filters.UUIDFilter(help_text="The file record's UUID.")

    class Meta:
        model = FileRecord
        fields = ("relative_path", "exists", "name")


class DataRepositoryFilterSet(MirrorFilterSet):
    class Meta:
        model = DataRepository
        fields = ("name", "globus_is_personal", "globus_endpoint_id", "repository_type")


class NameFilterSet(MirrorFilterSet):
    """For lookup tables Alyx filters by name (revisions, tags); works on any model."""

    name = django_filters.CharFilter(help_text="Exact name.")


class ProvenanceOnlyFilterSet(MirrorFilterSet):
    """For tables Alyx filters by nothing (formats, dataset types, projects): provenance, django."""

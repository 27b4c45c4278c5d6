"""/datasets, /files, /data-repository, /data-formats, /dataset-types, /revisions, /tags."""
from mirror.core.permissions import StaffChangesOnly, StaffWritesOnly
from mirror.core.viewsets import MirrorViewSet
from mirror.data import filters, protection
from mirror.data.dataset_serializers import DatasetSerializer, FileRecordSerializer
from mirror.data.models import (
    DataFormat,
    DataRepository,
    Dataset,
    DatasetType,
    FileRecord,
    Revision,
    Tag,
)
from mirror.data.vocabulary_serializers import (
    DataFormatSerializer,
    DataRepositorySerializer,
    DatasetTypeSerializer,
    RevisionSerializer,
    TagSerializer,
)


class DatasetViewSet(MirrorViewSet):
    """Datasets with their file records. Filters: subject, lab, date, experiment_number, session,
    name, collection, dataset_type, data_format, revision, tag, exists, protected, public, qc,
    created_by, created_date, created_date_gte, created_date_lte, hash, file_size, version,
    default_dataset, id, source, source_id, django.

    Example: `/datasets?session=<uuid>&name=_ibl_trials.table.csv`. Protected datasets (with a
    protected tag) cannot be deleted, by anyone (403); only staff add or remove protected tags.
    """

    queryset = Dataset.objects.all()
    serializer_class = DatasetSerializer
    filterset_class = filters.DatasetFilterSet
    ordering = ("-created_datetime", "id")


class FileRecordViewSet(MirrorViewSet):
    """File records: where each copy of a dataset's file lives. Filters: dataset, exists, lab,
    data_repository, globus_is_personal, relative_path, name, id, source, source_id, django.

    Example: `/files?dataset=<uuid>&exists=true`. The files themselves are served under /data/.
    """

    queryset = FileRecord.objects.all()
    serializer_class = FileRecordSerializer
    filterset_class = filters.FileRecordFilterSet
    ordering = ("relative_path", "id")


class DataRepositoryViewSet(MirrorViewSet):
    """Data repositories. Filters: name, globus_is_personal, globus_endpoint_id,
    repository_type, source, django.

    Example: `/data-repository?globus_is_personal=false`. Detail: `/data-repository/<name or uuid>`.
    Only staff create, change or delete repositories (`data_url` says where ONE downloads from).
    """

    queryset = DataRepository.objects.all()
    permission_classes = (StaffWritesOnly,)
    serializer_class = DataRepositorySerializer
    filterset_class = filters.DataRepositoryFilterSet
    natural_key = "name"
    ordering = ("name",)


class DataFormatViewSet(MirrorViewSet):
    """Data formats (npy, csv…). Filters: source, django. Detail: `/data-formats/<name or uuid>`.

    Anyone may add a format; only staff change or delete one (ONE's registration reads them all).
    """

    queryset = DataFormat.objects.all()
    permission_classes = (StaffChangesOnly,)
    serializer_class = DataFormatSerializer
    filterset_class = filters.ProvenanceOnlyFilterSet
    natural_key = "name"
    ordering = ("name",)


class DatasetTypeViewSet(MirrorViewSet):
    """Dataset types (trials.table…). Filters: source, django.

    Detail: `/dataset-types/<name or uuid>`, e.g. `/dataset-types/trials.table`. Anyone may add a
    type; only staff change or delete one (its filename pattern types everyone's files).
    """

    queryset = DatasetType.objects.all()
    permission_classes = (StaffChangesOnly,)
    serializer_class = DatasetTypeSerializer
    filterset_class = filters.ProvenanceOnlyFilterSet
    natural_key = "name"
    ordering = ("name",)


class RevisionViewSet(MirrorViewSet):
    """ALF revisions. Filters: name, source, django. Detail: `/revisions/<name or uuid>`.

    Anyone may add a revision; only staff change or delete one (its name is in ONE's paths).
    """

    queryset = Revision.objects.all()
    permission_classes = (StaffChangesOnly,)
    serializer_class = RevisionSerializer
    filterset_class = filters.NameFilterSet
    natural_key = "name"
    ordering = ("name",)


class TagViewSet(MirrorViewSet):
    """Dataset tags. Filters: name, source, django. Detail: `/tags/<name or uuid>`.

    A protected tag keeps its datasets from being deleted; only staff create, change or delete
    a protected tag, make a tag protected, or add or remove one on a dataset (403).
    """

    queryset = Tag.objects.all()
    serializer_class = TagSerializer
    filterset_class = filters.NameFilterSet
    natural_key = "name"
    ordering = ("name",)

    def perform_destroy(self, instance):
        protection.check_tag_delete(self.request.user, instance)
        super().perform_destroy(instance)

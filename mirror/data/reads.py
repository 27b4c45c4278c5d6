"""The datasets' hot reads, prepared once per process (mirror.core.prepared); keys and times
come back as the API's text."""
from mirror.core.prepared import UUIDS, PreparedRead
from mirror.data.models import FileRecord, Tag

tags_of_datasets = PreparedRead(
    lambda pks: Tag.datasets.through.objects.filter(dataset_id__in=pks).order_by(
        "tag__name").values_list("dataset_id", "tag__name", "tag__protected", "tag__public"),
    UUIDS, text=True)

files_of_datasets = PreparedRead(
    lambda pks: FileRecord.objects.filter(dataset_id__in=pks).order_by(
        "data_repository__globus_is_personal", "id").values_list(
        "dataset_id", "id", "data_repository__name", "data_repository__globus_path",
        "relative_path", "data_repository__data_url", "exists"), UUIDS, text=True)

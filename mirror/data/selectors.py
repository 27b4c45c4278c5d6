"""Reads shared by serializers and views: which datasets can be downloaded, and their files."""
from django.db.models import Exists, OuterRef, Prefetch

from mirror.data.models import Dataset, FileRecord

# A dataset's copies in the order the API lists them and `data_url` picks from: server
# repositories before personal ones, then by key.
COPIES_ORDER = ("data_repository__globus_is_personal", "id")


def file_records_prefetch(lookup: str = "file_records") -> Prefetch:
    """File records with their repositories, server copies first (one query for a whole page)."""
    return Prefetch(lookup, queryset=FileRecord.objects.select_related("data_repository")
                    .order_by(*COPIES_ORDER))


def downloadable_file_records():
    """File records that ONE can download: the file exists on a server (non-personal) repository."""
    return FileRecord.objects.filter(exists=True, data_repository__globus_is_personal=False)


def downloadable_datasets():
    """Datasets with at least one downloadable file record (what Alyx lists in session detail)."""
    return Dataset.objects.filter(
        Exists(downloadable_file_records().filter(dataset=OuterRef("pk"))))


def downloadable_copies_first(dataset):
    """Existing file records of a dataset (a key or an OuterRef), the preferred copy first
    (server repositories before personal ones, then by id): the order `data_url` picks from."""
    return FileRecord.objects.filter(dataset=dataset, exists=True).order_by(*COPIES_ORDER)

"""The `data_url` of files: where ONE downloads them (see `mirror.data.serving`)."""
from pathlib import PurePosixPath

from django.conf import settings

from mirror.core.fields import api_root


def add_uuid_string(relative_path: str, dataset_id) -> str:
    """ONE's file naming: `alf/trials.intervals.npy` → `alf/trials.intervals.<uuid>.npy`."""
    head, slash, name = relative_path.rpartition("/")
    if name and name not in (".", "..") and "//" not in relative_path \
            and "/./" not in relative_path and not relative_path.startswith("./"):
        stem, dot, suffix = name.rpartition(".")
        # a simple path: string operations give what PurePosixPath gives, ~10x faster
        if dot and stem and suffix and not stem.endswith("."):
            return f"{head}{slash}{stem}.{dataset_id}.{suffix}"
        if not dot:
            return f"{head}{slash}{name}.{dataset_id}"
    path = PurePosixPath(relative_path)
    return str(path.with_name(f"{path.stem}.{dataset_id}{path.suffix}"))


def base_url(request, data_url: str | None) -> str:
    """A repository's HTTP root, ending in '/'; a local one is this server's file view."""
    if data_url:
        return data_url if data_url.endswith("/") else data_url + "/"
    return f"{api_root(request)}/{settings.MIRROR_FILES_PREFIX}/"


def repository_base_url(request, repository) -> str:
    return base_url(request, repository.data_url)


def file_record_data_url(request, record) -> str:
    return repository_base_url(request, record.data_repository) + add_uuid_string(
        record.relative_path, record.dataset_id)


def dataset_data_url(request, dataset) -> str | None:
    """The first existing copy's URL, server repositories before personal ones.

    Reads the prefetched `file_records` (with their repositories): no query per dataset.
    """
    existing = [record for record in dataset.file_records.all() if record.exists]
    existing.sort(key=lambda record: record.data_repository.globus_is_personal)
    return file_record_data_url(request, existing[0]) if existing else None

"""Writes of datasets: a file lands on disk atomically, then its records are made to match."""
import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction

from mirror.data.models import DataRepository, Dataset, FileRecord


@dataclass(frozen=True)
class StoredFile:
    path: Path
    md5: str
    size: int


def session_relative_path(session, collection: str, name: str) -> str:
    """ALF layout: `<lab>/Subjects/<subject>/<YYYY-MM-DD>/<NNN>/<collection>/<name>`."""
    parts = [session.lab.name, "Subjects", session.subject.nickname,
             session.start_time.date().isoformat(), f"{session.number or 0:03d}"]
    if collection:
        parts.append(collection)
    parts.append(name)
    return "/".join(parts)


def file_store_atomically(*, repository: DataRepository, relative_path: str,
                          content: bytes) -> StoredFile:
    """Write `content` under a local repository: temporary file in the same folder, then rename,
    so a reader or a crash never sees half a file."""
    target = repository.directory / relative_path
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".partial-")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(content)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return StoredFile(target, hashlib.md5(content).hexdigest(), len(content))


@transaction.atomic
def dataset_register_file(*, session, repository: DataRepository, collection: str, name: str,
                          content: bytes, dataset_type, data_format, **dataset_fields) -> Dataset:
    """Store a session's file in a local repository and record it as a dataset with one copy."""
    relative_path = session_relative_path(session, collection, name)
    stored = file_store_atomically(repository=repository, relative_path=relative_path,
                                   content=content)
    dataset = Dataset.objects.create(
        session=session, collection=collection, name=name, dataset_type=dataset_type,
        data_format=data_format, hash=stored.md5, file_size=stored.size, **dataset_fields)
    FileRecord.objects.create(dataset=dataset, data_repository=repository,
                              relative_path=relative_path, exists=True)
    return dataset

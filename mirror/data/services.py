"""Writes of datasets: a file lands on disk atomically, then its records are made to match."""
import hashlib
import os
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction

from mirror.data.models import DataRepository, Dataset, FileRecord
from mirror.data.paths import UnsafePath, check_component, check_relative_path


@dataclass(frozen=True)
class StoredFile:
    path: Path
    md5: str
    size: int


def session_relative_path(session, collection: str, name: str) -> str:
    """ALF layout: `<lab>/Subjects/<subject>/<YYYY-MM-DD>/<NNN>/<collection>/<name>`.

    Every part is checked to be a plain name (mirror.data.paths): UnsafePath otherwise.
    """
    parts = [check_component(session.lab.name, "lab name"), "Subjects",
             check_component(session.subject.nickname, "subject nickname"),
             session.start_time.date().isoformat(), f"{session.number or 0:03d}"]
    if collection:
        parts.append(check_relative_path(collection, "collection", strict=True))
    parts.append(check_component(name, "dataset name"))
    return "/".join(parts)


def file_store_atomically(*, repository: DataRepository, relative_path: str,
                          content: bytes | Iterable[bytes]) -> StoredFile:
    """Write `content` (bytes, or an iterable of byte chunks, hashed on the way) under a local
    repository: a temporary file in the same folder, then a rename, so a reader or a crash never
    sees half a file. The target is checked to resolve inside the repository first."""
    if not repository.is_local:
        raise UnsafePath(f"repository {repository.name!r} is remote: files are written only to "
                         "local repositories")
    target = repository.file(relative_path)
    target.parent.mkdir(parents=True, exist_ok=True)
    chunks = [content] if isinstance(content, (bytes, bytearray)) else content
    digest, size = hashlib.md5(), 0
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".partial-")
    try:
        with os.fdopen(handle, "wb") as stream:
            for chunk in chunks:
                stream.write(chunk)
                digest.update(chunk)
                size += len(chunk)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return StoredFile(target, digest.hexdigest(), size)


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

"""Writes of datasets: a file lands on disk atomically, then its records are made to match."""
import hashlib
import os
import re
import socket
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


def partial_prefix(host: str | None = None, pid: int | None = None) -> str:
    """The name a staged file starts with: `.partial-<host>_<pid>_`, so the files a killed
    process left can be told from those of a live one (`sweep_partials`). `_` is never in
    the host part, so one process's prefix is never the start of another's."""
    host = re.sub(r"[^A-Za-z0-9.-]", "-", host or socket.gethostname())[:64]
    return f".partial-{host}_{os.getpid() if pid is None else pid}_"


def sweep_partials(repository: DataRepository, *, host: str, pid: int) -> int:
    """Remove the staged files that the process `pid` on `host` left in a local repository
    (it was killed before it could commit or remove them); the number removed. Symbolic
    links are not followed, so nothing outside the repository is looked at."""
    if not repository.is_local or not repository.directory.is_dir():
        return 0
    prefix, removed = partial_prefix(host, pid), 0
    for folder, _, names in os.walk(repository.directory):
        for name in names:
            if name.startswith(prefix):
                Path(folder, name).unlink(missing_ok=True)
                removed += 1
    return removed


class StagedFile:
    """A file being written beside its target in a local repository, hidden (`.partial-…`)
    until `commit()` renames it into place; closed without a commit, it is removed. The
    target is checked to resolve inside the repository before anything is created."""

    def __init__(self, *, repository: DataRepository, relative_path: str):
        if not repository.is_local:
            raise UnsafePath(f"repository {repository.name!r} is remote: files are written only "
                             "to local repositories")
        self.target = repository.file(relative_path)
        self.target.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=self.target.parent, prefix=partial_prefix())
        self.path = Path(temporary)
        self.handle = os.fdopen(handle, "w+b")
        self.committed = False

    def __enter__(self) -> "StagedFile":
        return self

    def __exit__(self, *exc_info) -> None:
        self.handle.close()
        if not self.committed:
            self.path.unlink(missing_ok=True)

    def write_all(self, chunks: Iterable[bytes]) -> StoredFile:
        """Write `chunks` (hashed on the way)."""
        digest, size = hashlib.md5(), 0
        for chunk in chunks:
            self.handle.write(chunk)
            digest.update(chunk)
            size += len(chunk)
        return StoredFile(self.target, digest.hexdigest(), size)

    def digest(self) -> StoredFile:
        """md5 and size of what was written, read back from disk in chunks (for a writer that
        may have started over, so could not hash on the way)."""
        self.handle.flush()
        digest, size = hashlib.md5(), 0
        with self.path.open("rb") as written:
            while block := written.read(CHUNK):
                digest.update(block)
                size += len(block)
        return StoredFile(self.target, digest.hexdigest(), size)

    def commit(self) -> None:
        self.handle.flush()
        os.fsync(self.handle.fileno())
        self.handle.close()
        os.replace(self.path, self.target)
        self.committed = True


CHUNK = 1024 * 1024


def file_store_atomically(*, repository: DataRepository, relative_path: str,
                          content: bytes | Iterable[bytes]) -> StoredFile:
    """Write `content` (bytes, or an iterable of byte chunks, hashed on the way) under a local
    repository: a temporary file in the same folder, then a rename, so a reader or a crash never
    sees half a file."""
    with StagedFile(repository=repository, relative_path=relative_path) as staged:
        stored = staged.write_all([content] if isinstance(content, (bytes, bytearray))
                                  else content)
        staged.commit()
    return stored


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

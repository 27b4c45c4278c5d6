"""Typed records that a source's pure mapper returns and the shared writer stores."""
import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

# How well a route knows a project's name: a name known less well never replaces one known
# better (a study's webhook knows no name, its REST listing does), so every route agrees.
NAME_GUESSED, NAME_CONFIGURED, NAME_FROM_SOURCE = 0, 1, 2


@dataclass(frozen=True)
class ProjectRecord:
    """A project; `title` is the name without decoration (e.g. the study id the name adds)."""

    source_id: str
    name: str
    description: str = ""
    title: str = ""
    name_known: int = NAME_FROM_SOURCE


@dataclass(frozen=True)
class SubjectRecord:
    source_id: str
    nickname: str
    species: str = ""
    description: str = ""


@dataclass(frozen=True)
class UserRecord:
    """A person upstream (an author): mirrored as a user who cannot log in until an admin
    gives them a password."""

    source_id: str
    username: str
    first_name: str = ""
    last_name: str = ""
    email: str = ""


@dataclass(frozen=True)
class FetchedFile:
    """A file the writer fetches once, straight into its repository (a download).

    `fetch(handle)` writes the bytes into an open binary file, which it may rewind and truncate
    to start over (a transfer cut short), and returns how many it wrote. `fingerprint` is
    upstream's identity of these bytes (for example file id, size and modification time): a
    dataset already stored with the same fingerprint, whose file is on disk at its size, is not
    fetched again. `size` is the size upstream declares, if it does (what a dry run counts).
    """

    fetch: Callable[[BinaryIO], int]
    fingerprint: str
    size: int | None = None


@dataclass(frozen=True)
class DatasetFile:
    """One file of a session, stored as a dataset with one file record.

    `content` is the file's bytes; or a callable that yields them in chunks each time it is
    called (the writer reads it twice: to hash, then, if it changed, to store); or a local
    `Path` (read the same way); or a `FetchedFile`, which is read once, into the repository.
    """

    collection: str
    name: str
    dataset_type: str
    data_format: str
    content: bytes | Callable[[], Iterable[bytes]] | Path | FetchedFile

    def chunks(self) -> Iterable[bytes]:
        if isinstance(self.content, (bytes, bytearray)):
            return [self.content]
        if isinstance(self.content, Path):
            return _file_chunks(self.content)
        if isinstance(self.content, FetchedFile):
            raise TypeError("a FetchedFile is read once, by the writer")
        return self.content()


def _file_chunks(path: Path, size: int = 1024 * 1024) -> Iterable[bytes]:
    with path.open("rb") as handle:
        while block := handle.read(size):
            yield block


@dataclass(frozen=True)
class SessionRecord:
    """A session and everything hanging off it; `upstream` lands in `json[<source>]`."""

    source_id: str
    subject: SubjectRecord
    project: ProjectRecord
    start_time: datetime.datetime
    number: int
    task_protocol: str
    end_time: datetime.datetime | None = None
    n_trials: int | None = None
    type: str = "Experiment"
    upstream: dict = field(default_factory=dict)
    files: tuple[DatasetFile, ...] = ()
    also_projects: tuple[ProjectRecord, ...] = ()  # beyond `project` (e.g. several folders)
    name: str = ""  # upstream's name for it, when it has one (else the session's is left alone)
    users: tuple[UserRecord, ...] = ()
    parent_source_id: str | None = None  # the source id of the session this one is part of

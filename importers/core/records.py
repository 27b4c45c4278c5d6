"""Typed records that a source's pure mapper returns and the shared writer stores."""
import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

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
class DatasetFile:
    """One file of a session, stored as a dataset with one file record.

    `content` is the file's bytes, or, for a file too large to hold in memory, a callable that
    yields them in chunks each time it is called (the writer reads it twice: to hash, to store).
    """

    collection: str
    name: str
    dataset_type: str
    data_format: str
    content: bytes | Callable[[], Iterable[bytes]]

    def chunks(self) -> Iterable[bytes]:
        if isinstance(self.content, (bytes, bytearray)):
            return [self.content]
        return self.content()


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

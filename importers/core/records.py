"""Typed records that a source's pure mapper returns and the shared writer stores."""
import datetime
from dataclasses import dataclass, field


@dataclass(frozen=True)
class ProjectRecord:
    source_id: str
    name: str
    description: str = ""


@dataclass(frozen=True)
class SubjectRecord:
    source_id: str
    nickname: str
    species: str = ""
    description: str = ""


@dataclass(frozen=True)
class DatasetFile:
    """One file of a session, stored as a dataset with one file record."""

    collection: str
    name: str
    dataset_type: str
    data_format: str
    content: bytes


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

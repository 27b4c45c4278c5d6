"""The rows of ONE's two cache tables, read from the database in bounded batches.

Columns and types follow ONE's `one.alf.cache` (SESSIONS_COLUMNS, DATASETS_COLUMNS); ONE makes
the index from the `id` / `eid` columns itself. Rows are written in ONE's index order (session
key, then dataset key), so ONE finds the tables already sorted and skips sorting them on load.
A dataset `exists` when a server (non-personal) repository holds a copy: the same rule as the
datasets ONE lists remotely.
"""
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass

import pyarrow as pa
from django.db.models import Exists, OuterRef, QuerySet

from mirror.actions.models import Session
from mirror.core.qc import QC, QC_NAMES
from mirror.data.models import Dataset
from mirror.data.selectors import downloadable_file_records

SESSIONS_PER_BATCH = 5000
MAX_NUMBER = 65535  # ONE stores a session's number as uint16

# QC_NAMES runs from NOT_SET to CRITICAL, by value: the order ONE compares QC in.
QC_CODE = {int(choice): QC_NAMES.index(choice.label) for choice in QC}
QC_TYPE = pa.dictionary(pa.int8(), pa.string(), ordered=True)

SESSIONS_SCHEMA = pa.schema([
    ("id", pa.string()), ("lab", pa.string()), ("subject", pa.string()), ("date", pa.date32()),
    ("number", pa.uint16()), ("task_protocol", pa.string()), ("projects", pa.string())])
DATASETS_SCHEMA = pa.schema([
    ("eid", pa.string()), ("id", pa.string()), ("rel_path", pa.string()),
    ("file_size", pa.uint64()), ("hash", pa.string()), ("exists", pa.bool_()),
    ("default_revision", pa.bool_()), ("qc", QC_TYPE)])


@dataclass
class Batch:
    sessions: pa.RecordBatch
    datasets: pa.RecordBatch


def sessions_in_tables(tag: str | None = None) -> QuerySet:
    """Sessions of the tables: all, or (for a tag) those with a dataset carrying it."""
    sessions = Session.objects.all()
    if tag is not None:
        sessions = sessions.filter(Exists(Dataset.objects.filter(
            session=OuterRef("pk"), tags__name=tag)))
    return sessions


def datasets_in_tables(tag: str | None = None) -> QuerySet:
    datasets = Dataset.objects.filter(session__isnull=False)
    return datasets if tag is None else datasets.filter(tags__name=tag)


def batches(tag: str | None = None, size: int = SESSIONS_PER_BATCH) -> Iterator[Batch]:
    """Both tables, `size` sessions (and all their datasets) at a time, by session key."""
    sessions = sessions_in_tables(tag).order_by("id")
    last = None
    while True:
        page = sessions if last is None else sessions.filter(id__gt=last)
        rows = list(page.values_list("id", "lab__name", "subject__nickname", "start_time",
                                     "number", "task_protocol")[:size])
        if not rows:
            return
        first, last = rows[0][0], rows[-1][0]
        yield Batch(_sessions_batch(rows, _projects(first, last)),
                    _datasets_batch(tag, first, last))


def _projects(first, last) -> dict:
    """Project names of the sessions keyed first..last, joined with commas as ONE stores them."""
    links = (Session.projects.through.objects
             .filter(session_id__gte=first, session_id__lte=last)
             .order_by("project__name").values_list("session_id", "project__name"))
    names = defaultdict(list)
    for session_id, name in links:
        names[session_id].append(name)
    return {key: ",".join(value) for key, value in names.items()}


def _sessions_batch(rows: list, projects: dict) -> pa.RecordBatch:
    for key, *_, number, _protocol in rows:
        if number is not None and number > MAX_NUMBER:
            raise ValueError(f"session {key} has number {number}, more than ONE's cache tables "
                             f"hold ({MAX_NUMBER}): correct the session's number")
    return pa.RecordBatch.from_pydict({
        "id": [str(row[0]) for row in rows],
        "lab": [row[1] or "" for row in rows],
        "subject": [row[2] for row in rows],
        "date": [row[3].date() for row in rows],
        "number": [row[4] or 0 for row in rows],
        "task_protocol": [row[5] or "" for row in rows],
        "projects": [projects.get(row[0], "") for row in rows],
    }, schema=SESSIONS_SCHEMA)


def _datasets_batch(tag: str | None, first, last) -> pa.RecordBatch:
    rows = (datasets_in_tables(tag)
            .filter(session_id__gte=first, session_id__lte=last)
            .annotate(has_copy=Exists(downloadable_file_records().filter(dataset=OuterRef("pk"))))
            .order_by("session_id", "id")
            .values_list("session_id", "id", "collection", "revision__name", "name",
                         "file_size", "hash", "has_copy", "default_dataset", "qc"))
    columns = {name: [] for name in DATASETS_SCHEMA.names}
    for session_id, key, collection, revision, name, size, md5, exists, default, qc in rows:
        columns["eid"].append(str(session_id))
        columns["id"].append(str(key))
        columns["rel_path"].append(rel_path(collection, revision, name))
        columns["file_size"].append(size)
        columns["hash"].append(md5 or None)
        columns["exists"].append(exists)
        columns["default_revision"].append(default)
        columns["qc"].append(QC_CODE[qc])
    qc = pa.DictionaryArray.from_arrays(pa.array(columns.pop("qc"), pa.int8()),
                                        pa.array(QC_NAMES), ordered=True)
    arrays = [pa.array(columns[name], DATASETS_SCHEMA.field(name).type)
              for name in DATASETS_SCHEMA.names[:-1]]
    return pa.RecordBatch.from_arrays([*arrays, qc], schema=DATASETS_SCHEMA)


def rel_path(collection: str, revision: str | None, name: str) -> str:
    """ALF path inside the session: `collection/#revision#/name`, empty parts left out."""
    return "/".join(part for part in (collection, f"#{revision}#" if revision else "", name)
                    if part)

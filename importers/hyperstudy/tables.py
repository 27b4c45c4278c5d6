"""HyperStudy records as ALF tables (CSV): nested fields flattened, onset in ms and seconds.

CSV, not Parquet: ONE loads either as a DataFrame, a CSV is written as a stream (rows never
all in memory) and read by anyone. Flattening: an object's keys join their parent's with a dot
(`response.value`, `metadata.question`); a list is kept as JSON text (`recipientIds`
`["user_1"]`); `onset` (ms, relative to the room's start, may be negative) is kept and
`onset_sec` added. Columns are every key any row has, in first-seen order.
"""
import csv
import datetime
import json
import shutil
import sqlite3
import tempfile
import time
from collections.abc import Iterable, Iterator
from pathlib import Path

from django.conf import settings

LEFT_OUT = ("downloadUrl",)  # a signed link: a credential for the file, new at every listing


def _utc(value) -> datetime.datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment.astimezone(datetime.timezone.utc) if moment.tzinfo else None


def record_time(record: dict) -> str:
    """A record's time (`timestamp`, else `startTime`) as `iso_utc` text, "" when it has none
    that parses: fixed width, so that times compare as text."""
    moment = _utc(record.get("timestamp") or record.get("startTime"))
    return "" if moment is None else iso_utc(moment)


def iso_utc(moment: datetime.datetime) -> str:
    """`2024-06-17T09:32:40.011Z`, HyperStudy's form."""
    moment = moment.astimezone(datetime.timezone.utc) if moment.tzinfo else moment
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def flatten(record: dict, prefix: str = "") -> dict:
    flat = {}
    for key, value in record.items():
        if not prefix and key in LEFT_OUT:
            continue
        name = f"{prefix}{key}"
        if isinstance(value, dict) and value:
            flat.update(flatten(value, f"{name}."))
        elif isinstance(value, (list, dict)):
            flat[name] = json.dumps(value, sort_keys=True)
        else:
            flat[name] = value
    if not prefix and isinstance(record.get("onset"), (int, float)) \
            and not isinstance(record.get("onset"), bool):
        flat["onset_sec"] = record["onset"] / 1000
    return flat


def write_csv(rows: Iterable[dict], path: Path, read_again) -> Path:
    """Two passes over the rows (`read_again()` gives them anew): the columns, then the rows."""
    columns: dict[str, None] = {}
    for row in rows:
        columns.update(dict.fromkeys(flatten(row)))
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(columns), lineterminator="\n")
        writer.writeheader()
        for row in read_again():
            writer.writerow(_cells(row))
    return path


STALE_SPOOL_SECONDS = 2 * 24 * 3600  # no import runs that long: its process died


def _sweep(root: Path) -> None:
    """Remove spools a killed import left behind (a million events spool ~0.5 GB)."""
    cutoff = time.time() - STALE_SPOOL_SECONDS
    for folder in root.glob("hyperstudy-*"):
        try:
            if folder.stat().st_mtime < cutoff:
                shutil.rmtree(folder, ignore_errors=True)
        except OSError:
            pass


class Spool:
    """Records fetched for a whole experiment, on disk until each session stores its own:
    memory stays flat however many there are. One SQLite file in a temporary folder;
    a record is kept once per (data type, record id)."""

    def __init__(self):
        root = Path(settings.VAR_DIR) / "spool"
        root.mkdir(parents=True, exist_ok=True)
        _sweep(root)
        self.folder = tempfile.TemporaryDirectory(prefix="hyperstudy-", dir=root)
        self.db = sqlite3.connect(Path(self.folder.name) / "spool.sqlite3")
        self.db.execute("CREATE TABLE rows (seq INTEGER PRIMARY KEY, type TEXT, room TEXT, "
                        "participant TEXT, key TEXT, time TEXT, body TEXT, "
                        "UNIQUE (type, key))")
        self.db.execute("CREATE INDEX rows_by_group ON rows (type, room, participant, seq)")
        self._files = 0

    def add(self, data_type: str, record: dict, *, room, participant, key) -> None:
        self.db.execute("INSERT OR IGNORE INTO rows (type, room, participant, key, time, body) "
                        "VALUES (?, ?, ?, ?, ?, ?)",
                        (data_type, room, participant, key, record_time(record),
                         json.dumps(record)))

    def keys(self, data_type: str, room: str, participant: str | None, *,
             since: str = "") -> dict[str, str]:
        """The group's record keys → their times: all, or those stamped at or after `since`
        and those without a time."""
        return dict(self.db.execute(
            "SELECT key, time FROM rows WHERE type = ? AND room = ? AND participant IS ? "
            "AND (time = '' OR time >= ?)", (data_type, room, participant, since)))

    def rows(self, data_type: str, room: str, participant: str | None, *,
             leaving_out: dict | frozenset = frozenset()) -> Iterator[dict]:
        """The group's records in the order read, but those whose key is in `leaving_out`."""
        query = ("SELECT key, body FROM rows WHERE type = ? AND room = ? AND participant IS ? "
                 "ORDER BY seq")
        for key, body in self.db.execute(query, (data_type, room, participant)):
            if key not in leaving_out:
                yield json.loads(body)

    def has(self, data_type: str, room: str, participant: str | None) -> bool:
        return self.db.execute("SELECT 1 FROM rows WHERE type = ? AND room = ? AND "
                               "participant IS ? LIMIT 1",
                               (data_type, room, participant)).fetchone() is not None

    def _path(self) -> Path:
        self._files += 1
        return Path(self.folder.name) / f"table-{self._files}.csv"

    def table(self, data_type: str, room: str, participant: str | None) -> Path:
        """The group's rows as a CSV file in the spool's folder."""
        return write_csv(self.rows(data_type, room, participant), self._path(),
                         lambda: self.rows(data_type, room, participant))

    def appended(self, old: Path, data_type: str, room: str, participant: str | None, *,
                 known: dict) -> Path | None:
        """The table `old` with the group's records not in `known` (keys) after its rows, its
        bytes copied, not parsed; None when those records bring columns `old` lacks."""
        return append_csv(old, lambda: self.rows(data_type, room, participant,
                                                 leaving_out=known), self._path())

    def merged(self, old: Path, data_type: str, room: str, participant: str | None,
               key_of, *, tail_since: str) -> tuple[Path | None, dict[str, str]]:
        """The table `old` with the group's records appended, each record once (`old` is
        read through to find them; None when it has them all), and the merged table's keys
        stamped at or after `tail_since` (or not stamped)."""
        return merge_csv(old, lambda: self.rows(data_type, room, participant), self._path(),
                         key_of, tail_since=tail_since)

    def rooms_with_rows(self, data_types) -> set[str]:
        marks = ",".join("?" * len(data_types))
        return {room for (room,) in self.db.execute(
            f"SELECT DISTINCT room FROM rows WHERE type IN ({marks})", tuple(data_types))}

    def newest(self, data_types, *, not_after: datetime.datetime) -> str | None:
        """The latest `timestamp` among the rows of `data_types`, as ISO 8601 UTC text. Only
        times that parse and are not after `not_after` count: a record stamped in the far
        future (or not stamped at all) must not move the next sync past everything."""
        marks = ",".join("?" * len(data_types))
        (newest,) = self.db.execute(
            f"SELECT MAX(time) FROM rows WHERE type IN ({marks}) AND time != '' AND time <= ?",
            (*data_types, iso_utc(not_after))).fetchone()
        return newest

    def close(self) -> None:
        self.db.close()
        self.folder.cleanup()


def _header(path: Path) -> list[str]:
    with path.open(newline="", encoding="utf-8") as handle:
        return next(csv.reader(handle), [])


def _cells(row: dict) -> dict:
    return {k: "" if v is None else v for k, v in flatten(row).items()}


def append_csv(old: Path, new_rows, path: Path) -> Path | None:
    """The table `old` (a CSV file) with the records `new_rows()` gives after its rows, in its
    columns: its bytes are copied as they are, never parsed, so the cost is a copy and the
    new rows. None when a new record has a column `old` lacks (the header must change)."""
    columns = _header(old)
    known = set(columns)
    for row in new_rows():
        if not known.issuperset(flatten(row)):
            return None
    with path.open("wb") as out:
        with old.open("rb") as handle:
            shutil.copyfileobj(handle, out)
    with path.open("a", newline="", encoding="utf-8") as out:
        writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\n")
        for row in new_rows():
            writer.writerow(_cells(row))
    return path


def merge_csv(old: Path | None, new_rows, path: Path, key_of, *,
              tail_since: str = "") -> tuple[Path | None, dict[str, str]]:
    """A table that was `old` (a CSV file, maybe None) with the records `new_rows()` gives
    appended, each record once (`key_of(row)`: a record read again in the overlap of two
    syncs, or already in the table, is not added again), and the keys of the merged table's
    records stamped at or after `tail_since` or not at all (→ their times); the path is None
    when `old` holds every record already. Streams: the old rows are read from disk, never all
    held; memory grows with the new rows' keys only."""
    columns = dict.fromkeys(_header(old) if old is not None else [])
    new_keys = set()
    for row in new_rows():
        columns.update(dict.fromkeys(flatten(row)))
        new_keys.add(key_of(row))
    seen, tail, added = set(), {}, 0

    def note(key, row):
        seen.add(key)
        time = record_time(row)
        if time == "" or time >= tail_since:
            tail[key] = time

    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.DictWriter(out, fieldnames=list(columns), lineterminator="\n")
        writer.writeheader()
        if old is not None:
            with old.open(newline="", encoding="utf-8") as handle:
                for row in csv.DictReader(handle):
                    note(key_of(row), row)
                    writer.writerow(row)
        for row in new_rows():
            key = key_of(row)
            if key not in seen:
                note(key, row)
                writer.writerow(_cells(row))
                added += 1
    return (path if added or old is None else None), tail

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
            writer.writerow({k: "" if v is None else v for k, v in flatten(row).items()})
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
                        "participant TEXT, key TEXT, body TEXT, UNIQUE (type, key))")
        self.db.execute("CREATE INDEX rows_by_group ON rows (type, room, participant, seq)")
        self._files = 0

    def add(self, data_type: str, record: dict, *, room, participant, key) -> None:
        self.db.execute("INSERT OR IGNORE INTO rows (type, room, participant, key, body) "
                        "VALUES (?, ?, ?, ?, ?)",
                        (data_type, room, participant, key, json.dumps(record)))

    def rows(self, data_type: str, room: str, participant: str | None) -> Iterator[dict]:
        query = ("SELECT body FROM rows WHERE type = ? AND room = ? AND participant IS ? "
                 "ORDER BY seq")
        for (body,) in self.db.execute(query, (data_type, room, participant)):
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

    def appended(self, old: Path | None, data_type: str, room: str, participant: str | None,
                 key_of) -> Path:
        """The table `old` with the group's rows appended, each record once."""
        return merge_csv(old, lambda: self.rows(data_type, room, participant), self._path(),
                         key_of)

    def has_unmirrored(self, old: Path, data_type: str, room: str, participant: str | None,
                       key_of) -> bool:
        """Whether the group has a record the table `old` lacks (read as a stream, stopping
        once every record read is found there)."""
        wanted = {key_of(row) for row in self.rows(data_type, room, participant)}
        if not wanted:
            return False
        with old.open(newline="", encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                wanted.discard(key_of(row))
                if not wanted:
                    return False
        return True

    def rooms_with_rows(self, data_types) -> set[str]:
        marks = ",".join("?" * len(data_types))
        return {room for (room,) in self.db.execute(
            f"SELECT DISTINCT room FROM rows WHERE type IN ({marks})", tuple(data_types))}

    def newest(self, data_types, *, not_after: datetime.datetime) -> str | None:
        """The latest `timestamp` among the rows of `data_types`, as ISO 8601 UTC text. Only
        times that parse and are not after `not_after` count: a record stamped in the far
        future (or not stamped at all) must not move the next sync past everything."""
        newest = None
        marks = ",".join("?" * len(data_types))
        for (body,) in self.db.execute(f"SELECT body FROM rows WHERE type IN ({marks})",
                                       tuple(data_types)):
            record = json.loads(body)
            stamp = _utc(record.get("timestamp") or record.get("startTime"))
            if stamp is not None and stamp <= not_after and (newest is None or stamp > newest):
                newest = stamp
        return None if newest is None else iso_utc(newest)

    def close(self) -> None:
        self.db.close()
        self.folder.cleanup()


def merge_csv(old: Path | None, new_rows, path: Path, key_of) -> Path:
    """A table that was `old` (a CSV file, maybe None) with the records `new_rows()` gives
    appended, each record once (`key_of(row)`: a record read again in the overlap of two
    syncs, or already in the table, is not added again). Streams: the old rows are read from
    disk, never all held; memory grows with the new rows' keys only."""
    old_columns: list[str] = []
    if old is not None:
        with old.open(newline="", encoding="utf-8") as handle:
            old_columns = next(csv.reader(handle), [])
    columns = dict.fromkeys(old_columns)
    new_keys = set()
    for row in new_rows():
        columns.update(dict.fromkeys(flatten(row)))
        new_keys.add(key_of(row))
    seen = set()
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.DictWriter(out, fieldnames=list(columns), lineterminator="\n")
        writer.writeheader()
        if old is not None:
            with old.open(newline="", encoding="utf-8") as handle:
                for row in csv.DictReader(handle):
                    key = key_of(row)
                    if key in new_keys:
                        seen.add(key)
                    writer.writerow(row)
        for row in new_rows():
            key = key_of(row)
            if key in seen:
                continue
            seen.add(key)
            writer.writerow({k: "" if v is None else v for k, v in flatten(row).items()})
    return path

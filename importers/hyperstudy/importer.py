"""`run()`: mirror one HyperStudy experiment: each room and each of its participants a session
(importers.hyperstudy.mapping), every data type a table, every recording a raw file.

Every data type is read at experiment scope (the fewest requests: a type's pages, not one
listing per room or participant), spooled on disk (importers.hyperstudy.tables.Spool) and then
stored room by room, each room with its participants in one transaction.
"""
import datetime
import functools
import hashlib
import json
import logging
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Prefetch, Q

from importers.core.batches import SessionUnavailable, count_unchanged, import_one
from importers.core.counts import Outcome
from importers.core.errors import BadSourceData, SourceError
from importers.core.progress import Progress
from importers.core.records import DatasetFile, FetchedFile
from importers.core.runs import run_import
from importers.core.writer import Writer
from importers.hyperstudy import client as api
from importers.hyperstudy import mapping, tails
from importers.hyperstudy.tables import Spool, iso_utc
from importers.hyperstudy.tails import Tail
from importers.models import ImportRun
from mirror.actions.models import Session
from mirror.core.provenance import deterministic_uuid
from mirror.data.models import Dataset, FileRecord

logger = logging.getLogger(__name__)
ROOM_TABLES = (*mapping.ROOM_TYPES, "variables", "participants", "rooms")
OVERLAP_SECONDS = 60  # records stamped this long before the newest one read may still come
VARIABLES_EVERY_SECONDS = 600  # how often a sync rereads an active room's variables


def store(writer: Writer, loaded) -> list[Session]:
    """A room's session, then its participants' (whose parent it is), then the tails of the
    tables written (in the same transaction: a tail never tells of rows not stored)."""
    records, table_tails = loaded
    sessions = [writer.store(record) for record in records]
    tails.save(table_tails)
    return sessions


TIMED_TYPES = (*mapping.PARTICIPANT_TYPES, *mapping.ROOM_TYPES)  # read with `startTime`


def _last_watermark(connection) -> str:
    """The newest record time the last successful run read ("" before any)."""
    return ImportRun.objects.filter(
        connection=connection, status=ImportRun.SUCCEEDED, dry_run=False) \
        .exclude(watermark="").order_by("-started_at") \
        .values_list("watermark", flat=True).first() or ""


def _less_overlap(connection, watermark: str) -> str:
    newest = datetime.datetime.fromisoformat(watermark.replace("Z", "+00:00"))
    overlap = float((connection.settings or {}).get("overlap_seconds", OVERLAP_SECONDS))
    return iso_utc(newest - datetime.timedelta(seconds=overlap))


def _resume_from(connection, since: datetime.datetime | None) -> str | None:
    """Where this run's `startTime` is: `--since` (as UTC) when given, else the newest record
    time the last successful run read, less `overlap_seconds`; None: read everything."""
    if since is not None:
        return iso_utc(since)
    watermark = _last_watermark(connection)
    return _less_overlap(connection, watermark) if watermark else None


def room_state(room: dict, participants: list[dict]) -> str:
    """A digest of a room's record and its participants' rows: a sync rereads a room whose
    digest moved (it started, someone joined or finished, it completed)."""
    return hashlib.sha1(json.dumps([room, participants], sort_keys=True, default=str)
                        .encode()).hexdigest()


class Experiment:
    """What one run reads: the experiment, its rooms and participants, and its records."""

    def __init__(self, client, connection, context, *, start: str | None):
        self.client, self.connection, self.context = client, connection, context
        self.id = str(connection.target)
        self.start = start  # None: a full read; else only records from then on, appended
        data, _ = api.get(client, connection, f"experiments/{self.id}")
        self.info = api.one(data)
        self.warnings: list[str] = []
        self.rooms = {str(r.get("id")): r for r in self._records("rooms")}
        self.participants: dict[str, list[dict]] = {}
        for row in self._records("participants"):
            self.participants.setdefault(str(mapping.room_of(row)), []).append(row)
        self.spool = Spool()
        self.fresh_rooms: set[str] = set()  # rooms a sync found records not mirrored yet
        self.now = iso_utc(datetime.datetime.now(datetime.timezone.utc))
        self.variables_read: set[str] = set()  # rooms whose variables this run read

    def _records(self, data_type: str, **params):
        return api.records(self.client, self.connection, data_type, "experiment", self.id,
                           self.warnings, **params)

    def fetch(self, stream) -> None:
        params = {"startTime": self.start} if self.start else {}
        progress = Progress(total=len(TIMED_TYPES), label=f"{self.connection.name} data",
                            stream=stream)
        for data_type in TIMED_TYPES:
            room_level = data_type in mapping.ROOM_TYPES
            for record in self._records(data_type, **params):
                self.spool.add(data_type, record, room=str(mapping.room_of(record)),
                               participant=None if room_level
                               else mapping.participant_of(data_type, record),
                               key=mapping.record_key(data_type, record))
            progress.step(data_type)
        newest = max(self.newest() or "", _last_watermark(self.connection))
        # where the next sync will start reading: the tails written keep the keys from then on
        self.tail_since = _less_overlap(self.connection, newest) if newest else ""
        self.mirrored = self._mirrored_rooms()
        self.touched = self._touched_rooms()
        for room_id in self.touched:
            if self._variables_due(room_id):
                self._read_variables(room_id)
            for row in self.participants.get(room_id, []):
                self.spool.add("participants", row, room=room_id, participant=None,
                               key=f"{room_id}/{row.get('id')}")
            self.spool.add("rooms", self.rooms[room_id], room=room_id, participant=None,
                           key=room_id)

    def _read_variables(self, room_id: str) -> None:
        data, _ = api.get(self.client, self.connection, f"data/variables/room/{room_id}")
        for n, write in enumerate(data if isinstance(data, list) else []):
            if isinstance(write, dict):
                self.spool.add("variables", write, room=room_id, participant=None,
                               key=f"{room_id}/{n}")
        self.variables_read.add(room_id)

    def _mirrored_rooms(self) -> dict[str, dict]:
        """Room id → what its mirrored session keeps of upstream (one query)."""
        keys = {f"{self.id}/{room}": room for room in self.rooms}
        return {keys[source_id]: (json_value or {}).get(self.connection.source) or {}
                for source_id, json_value in Session.objects.filter(
                    source=self.connection.source, source_id__in=list(keys))
                .values_list("source_id", "json")}

    def state(self, room_id: str) -> str:
        return room_state(self.rooms[room_id], self.participants.get(room_id, []))

    def _changed(self, room_id: str) -> bool:
        """Not mirrored yet, or its record or participants moved since."""
        return self.mirrored.get(room_id, {}).get("state") != self.state(room_id)

    def _variables_due(self, room_id: str) -> bool:
        """Variables have no `startTime`: a room's whole write log is read again on a full
        read, when the room changed, and for an active room every `variables_every_seconds`
        (600): reading it at every sync of a hundred live rooms would spend the hour's
        requests in minutes."""
        if self.start is None or self._changed(room_id):
            return True
        if self.rooms[room_id].get("status") != "active":
            return False
        every = float((self.connection.settings or {}).get("variables_every_seconds",
                                                           VARIABLES_EVERY_SECONDS))
        last = self.mirrored.get(room_id, {}).get("variables_read") or ""
        not_before = iso_utc(datetime.datetime.now(datetime.timezone.utc)
                             - datetime.timedelta(seconds=every))
        return last < not_before

    def _touched_rooms(self) -> list[str]:
        """Every room on a full read; on a sync, the rooms with new records, the rooms that
        changed (or are not mirrored yet), and the active ones whose variables are due."""
        if self.start is None:
            return list(self.rooms)
        with_rows = self.spool.rooms_with_rows(TIMED_TYPES)
        return [room for room in self.rooms
                if room in with_rows or self._changed(room) or self._variables_due(room)]

    def newest(self) -> str | None:
        # a day of slack for clocks that disagree; later stamps cannot be real yet
        not_after = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=1)
        return self.spool.newest(TIMED_TYPES, not_after=not_after)

    def _dataset_id(self, session_source_id: str, collection: str, name: str):
        return deterministic_uuid(self.connection.source, "dataset",
                                  f"{session_source_id}/{collection}/{name}")

    def _mirrored_tables(self, session_source_ids) -> dict:
        """Dataset id → (dataset, path) of every file the room's sessions hold now (one
        query for the datasets, one for their copies)."""
        present = Prefetch("file_records", to_attr="present", queryset=FileRecord.objects
                           .filter(exists=True).select_related("data_repository"))
        found = {}
        for dataset in Dataset.objects.filter(session_id__in=[
                deterministic_uuid(self.connection.source, "session", key)
                for key in session_source_ids]).prefetch_related(present):
            if dataset.present:
                copy = dataset.present[0]
                path = copy.data_repository.file(copy.relative_path)
                if path.is_file():
                    found[dataset.pk] = (dataset, path)
        return found

    def _tables(self, data_types, room_id: str, participant, session_source_id: str,
                room) -> list[DatasetFile]:
        """One table per data type: on a sync, the mirrored table with the new records
        appended (each once; the overlap reads some again), or left as it is when there are
        none; whole tables (variables, participants, rooms) are rewritten. A signed
        `downloadUrl` is left out: a credential, new at each listing."""
        files = []
        for data_type in data_types:
            name = mapping.table_name(data_type)
            dataset_id = self._dataset_id(session_source_id, mapping.ALF, name)
            timed = data_type in TIMED_TYPES
            old = room.mirrored.get(dataset_id) if timed and self.start is not None else None
            group = (data_type, room_id, participant)
            if not self.spool.has(*group):
                if old is not None:
                    self.context.counts.add(Outcome.UNCHANGED, "datasets", key=dataset_id)
                continue
            if old is None:
                path = self.spool.table(*group)
                if timed:
                    room.tails[dataset_id] = Tail(self.tail_since, self.spool.keys(
                        *group, since=self.tail_since))
            else:
                path = self._appended(old, group, dataset_id, room)
                if path is None:
                    self.context.counts.add(Outcome.UNCHANGED, "datasets", key=dataset_id)
                    continue
            if timed:
                self.fresh_rooms.add(room_id)
            files.append(DatasetFile(mapping.ALF, name, f"{data_type.replace('/', '.')}.table",
                                     "csv", path))
        return files

    def _appended(self, old, group, dataset_id, room):
        """The mirrored table `old` with the group's new records after its rows, and its new
        tail in `room.tails`; None when every record read is in it already (its tail is then
        left as it was, or written anew when the table had to be read through)."""
        tail = room.old_tails.get(dataset_id)
        if tail is not None and tail.covers(self.start):
            unseen = {key: time for key, time in self.spool.keys(*group).items()
                      if key not in tail.keys}
            if not unseen:
                return None
            room.tails[dataset_id] = tail.extended(unseen, self.tail_since)
            path = self.spool.appended(old[1], *group, known=tail.keys)
            if path is not None:
                return path
        key_of = functools.partial(mapping.record_key, group[0])
        path, keys = self.spool.merged(old[1], *group, key_of, tail_since=self.tail_since)
        room.tails[dataset_id] = Tail(self.tail_since, keys)
        return path

    def _recordings(self, room_id: str, participant: str) -> list[DatasetFile]:
        files = []
        for recording in self.spool.rows("recordings", room_id, participant):
            rec_id = recording.get("recordingId")
            fetched = FetchedFile(
                lambda handle, r=recording: self._download(r, handle),
                fingerprint=f"{rec_id}|{recording.get('fileSize')}|{recording.get('endTime')}",
                size=recording.get("fileSize") if isinstance(recording.get("fileSize"), int)
                else None)
            files.append(mapping.recording_file(recording, fetched))
        return files

    def _download(self, recording: dict, handle) -> int:
        try:
            return api.download_recording(self.client, self.connection, recording, handle,
                                          max_bytes=int(self._max_file()))
        except SourceError as error:
            if error.status == 401:
                raise
            raise SessionUnavailable(f"recording {recording.get('recordingId')}: {error}") \
                from None

    def _max_file(self) -> int:
        return (self.connection.settings or {}).get("max_file_bytes",
                                                    settings.MIRROR_IMPORT_MAX_FILE)

    def room_records(self, room_id: str) -> tuple[list, dict]:
        """The room's session records (the room's, then its participants') and the tails
        of the tables they carry."""
        room_key = f"{self.id}/{room_id}"
        people = {str(row.get("id")): row for row in self.participants.get(room_id, [])}
        keys = {room_key: None, **{f"{room_key}/{pid}": pid for pid in people}}
        mirrored = self._mirrored_tables(keys)
        room = RoomTables(mirrored, tails.load(mirrored), {})
        records = []
        for key, pid in keys.items():
            data_types = ("events", *ROOM_TABLES) if pid is None else mapping.PARTICIPANT_TYPES
            files = (*self._tables(data_types, room_id, pid, key, room),
                     *(self._recordings(room_id, pid) if pid is not None else ()))
            records.append(self._session(room_id, pid and people[pid], files))
            produced = {self._dataset_id(key, f.collection, f.name) for f in files}
            for dataset, _ in mirrored.values():  # left as they are: unchanged
                if dataset.session_id == deterministic_uuid(
                        self.connection.source, "session", key) and dataset.pk not in produced:
                    self.context.counts.add(Outcome.UNCHANGED, "datasets", key=dataset.pk)
        return records, room.tails

    def _session(self, room_id: str, participant: dict | None, files):
        room = self.rooms[room_id]
        if participant is not None:
            return mapping.participant_session(self.info, room, participant, files)
        kept = self.mirrored.get(room_id, {}).get("variables_read", "")
        return mapping.room_session(self.info, room, tuple(files), extra={
            "state": self.state(room_id),
            "variables_read": self.now if room_id in self.variables_read else kept})


@dataclass
class RoomTables:
    """What one room's store reads and writes of its tables."""

    mirrored: dict  # dataset id → (dataset, path), every file its sessions hold now
    old_tails: dict  # dataset id → Tail, as stored
    tails: dict  # dataset id → Tail, as this run leaves the table


def _pull(context, writer, connection, *, since, stream) -> None:
    start = _resume_from(connection, since)
    experiment = Experiment(api.make_client(connection), connection, context, start=start)
    try:
        experiment.fetch(stream)
        progress = Progress(total=len(experiment.touched), label=f"{connection.name} rooms",
                            stream=stream)
        for room_id in experiment.touched:
            import_one(context, writer, label=f"room {room_id}", store=store,
                       load=lambda room_id=room_id: experiment.room_records(room_id))
            progress.step(room_id)
        if start is not None:
            _count_untouched(context, connection, experiment)
            fresh = len(experiment.fresh_rooms)
            context.counts.note(f"synced records from {start}: {fresh} rooms with new data, "
                                f"{len(experiment.rooms) - fresh} without")
        for warning in experiment.warnings:
            context.counts.note(f"HyperStudy warned: {warning}")
        context.run.watermark = max(experiment.newest() or "", _last_watermark(connection))
    finally:
        experiment.spool.close()


def _count_untouched(context, connection, experiment) -> None:
    """Rooms a sync found nothing new for count as unchanged, as a full read would."""
    touched = set(experiment.touched)
    for room_id in experiment.rooms:
        if room_id in touched:
            continue
        key = f"{experiment.id}/{room_id}"
        for session in Session.objects.filter(
                Q(source_id=key) | Q(source_id__startswith=f"{key}/"), source=connection.source):
            count_unchanged(context.counts, session,
                            list(session.data_dataset_session_related.all()))


def run(*, connection, since: datetime.datetime | None = None, dry_run: bool = False,
        from_file=None, stream=None):
    """Import the connection's experiment; returns the finished ImportRun."""
    if from_file:
        raise BadSourceData(str(from_file), "HyperStudy imports come from its API: run without "
                            "--from-file")
    return run_import(connection, lambda context, writer: _pull(
        context, writer, connection, since=since, stream=stream), dry_run=dry_run)

"""`run()`: mirror one HyperStudy experiment: each room and each of its participants a session
(importers.hyperstudy.mapping), every data type a table, every recording a raw file.

Every data type is read at experiment scope (the fewest requests: a type's pages, not one
listing per room or participant), spooled on disk (importers.hyperstudy.tables.Spool) and then
stored room by room, each room with its participants in one transaction.
"""
import datetime
import functools
import logging

from django.conf import settings
from django.db.models import Q

from importers.core.batches import SessionUnavailable, count_unchanged, import_one
from importers.core.counts import Outcome
from importers.core.errors import BadSourceData, SourceError
from importers.core.progress import Progress
from importers.core.records import DatasetFile, FetchedFile
from importers.core.runs import run_import
from importers.core.writer import Writer
from importers.hyperstudy import client as api
from importers.hyperstudy import mapping
from importers.hyperstudy.tables import Spool, iso_utc
from importers.models import ImportRun
from mirror.actions.models import Session
from mirror.core.provenance import deterministic_uuid
from mirror.data.models import Dataset

logger = logging.getLogger(__name__)
ROOM_TABLES = (*mapping.ROOM_TYPES, "variables", "participants", "rooms")
OVERLAP_SECONDS = 300  # records stamped this long before the newest one read may still come


def store(writer: Writer, records) -> list[Session]:
    """A room's session, then its participants' (whose parent it is)."""
    return [writer.store(record) for record in records]


TIMED_TYPES = (*mapping.PARTICIPANT_TYPES, *mapping.ROOM_TYPES)  # read with `startTime`


def _last_watermark(connection) -> str:
    """The newest record time the last successful run read ("" before any)."""
    return ImportRun.objects.filter(
        connection=connection, status=ImportRun.SUCCEEDED, dry_run=False) \
        .exclude(watermark="").order_by("-started_at") \
        .values_list("watermark", flat=True).first() or ""


def _resume_from(connection, since: datetime.datetime | None) -> str | None:
    """Where this run's `startTime` is: `--since` (as UTC) when given, else the newest record
    time the last successful run read, less `overlap_seconds`; None: read everything."""
    if since is not None:
        return iso_utc(since)
    watermark = _last_watermark(connection)
    if not watermark:
        return None
    newest = datetime.datetime.fromisoformat(watermark.replace("Z", "+00:00"))
    overlap = float((connection.settings or {}).get("overlap_seconds", OVERLAP_SECONDS))
    return iso_utc(newest - datetime.timedelta(seconds=overlap))


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
        self.touched = self._touched_rooms()
        for room_id in self.touched:
            data, _ = api.get(self.client, self.connection, f"data/variables/room/{room_id}")
            for n, write in enumerate(data if isinstance(data, list) else []):
                if isinstance(write, dict):
                    self.spool.add("variables", write, room=room_id, participant=None,
                                   key=f"{room_id}/{n}")
            for row in self.participants.get(room_id, []):
                self.spool.add("participants", row, room=room_id, participant=None,
                               key=f"{room_id}/{row.get('id')}")
            self.spool.add("rooms", self.rooms[room_id], room=room_id, participant=None,
                           key=room_id)

    def _touched_rooms(self) -> list[str]:
        """Every room on a full read; on a sync, the rooms with new records, the rooms not
        mirrored yet, and the active ones (their variables and participants move)."""
        if self.start is None:
            return list(self.rooms)
        with_rows = self.spool.rooms_with_rows(TIMED_TYPES)
        mirrored = set(Session.objects.filter(
            source=self.connection.source, source_id__in=[
                f"{self.id}/{room}" for room in self.rooms]).values_list("source_id", flat=True))
        return [room for room, info in self.rooms.items()
                if room in with_rows or f"{self.id}/{room}" not in mirrored
                or info.get("status") == "active"]

    def newest(self) -> str | None:
        # a day of slack for clocks that disagree; later stamps cannot be real yet
        not_after = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=1)
        return self.spool.newest(TIMED_TYPES, not_after=not_after)

    def _old_table(self, session_source_id: str, name: str):
        """(dataset, path) of the table as this mirror holds it now (a sync appends to it),
        or None."""
        dataset = Dataset.objects.filter(pk=deterministic_uuid(
            self.connection.source, "dataset", f"{session_source_id}/{mapping.ALF}/{name}"
        )).first()
        copy = dataset.file_records.filter(exists=True).first() if dataset else None
        if copy is None:
            return None
        path = copy.data_repository.file(copy.relative_path)
        return (dataset, path) if path.is_file() else None

    def _tables(self, data_types, room_id: str, participant, session_source_id: str):
        """One table per data type: on a sync, the mirrored table with the new records
        appended (each once), or left as it is when every record read is in it already
        (the overlap reads some twice); whole tables (variables, participants, rooms) are
        rewritten. A signed `downloadUrl` is left out: a credential, new at each listing."""
        files = []
        for data_type in data_types:
            name = mapping.table_name(data_type)
            old = self._old_table(session_source_id, name) \
                if self.start is not None and data_type in TIMED_TYPES else None
            if old is None and not self.spool.has(data_type, room_id, participant):
                continue
            key_of = functools.partial(mapping.record_key, data_type)
            if old is not None and not self.spool.has_unmirrored(
                    old[1], data_type, room_id, participant, key_of):
                self.context.counts.add(Outcome.UNCHANGED, "datasets", key=old[0].pk)
                continue
            if data_type in TIMED_TYPES:
                self.fresh_rooms.add(room_id)
            path = self.spool.table(data_type, room_id, participant) if old is None else \
                self.spool.appended(old[1], data_type, room_id, participant, key_of)
            files.append(DatasetFile(mapping.ALF, name, f"{data_type.replace('/', '.')}.table",
                                     "csv", path))
        return files

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

    def room_records(self, room_id: str) -> list:
        room = self.rooms[room_id]
        room_key = f"{self.id}/{room_id}"
        records = [mapping.room_session(self.info, room, tuple(self._tables(
            ("events", *ROOM_TABLES), room_id, None, room_key)))]
        for participant in self.participants.get(room_id, []):
            pid = str(participant.get("id"))
            files = (*self._tables(mapping.PARTICIPANT_TYPES, room_id, pid,
                                   f"{room_key}/{pid}"),
                     *self._recordings(room_id, pid))
            records.append(mapping.participant_session(self.info, room, participant, files))
        return records


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

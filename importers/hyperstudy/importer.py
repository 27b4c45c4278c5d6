"""`run()`: mirror one HyperStudy experiment: each room and each of its participants a session
(importers.hyperstudy.mapping), every data type a table, every recording a raw file.

Every data type is read at experiment scope (the fewest requests: a type's pages, not one
listing per room or participant), spooled on disk (importers.hyperstudy.tables.Spool) and then
stored room by room, each room with its participants in one transaction.
"""
import datetime
import logging

from django.conf import settings
from django.utils import timezone

from importers.core.batches import SessionUnavailable, import_one
from importers.core.errors import BadSourceData, SourceError
from importers.core.progress import Progress
from importers.core.records import DatasetFile, FetchedFile
from importers.core.runs import import_run, rolled_back_if
from importers.core.writer import Writer
from importers.hyperstudy import client as api
from importers.hyperstudy import mapping
from importers.hyperstudy.tables import Spool
from mirror.actions.models import Session

logger = logging.getLogger(__name__)
ROOM_TABLES = (*mapping.ROOM_TYPES, "variables", "participants", "rooms")


def _store_session(writer: Writer, record) -> Session:
    project = writer.project(record.project)
    subject = writer.subject(record.subject)
    session = writer.session(record, subject=subject, project=project)
    for item in record.files:
        writer.dataset_file(item, session=session)
    return session


def store(writer: Writer, records) -> list[Session]:
    """A room's session, then its participants' (whose parent it is)."""
    return [_store_session(writer, record) for record in records]


class Experiment:
    """What one run reads: the experiment, its rooms and participants, and its records."""

    def __init__(self, client, connection, context):
        self.client, self.connection, self.context = client, connection, context
        self.id = str(connection.target)
        data, _ = api.get(client, connection, f"experiments/{self.id}")
        self.info = api.one(data)
        self.warnings: list[str] = []
        self.rooms = {str(r.get("id")): r for r in self._records("rooms")}
        self.participants: dict[str, list[dict]] = {}
        for row in self._records("participants"):
            self.participants.setdefault(str(mapping.room_of(row)), []).append(row)
        self.spool = Spool()

    def _records(self, data_type: str, **params):
        return api.records(self.client, self.connection, data_type, "experiment", self.id,
                           self.warnings, **params)

    def fetch(self, since: datetime.datetime | None, stream) -> None:
        params = {"startTime": since.isoformat() + "Z"} if since else {}
        types = (*mapping.PARTICIPANT_TYPES, *mapping.ROOM_TYPES)
        progress = Progress(total=len(types) + len(self.rooms),
                            label=f"{self.connection.name} data", stream=stream)
        for data_type in types:
            room_level = data_type in mapping.ROOM_TYPES
            for record in self._records(data_type, **params):
                self.spool.add(data_type, record, room=str(mapping.room_of(record)),
                               participant=None if room_level
                               else mapping.participant_of(data_type, record),
                               key=mapping.record_key(data_type, record))
            progress.step(data_type)
        for room_id in self.rooms:
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
            progress.step(room_id)

    def _tables(self, data_types, room_id: str, participant) -> list[DatasetFile]:
        """One table per data type the group has rows of (a signed `downloadUrl` is left out:
        it is a credential for the file, and changes at every listing)."""
        return [DatasetFile(mapping.ALF, mapping.table_name(t), f"{t.replace('/', '.')}.table",
                            "csv", self.spool.table(t, room_id, participant))
                for t in data_types if self.spool.has(t, room_id, participant)]

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
        records = [mapping.room_session(self.info, room, tuple(self._tables(
            ("events", *ROOM_TABLES), room_id, None)))]
        for participant in self.participants.get(room_id, []):
            pid = str(participant.get("id"))
            files = (*self._tables(mapping.PARTICIPANT_TYPES, room_id, pid),
                     *self._recordings(room_id, pid))
            records.append(mapping.participant_session(self.info, room, participant, files))
        return records


def _pull(context, writer, connection, *, since, stream) -> None:
    experiment = Experiment(api.make_client(connection), connection, context)
    try:
        experiment.fetch(since, stream)
        progress = Progress(total=len(experiment.rooms), label=f"{connection.name} rooms",
                            stream=stream)
        for room_id in experiment.rooms:
            import_one(context, writer, label=f"room {room_id}", store=store,
                       load=lambda room_id=room_id: experiment.room_records(room_id))
            progress.step(room_id)
        for warning in experiment.warnings:
            context.counts.note(f"HyperStudy warned: {warning}")
    finally:
        experiment.spool.close()


def run(*, connection, since: datetime.datetime | None = None, dry_run: bool = False,
        from_file=None, stream=None):
    """Import the connection's experiment; returns the finished ImportRun."""
    if from_file:
        raise BadSourceData(str(from_file), "HyperStudy imports come from its API: run without "
                            "--from-file")
    with import_run(connection, dry_run=dry_run, origin="api") as context:
        writer = Writer(connection=connection, counts=context.counts, now=timezone.now(),
                        dry_run=dry_run)
        with rolled_back_if(dry_run):
            _pull(context, writer, connection, since=since, stream=stream)
    return context.run

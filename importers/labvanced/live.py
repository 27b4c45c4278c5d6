"""A Labvanced session recorded live through the webhook: what each player route does.

The webhook trusts nobody. It opens a session on the player's start routes, only for a key
that no import has written, within the connection's hourly quota (importers.labvanced.quotas),
and after that extends only sessions it opened itself (importers.models.LiveRecording) that
are still running: after `/finishExpSession` or `/errExpSession`, after an import wrote the
session, or after MIRROR_WEBHOOK_IDLE_HOURS of silence, every call is refused (409). Each
session is held to caps on trials, trials-table size and media files (413).

The session exists from its first route on and grows trial by trial: every trial is kept once
(keyed by task and trial number, so a replayed POST changes nothing) and the trials table dataset
is rewritten after each. Finishing completes the session; an error marks it aborted with the
player's message. A REST import of the same session later takes it over.
"""
import datetime
import json
import re

from django.conf import settings
from django.utils import timezone

from importers.core import clean
from importers.core.counts import Counts
from importers.core.records import DatasetFile, FetchedFile, SubjectRecord
from importers.core.writer import Writer
from importers.labvanced import payload as body
from importers.labvanced import quotas
from importers.labvanced.mapping import ALF, RAW, participant, study_project
from importers.labvanced.parse import time_offset, write_table
from importers.labvanced.payload import BadPayload, NotOpen, TooLarge
from importers.models import LiveRecording, LiveTrial
from mirror.actions.models import Session
from mirror.core.provenance import deterministic_uuid
from mirror.data.paths import safe_component

TASK_COLUMNS = ("Block_Name", "Block_Nr", "Task_Name", "Task_Nr", "Trial_Nr")
UPSTREAM_MAX = 256 * 1024  # bytes of a session's json[labvanced] (meta data and tasks)
OFFSET = re.compile(r"^([+-])(\d{2}):?(\d{2})?$")


def participant_now(offset: str) -> datetime.datetime:
    """Now on the participant's wall clock (their UTC offset as the player wrote it); the
    server's own wall clock when the offset is unknown."""
    match = OFFSET.match(offset or "")
    if not match:
        return timezone.now()
    sign = -1 if match.group(1) == "-" else 1
    minutes = sign * (int(match.group(2)) * 60 + int(match.group(3) or 0))
    utc = datetime.datetime.now(datetime.timezone.utc)
    return (utc + datetime.timedelta(minutes=minutes)).replace(tzinfo=None)


class LiveSession:
    """The Alyx side of one live session of a connection; call one route per transaction."""

    def __init__(self, connection, payload: dict):
        body.check_study(payload, connection.target)
        self.connection = connection
        self.exp_id = str(connection.target)
        self.rec_id = body.session_key(payload)
        self.source_id = f"{self.exp_id}/{self.rec_id}"
        self.writer = Writer(connection=connection, counts=Counts(), now=timezone.now())
        self.recording = LiveRecording.objects.select_for_update().select_related(
            "session").filter(connection=connection, exp_session_nr=self.rec_id).first()

    # Which session a call may write to.

    def _running(self) -> Session:
        """The session this webhook opened and that still runs; NotOpen otherwise."""
        recording = self.recording
        if recording is None:
            raise NotOpen(f"session {self.rec_id} was not opened by this webhook (its first "
                          "call must be /setPlayerSessionStartedTime or /addMetaInfo)")
        if recording.status != LiveRecording.RUNNING:
            raise NotOpen(f"session {self.rec_id} is {recording.status}: it takes no more calls")
        idle = datetime.timedelta(hours=settings.MIRROR_WEBHOOK_IDLE_HOURS)
        if recording.last_seen_at < timezone.now() - idle:
            raise NotOpen(f"session {self.rec_id} has been silent for more than "
                          f"{settings.MIRROR_WEBHOOK_IDLE_HOURS:g} hours: it takes no more calls")
        return recording.session

    def _open(self, payload: dict) -> Session:
        """The start routes: the running session, or a new one if no import has this key."""
        start_time = body.local_time(payload, "start_time")
        wanted = body.whole_number(payload, "sessionNr", default=1)
        group = body.short_text(payload, "groupNr")
        if self.recording is not None:
            return self._running()
        key = deterministic_uuid(self.connection.source, "session", self.source_id)
        if Session.objects.filter(pk=key).exists():
            raise NotOpen(f"session {self.rec_id} was imported: the webhook cannot change it")
        quotas.charge(self.connection, sessions=1)
        start_text = str(payload.get("start_time") or "")
        start_time = start_time or participant_now(time_offset(start_text))
        subject = self._subject({})
        project = self.writer.project(study_project(
            self.exp_id, configured_name=(self.connection.settings or {}).get("study_name")))
        session = Session.objects.create(
            id=key, source=self.connection.source, source_id=self.source_id,
            imported_at=timezone.now(), subject=subject, lab=self.connection.lab,
            type="Experiment", start_time=start_time, n_trials=0,
            number=self.writer.session_number(subject=subject, start_time=start_time,
                                              wanted=wanted, session_pk=key),
            task_protocol=clean.field_text(Session, "task_protocol",
                                           self.writer.project_title(project)),
            json={self.connection.source: {
                "exp_id": self.exp_id, "rec_session_id": self.rec_id, "status": "recording",
                "session_nr": str(wanted), "utc_offset": time_offset(start_text),
                "group_nr": group, "tasks": {}}})
        session.projects.add(project)
        self.recording = LiveRecording.objects.create(
            connection=self.connection, exp_session_nr=self.rec_id, session=session)
        return session

    def _subject(self, var_data: dict):
        code = var_data.get("Subject_Code") or var_data.get("subject_code")
        if isinstance(code, (dict, list)):
            raise BadPayload("'var_data.Subject_Code' must be a text")
        record = participant(self.exp_id, str(code)) if code else SubjectRecord(
            source_id=f"{self.exp_id}/unidentified", nickname="LV-unidentified",
            species="Homo sapiens", description="Participant not yet identified by the player.")
        return self.writer.subject(record)

    # Writes.

    def _upstream(self, session: Session) -> dict:
        return dict((session.json or {}).get(self.connection.source) or {})

    def _save_upstream(self, session: Session, upstream: dict, **fields) -> None:
        if len(json.dumps(upstream)) > UPSTREAM_MAX:
            raise TooLarge(f"session {self.rec_id}'s meta data would pass {UPSTREAM_MAX} bytes")
        session.json = {**(session.json or {}), self.connection.source: upstream}
        for name, value in fields.items():
            setattr(session, name, value)
        session.imported_at = timezone.now()
        # only what the call changes: a user's concurrent PATCH of `narrative` or `qc` stays
        session.save(update_fields=["json", "imported_at", "auto_datetime", *fields])
        LiveRecording.objects.filter(pk=self.recording.pk).update(last_seen_at=timezone.now())

    def _close(self, status: str) -> None:
        LiveRecording.objects.filter(pk=self.recording.pk).update(status=status)

    # The player's routes.

    def started(self, payload: dict) -> Session:
        session = self._open(payload)
        LiveRecording.objects.filter(pk=self.recording.pk).update(last_seen_at=timezone.now())
        return session

    def meta(self, payload: dict) -> None:
        var_data = body.obj(payload, "var_data")
        session = self._open(payload)
        upstream = self._upstream(session)
        upstream["var_data"] = {**upstream.get("var_data", {}), **var_data}
        subject = self._subject(upstream["var_data"])
        fields = {}
        if subject.pk != session.subject_id:  # identified: the session moves to its folder
            fields = {"subject": subject, "number": self.writer.session_number(
                subject=subject, start_time=session.start_time,
                wanted=upstream.get("session_nr"), session_pk=session.pk)}
        self._save_upstream(session, upstream, **fields)

    def task(self, payload: dict) -> None:
        task = {"Block_Name": body.short_text(payload, "blockName"),
                "Block_Nr": body.short_text(payload, "blockNr"),
                "Task_Name": body.short_text(payload, "taskName"),
                "Task_Nr": body.short_text(payload, "taskNr")}
        rec_task_id = clean.text(body.short_text(payload, "recTaskId"), 64)
        session = self._running()
        upstream = self._upstream(session)
        upstream.setdefault("tasks", {})[rec_task_id] = task
        self._save_upstream(session, upstream)

    def trial(self, payload: dict) -> bool:
        """Keep the trial once and rewrite the table; False if it was a replay."""
        data = body.trial_data(payload)
        trial_nr = body.whole_number(payload, "trialNr", required=True)
        rec_task_id = clean.text(body.short_text(payload, "recTaskId"), 64)
        session = self._running()
        if self.recording.trials >= settings.MIRROR_WEBHOOK_MAX_TRIALS:
            raise TooLarge(f"session {self.rec_id} has {self.recording.trials} trials, the most "
                           "one session keeps (MIRROR_WEBHOOK_MAX_TRIALS)")
        task = self._upstream(session).get("tasks", {}).get(rec_task_id, {})
        _, created = LiveTrial.objects.get_or_create(
            connection=self.connection, exp_session_nr=self.rec_id, rec_task_id=rec_task_id,
            trial_nr=trial_nr, defaults={"data": data, "task": task})
        if created:
            self._write_trials(session)
        else:
            LiveRecording.objects.filter(pk=self.recording.pk).update(last_seen_at=timezone.now())
        return created

    def _write_trials(self, session: Session) -> None:
        trials = list(LiveTrial.objects.filter(connection=self.connection,
                                               exp_session_nr=self.rec_id))
        variables: dict[str, None] = {}
        for trial in trials:
            variables.update(dict.fromkeys(trial.data))
        header = [*TASK_COLUMNS, *variables]
        rows = [[trial.task.get(c, "") for c in TASK_COLUMNS[:-1]] + [trial.trial_nr] +
                [_cell(trial.data.get(name)) for name in variables] for trial in trials]
        table = write_table(header, rows)
        if len(table) > settings.MIRROR_WEBHOOK_MAX_TABLE:
            raise TooLarge(f"session {self.rec_id}'s trials table would pass "
                           f"{settings.MIRROR_WEBHOOK_MAX_TABLE} bytes (MIRROR_WEBHOOK_MAX_TABLE)")
        quotas.charge(self.connection, stored=len(table))
        self.writer.dataset_file(DatasetFile(ALF, "_labvanced_trials.table.csv", "trials.table",
                                             "csv", table), session=session)
        Session.objects.filter(pk=session.pk).update(n_trials=len(trials))
        LiveRecording.objects.filter(pk=self.recording.pk).update(
            trials=len(trials), table_bytes=len(table), last_seen_at=timezone.now())

    def finished(self, payload: dict) -> None:
        var_data, end_time = body.obj(payload, "var_data"), body.local_time(payload, "end_time")
        session = self._running()
        upstream = self._upstream(session)
        upstream["status"] = "completed"
        upstream["var_data"] = {**upstream.get("var_data", {}), **var_data}
        end_time = end_time or participant_now(upstream.get("utc_offset", ""))
        self._save_upstream(session, upstream, end_time=end_time)
        self._close(LiveRecording.FINISHED)

    def aborted(self, payload: dict) -> None:
        end_time = body.local_time(payload, "end_time")
        session = self._running()
        upstream = self._upstream(session)
        upstream.update(status="aborted", error=clean.text(payload.get("err_msg"), 2000))
        end_time = end_time or participant_now(upstream.get("utc_offset", ""))
        self._save_upstream(session, upstream, end_time=end_time)
        self._close(LiveRecording.ABORTED)

    def file(self, name: str, upload) -> None:
        """Store one media upload (a Django UploadedFile) as a raw dataset of the session."""
        session = self._running()
        if self.recording.files >= settings.MIRROR_WEBHOOK_MAX_FILES:
            raise TooLarge(f"session {self.rec_id} has {self.recording.files} files, the most "
                           "one session keeps (MIRROR_WEBHOOK_MAX_FILES)")
        quotas.charge(self.connection, stored=upload.size)
        attribute, extension = media_name(name)
        # Read once, straight into the repository (never whole in memory); each upload is new
        # upstream, so its fingerprint never matches a stored one, and equal bytes stay put.
        fetched = FetchedFile(lambda handle: _copy(upload, handle),
                              fingerprint=f"webhook upload {timezone.now().isoformat()}",
                              size=upload.size)
        self.writer.dataset_file(DatasetFile(
            RAW, f"_labvanced_media.{attribute}.{extension}", "media.upload", extension,
            fetched), session=session)
        LiveRecording.objects.filter(pk=self.recording.pk).update(
            files=self.recording.files + 1, last_seen_at=timezone.now())


def media_name(name: str) -> tuple[str, str]:
    """An upload's file name as an ALF attribute and extension, both plain names: anything but
    letters and digits is dropped (`../../x.webm` → `x`, `webm`), so a name cannot place it."""
    stem, _, extension = str(name).rpartition(".")
    attribute = re.sub(r"[^A-Za-z0-9]", "", stem or name, flags=re.ASCII)[:64] or "file"
    extension = re.sub(r"[^A-Za-z0-9]", "", extension if stem else "", flags=re.ASCII)[:16]
    return safe_component(attribute), extension.lower() or "bin"


def _copy(upload, handle) -> int:
    upload.seek(0)
    written = 0
    for chunk in upload.chunks():
        handle.write(chunk)
        written += len(chunk)
    return written


def _cell(value):
    if isinstance(value, (list, dict)):
        return json.dumps(value)
    return "" if value is None else value

"""A Labvanced session recorded live through the webhook: what each player route does.

The session exists from its first route on and grows trial by trial: every trial is kept once
(keyed by task and trial number, so a replayed POST changes nothing) and the trials table dataset
is rewritten after each. Finishing completes the session; an error marks it aborted with the
player's message. The REST import of the same session later lands on the same records.
"""
import json
import re

from django.db import IntegrityError, transaction
from django.utils import timezone

from importers.core.counts import Counts
from importers.core.records import DatasetFile, ProjectRecord, SubjectRecord
from importers.core.writer import Writer
from importers.labvanced.mapping import ALF, RAW, participant
from importers.labvanced.parse import parse_local_time, time_offset, write_table
from importers.models import LiveTrial
from mirror.actions.models import Session
from mirror.core.provenance import deterministic_uuid

TASK_COLUMNS = ("Block_Name", "Block_Nr", "Task_Name", "Task_Nr", "Trial_Nr")


class BadPayload(ValueError):
    """The player sent something this route cannot use (400, with this message)."""


def _field(payload: dict, name: str) -> str:
    value = payload.get(name)
    if value in (None, ""):
        raise BadPayload(f"'{name}' is missing")
    return str(value)


def _time(payload: dict, name: str):
    try:
        return parse_local_time(str(payload.get(name) or ""))
    except ValueError as error:
        raise BadPayload(str(error)) from None


class LiveSession:
    """The Alyx side of one live session of a connection."""

    def __init__(self, connection, payload: dict):
        self.connection = connection
        self.exp_id = str(payload.get("expId") or connection.target)
        self.rec_id = _field(payload, "expSessionNr")
        self.source_id = f"{self.exp_id}/{self.rec_id}"
        self.writer = Writer(connection=connection, counts=Counts(), now=timezone.now())

    def session(self) -> Session | None:
        key = deterministic_uuid(self.connection.source, "session", self.source_id)
        return Session.objects.filter(pk=key).first()

    def _upstream(self, session: Session) -> dict:
        return dict((session.json or {}).get(self.connection.source) or {})

    def _save_upstream(self, session: Session, upstream: dict, **fields) -> None:
        session.json = {**(session.json or {}), self.connection.source: upstream}
        for name, value in fields.items():
            setattr(session, name, value)
        session.imported_at = timezone.now()
        session.save()

    def _subject(self, var_data: dict):
        code = var_data.get("Subject_Code") or var_data.get("subject_code")
        record = participant(self.exp_id, str(code)) if code else SubjectRecord(
            source_id=f"{self.exp_id}/unidentified", nickname="LV-unidentified",
            species="Homo sapiens", description="Participant not yet identified by the player.")
        return self.writer.subject(record)

    def started(self, payload: dict) -> Session:
        session = self.session()
        if session is not None:
            return session
        project = self.writer.project(ProjectRecord(
            source_id=self.exp_id, name=(self.connection.settings or {}).get(
                "study_name", f"Labvanced study {self.exp_id}") + f" ({self.exp_id})"))
        session = Session(
            id=deterministic_uuid(self.connection.source, "session", self.source_id),
            source=self.connection.source, source_id=self.source_id, imported_at=timezone.now(),
            subject=self._subject({}), lab=self.connection.lab, type="Experiment",
            start_time=_time(payload, "start_time") or timezone.now(),
            number=int(payload.get("sessionNr") or 1), n_trials=0,
            task_protocol=f"Labvanced study {self.exp_id}",
            json={self.connection.source: {
                "exp_id": self.exp_id, "rec_session_id": self.rec_id, "status": "recording",
                "utc_offset": time_offset(str(payload.get("start_time") or "")),
                "group_nr": payload.get("groupNr"), "tasks": {}}})
        try:
            with transaction.atomic():
                session.save()
        except IntegrityError:  # the player's routes raced; the other one made it
            return self.session()
        session.projects.add(project)
        return session

    def meta(self, payload: dict) -> None:
        session = self.started(payload)
        var_data = payload.get("var_data") or {}
        upstream = self._upstream(session)
        upstream["var_data"] = {**upstream.get("var_data", {}), **var_data}
        subject = self._subject(upstream["var_data"])
        self._save_upstream(session, upstream, subject=subject)

    def task(self, payload: dict) -> None:
        session = self.started(payload)
        upstream = self._upstream(session)
        upstream.setdefault("tasks", {})[str(payload.get("recTaskId") or "")] = {
            "Block_Name": payload.get("blockName"), "Block_Nr": payload.get("blockNr"),
            "Task_Name": payload.get("taskName"), "Task_Nr": payload.get("taskNr")}
        self._save_upstream(session, upstream)

    def trial(self, payload: dict) -> bool:
        """Keep the trial once and rewrite the table; False if it was a replay."""
        session = self.started(payload)
        data = (payload.get("recData") or {}).get("data")
        if not isinstance(data, dict):
            raise BadPayload("'recData.data' must be an object of recorded variables")
        try:
            trial_nr = int(_field(payload, "trialNr"))
        except ValueError:
            raise BadPayload("'trialNr' must be a whole number") from None
        rec_task_id = str(payload.get("recTaskId") or "")
        task = self._upstream(session).get("tasks", {}).get(rec_task_id, {})
        _, created = LiveTrial.objects.get_or_create(
            connection=self.connection, exp_session_nr=self.rec_id, rec_task_id=rec_task_id,
            trial_nr=trial_nr, defaults={"data": data, "task": task})
        if created:
            self._write_trials(session)
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
        self.writer.dataset_file(DatasetFile(ALF, "_labvanced_trials.table.csv", "trials.table",
                                             "csv", write_table(header, rows)), session=session)
        Session.objects.filter(pk=session.pk).update(n_trials=len(trials))

    def finished(self, payload: dict) -> None:
        session = self.started(payload)
        upstream = self._upstream(session)
        upstream["status"] = "completed"
        upstream["var_data"] = {**upstream.get("var_data", {}), **(payload.get("var_data") or {})}
        self._save_upstream(session, upstream, end_time=_time(payload, "end_time"))

    def aborted(self, payload: dict) -> None:
        session = self.started(payload)
        upstream = self._upstream(session)
        upstream.update(status="aborted", error=str(payload.get("err_msg") or ""))
        self._save_upstream(session, upstream, end_time=timezone.now())

    def file(self, name: str, content: bytes) -> None:
        session = self.started({"expSessionNr": self.rec_id, "expId": self.exp_id})
        stem, _, extension = name.rpartition(".")
        attribute = re.sub(r"[^A-Za-z0-9]", "", stem or name) or "file"
        self.writer.dataset_file(DatasetFile(
            RAW, f"_labvanced_media.{attribute}.{extension or 'bin'}", "media.upload",
            extension or "bin", content), session=session)


def _cell(value):
    if isinstance(value, (list, dict)):
        return json.dumps(value)
    return "" if value is None else value

"""HyperStudy's experiment, rooms and participants → the importer's records (pure).

A room holds several participants and an Alyx session has one subject, so:
- each room is a session (subject `HS-<experiment id>`, the experiment's rooms), holding the
  room's own data: chat, components, sync, videochat, variables, its participants, its
  system events (those of no participant) and its row of `rooms`;
- each participant of a room is a session of subject `HS-<participant id>` whose
  `parent_session` is the room's, holding that participant's events, ratings (continuous,
  sparse), eyetracking, the table of their recordings and the recordings themselves.
A participant who was in two rooms is one subject with two sessions.
"""
import hashlib
import json

from importers.core.errors import BadSourceData
from importers.core.records import DatasetFile, ProjectRecord, SessionRecord, SubjectRecord
from importers.core.times import parse_time
from importers.hyperstudy.tables import flatten
from mirror.data.paths import safe_component

ALF = "alf"
PARTICIPANT_TYPES = ("events", "ratings/continuous", "ratings/sparse", "eyetracking",
                     "recordings")
ROOM_TYPES = ("chat", "components", "sync", "videochat")
WHO = {"chat": "senderId"}  # whose record it is, where that is not `participantId`
KEYS = ("id", "messageId", "ratingId", "metricId", "connectionId", "sampleId", "recordingId")


def table_name(data_type: str) -> str:
    """`ratings/continuous` → `_hyperstudy_ratingsContinuous.table.csv`."""
    head, _, tail = data_type.partition("/")
    return f"_hyperstudy_{head}{tail[:1].upper()}{tail[1:]}.table.csv"


def _text(value) -> str | None:
    return None if value in (None, "") else str(value)


def record_key(data_type: str, record: dict) -> str:
    """What one record is known by, to keep it once: its id field, else (components have
    none) room, participant and component, else a hash of the whole record. The same for a
    record as read and for its row in a table (flattened, every value text)."""
    for name in KEYS:
        if _text(record.get(name)) is not None:
            return str(record[name])
    if data_type == "components":
        return json.dumps([_text(record.get(name)) for name in
                           ("roomId", "participantId", "componentId", "stateId")])
    cells = {name: _text(value) for name, value in flatten(record).items()}
    return hashlib.sha1(json.dumps({k: v for k, v in cells.items() if v is not None},
                                   sort_keys=True).encode()).hexdigest()


def room_of(record: dict):
    return record.get("roomId") or record.get("sessionId")


def participant_of(data_type: str, record: dict):
    value = record.get(WHO.get(data_type, "participantId"))
    return None if value in (None, "") else str(value)


def experiment_project(experiment: dict) -> ProjectRecord:
    name = str(experiment.get("name") or experiment.get("id"))
    return ProjectRecord(source_id=str(experiment.get("id")),
                         name=f"{name} ({experiment.get('id')})", title=name,
                         description=str(experiment.get("description") or ""))


def _time(value, what):
    moment = parse_time(value, what)
    if moment is None:
        raise BadSourceData(what, "has no time")
    return moment


def room_session(experiment: dict, room: dict, files: tuple[DatasetFile, ...], *,
                 extra: dict | None = None) -> SessionRecord:
    """`extra`: what the importer keeps of its own reads in the session's upstream record."""
    exp_id, room_id = str(experiment.get("id")), str(room.get("id"))
    return SessionRecord(
        source_id=f"{exp_id}/{room_id}",
        subject=SubjectRecord(source_id=f"{exp_id}/rooms",
                              nickname=safe_component(exp_id, prefix="HS-"),
                              description=f"The rooms of HyperStudy experiment {exp_id}"),
        project=experiment_project(experiment),
        start_time=_time(room.get("startedAt") or room.get("createdAt"), f"room {room_id}"),
        end_time=parse_time(room.get("completedAt"), f"room {room_id} completedAt"),
        number=1, task_protocol=str(experiment.get("name") or ""), type="Experiment",
        name=f"room {room_id}",
        upstream={"room": room_id, "deployment": room.get("deploymentId"),
                  "status": room.get("status"), **(extra or {})},
        files=files)


def participant_session(experiment: dict, room: dict, participant: dict,
                        files: tuple[DatasetFile, ...]) -> SessionRecord:
    exp_id, room_id, pid = (str(experiment.get("id")), str(room.get("id")),
                            str(participant.get("id")))
    return SessionRecord(
        source_id=f"{exp_id}/{room_id}/{pid}",
        subject=SubjectRecord(source_id=pid, nickname=safe_component(pid, prefix="HS-"),
                              species="Homo sapiens",
                              description=f"HyperStudy participant {pid}"),
        project=experiment_project(experiment),
        start_time=_time(participant.get("joinedAt") or room.get("startedAt")
                         or room.get("createdAt"), f"participant {pid}"),
        end_time=parse_time(participant.get("completedAt"), f"participant {pid} completedAt"),
        number=1, task_protocol=str(experiment.get("name") or ""), type="Experiment",
        name=f"{participant.get('participantName') or pid} in room {room_id}",
        parent_source_id=f"{exp_id}/{room_id}",
        upstream={"room": room_id, "participant": pid, "role": participant.get("role"),
                  "completion_code": participant.get("completionCode")},
        files=files)


def recording_file(recording: dict, fetched) -> DatasetFile:
    kind = str((recording.get("metadata") or {}).get("type") or "")
    extension = safe_component(str(recording.get("format") or "bin"), max_length=16).lower()
    collection = "raw_audio_data" if kind == "audio" or extension in ("webm", "ogg", "wav") \
        and kind != "video" else "raw_video_data"
    attribute = safe_component(str(recording.get("recordingId") or "recording").replace(".", "_"))
    return DatasetFile(collection, f"_hyperstudy_recording.{attribute}.{extension}",
                       f"recording.{kind or 'media'}", extension, fetched)

"""The fake HyperStudy's data: experiments, deployments, rooms, participant rows and records.

Records are the JSON the API answers, camelCase, with private `_` keys the fake keeps for itself
(`_content` of a recording). Every timestamp is ISO 8601 UTC with milliseconds and `Z`
(reference C.4), a fixed width, so text order is time order and a `startTime` filter is a string
comparison. A participant id may appear in two rooms (a participant who rejoined), which is why
the participant scope needs `roomId`: participant rows are keyed by (room, participant).

Events are also kept per experiment as a lazy `BigEvents` (hyperstudy_big.py) when a big
experiment is seeded: its records are built from their index on demand, never stored.
"""
import hashlib
import threading
from dataclasses import dataclass
from datetime import datetime, timezone

BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def iso(ms: int) -> str:
    """Epoch milliseconds -> `2024-06-15T10:00:01.500Z`."""
    moment = datetime.fromtimestamp(ms / 1000, timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ms % 1000:03d}Z"


def epoch_ms(text: str) -> int:
    """An ISO 8601 time (`Z`, an offset or none = UTC; a bare date) -> epoch ms; ValueError."""
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return round(moment.timestamp() * 1000)


def doc_id(*parts) -> str:
    """A Firestore-like 20-character id, deterministic in `parts` and in no useful order."""
    number = int.from_bytes(hashlib.sha1(":".join(map(str, parts)).encode()).digest(), "big")
    chars = []
    for _ in range(20):
        number, digit = divmod(number, 62)
        chars.append(BASE62[digit])
    return "".join(chars)


def public(record: dict) -> dict:
    return {k: v for k, v in record.items() if not k.startswith("_")}


@dataclass(frozen=True)
class DataSpec:
    """One `dataType`: the key scope it needs, its time field (filters and default sort), the
    sort fields besides `timestamp`, the scopes it exists at, who a participant is in it and
    which field names the room."""

    needs: str
    time: str = "timestamp"
    sorts: tuple[str, ...] = ()
    scopes: tuple[str, ...] = ("experiment", "room", "participant")
    who: str = "participantId"
    room: str = "roomId"


PARTICIPANT_SORTS = ("joinedAt", "completedAt", "id", "email", "role", "status", "completionCode")
DATA_TYPES = {
    "events": DataSpec("read:events", sorts=("onset",)),
    "recordings": DataSpec("read:recordings", time="startTime"),
    "chat": DataSpec("read:chat", sorts=("onset",), who="senderId"),
    "videochat": DataSpec("read:videochat"),
    "ratings/continuous": DataSpec("read:ratings", sorts=("onset",)),
    "ratings/sparse": DataSpec("read:ratings", sorts=("onset",)),
    "sync": DataSpec("read:sync", sorts=("onset",)),
    "components": DataSpec("read:components", sorts=("onset",)),
    # Participants and rooms are gated by read:events (reference C.2), at two scopes only.
    "participants": DataSpec("read:events", time="joinedAt", sorts=PARTICIPANT_SORTS,
                             scopes=("experiment", "room"), who="id"),
    "rooms": DataSpec("read:events", time="createdAt", scopes=("experiment", "room"),
                      sorts=("id", "status"), who="id", room="id"),
    # Not in the docs (SDK 0.4.1 only); the scope they need is unknown: read:events assumed.
    "eyetracking": DataSpec("read:events"),
    "agent-decisions": DataSpec("read:events", scopes=("experiment", "room")),
    "agent-runs": DataSpec("read:events", scopes=("experiment",)),
}


class HyperStudyStore:
    """Everything the fake serves; one re-entrant lock because handlers run in threads."""

    def __init__(self):
        self.lock = threading.RLock()
        self.user_id = "user_owner_001"
        self.experiments: dict[str, dict] = {}
        self.deployments: dict[str, dict] = {}
        self.rooms: dict[str, dict] = {}
        self.records: dict[str, list[dict]] = {name: [] for name in DATA_TYPES
                                               if name not in ("participants", "rooms")}
        self.participants: list[dict] = []
        self.variables: dict[str, dict] = {}  # room id -> {"writes": [...], "metadata": {...}}
        self.big: dict[str, object] = {}  # experiment id -> BigEvents
        self.room_starts: dict[str, int] = {}  # room id -> experimentStartedAt (epoch ms)
        self.live_seq = 0

    # Look-ups.
    def participant_row(self, room_id: str, participant_id: str) -> dict | None:
        return next((p for p in self.participants
                     if p["roomId"] == room_id and p["id"] == participant_id), None)

    def rooms_of(self, experiment_id: str) -> list[dict]:
        return [r for r in self.rooms.values() if r["experimentId"] == experiment_id]

    def recording(self, recording_id: str) -> dict | None:
        return next((r for r in self.records["recordings"]
                     if r["recordingId"] == recording_id), None)

    def rows(self, data_type: str) -> list[dict]:
        if data_type == "participants":
            return self.participants
        if data_type == "rooms":
            return list(self.rooms.values())
        return self.records[data_type]

    def count(self, data_type: str, room_id: str, participant_id: str) -> int:
        spec = DATA_TYPES[data_type]
        return sum(1 for r in self.rows(data_type)
                   if r.get(spec.room) == room_id and r.get(spec.who) == participant_id)

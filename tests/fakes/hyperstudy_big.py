"""Large experiments without large memory: events computed from their index, pages on the fly.

A million events across 100 rooms must be servable for benchmarks without a million dicts. Event
`i` of a big experiment is fully determined by `i`: room `i % R`, participant `(i // R) % P` of
that room, timestamp `t0 + i * step` ms (so index order is time order, and every room starts at
`t0`). Each scope is then an arithmetic progression of indices (experiment: every index; room r:
r, r+R, ...; participant p of room r: r+pR, r+pR+PR, ...), a time filter is a range of that
progression, and a page is `limit` records built from `offset`: O(limit) work and memory, whatever
the offset.
"""
from dataclasses import dataclass

from tests.fakes.hyperstudy_store import doc_id, iso

BIG_CATEGORY = "component"


def _ceil_div(a: int, b: int) -> int:
    return -(-a // b)


@dataclass(frozen=True)
class BigEvents:
    experiment_id: str
    room_ids: tuple[str, ...]
    participant_ids: tuple[tuple[str, ...], ...]  # per room
    count: int
    t0: int  # epoch ms: every big room's experimentStartedAt
    step: int = 10  # ms between consecutive events

    def record(self, i: int) -> dict:
        rooms = len(self.room_ids)
        room_index, turn = i % rooms, i // rooms
        people = self.participant_ids[room_index]
        slot = turn % len(people)
        ms = self.t0 + i * self.step
        room = self.room_ids[room_index]
        return {"id": doc_id("big", self.experiment_id, i), "experimentId": self.experiment_id,
                "roomId": room, "sessionId": room, "participantId": people[slot],
                "timestamp": iso(ms), "onset": ms - self.t0, "eventType": "component.update",
                "category": BIG_CATEGORY, "componentType": "VASRating",
                "componentId": f"vas_{turn % 7}", "content": None, "stateId": f"state_{turn % 5}",
                "stateName": f"rating_block_{turn % 5}", "participantRole": f"participant_{slot}",
                "duration": None,
                "response": {"value": (i * 37) % 101, "responseTime": 200 + (i * 13) % 900}}

    def select(self, *, room: str | None = None, participant: str | None = None,
               start_ms: int | None = None, end_ms: int | None = None,
               category: str | None = None, reverse: bool = False) -> "BigView":
        """The events of the experiment, one room, or one participant of `room`; an unknown
        room or participant selects nothing (the caller has already answered 404)."""
        rooms = len(self.room_ids)
        first, stride = 0, 1
        if room is not None:
            if room not in self.room_ids:
                return BigView(self, 0, 1, 0, 0, reverse)
            room_index = self.room_ids.index(room)
            first, stride = room_index, rooms
            if participant is not None:
                people = self.participant_ids[room_index]
                if participant not in people:
                    return BigView(self, 0, 1, 0, 0, reverse)
                first, stride = room_index + people.index(participant) * rooms, rooms * len(people)
        stop = max(0, _ceil_div(self.count - first, stride))
        if category not in (None, BIG_CATEGORY):
            stop = 0
        lo = 0
        if start_ms is not None:  # first index at or after start_ms, then its place in the row
            lo = max(0, _ceil_div(_ceil_div(start_ms - self.t0, self.step) - first, stride))
        if end_ms is not None:  # last index at or before end_ms (inclusive)
            stop = min(stop, max(0, ((end_ms - self.t0) // self.step - first) // stride + 1))
        return BigView(self, first, stride, lo, max(lo, stop), reverse)


@dataclass(frozen=True)
class BigView:
    """Positions [lo, hi) of the progression first + k * stride, possibly reversed."""

    events: BigEvents
    first: int
    stride: int
    lo: int
    hi: int
    reverse: bool = False

    def __len__(self) -> int:
        return self.hi - self.lo

    def page(self, start: int, stop: int) -> list[dict]:
        stop = min(stop, len(self))
        ks = range(start, stop)
        ks = (self.hi - 1 - k for k in ks) if self.reverse else (self.lo + k for k in ks)
        return [self.events.record(self.first + k * self.stride) for k in ks]


class ListView:
    """A materialized selection (the small seed): the same interface as `BigView`."""

    def __init__(self, rows: list[dict]):
        self.rows = rows

    def __len__(self) -> int:
        return len(self.rows)

    def page(self, start: int, stop: int) -> list[dict]:
        return self.rows[start:stop]

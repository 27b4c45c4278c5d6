"""Live mode: events keep arriving while a client reads, as in a running experiment.

New events get unique ids, the current time on the fake's clock, and onsets from their room's
start. A batch shares one millisecond (several components fire together), so a client that
resumes with `startTime` = the last timestamp it saw gets some of them again (the bound is
inclusive) and one that resumes just after it loses the rest: only de-duplicating by id is right.
`lag_ms` stamps events in the past, a participant's late upload, for clients that must overlap
their windows.
"""
from collections.abc import Callable

from tests.fakes.hyperstudy_store import HyperStudyStore, doc_id, iso

LIVE_KINDS = [("component.update", "component", "VASRating", "vas_live"),
              ("media.timeupdate", "media", "ShowVideo", "video_intro"),
              ("state.transition", "state", None, None)]


def add_events(store: HyperStudyStore, n: int, clock: Callable[[], float], *,
               room_id: str | None = None, lag_ms: int = 0) -> list[dict]:
    with store.lock:
        rooms = [room_id] if room_id else [r["id"] for r in store.rooms.values()
                                           if r["status"] == "active" and r["id"] not in
                                           _big_rooms(store)]
        people = [p for p in store.participants if p["roomId"] in rooms]
        if not people or room_id in _big_rooms(store):  # a big room's events are generated
            raise ValueError(f"no room with participants to add events to: {room_id!r}")
        ms = int(clock() * 1000) - lag_ms
        added = []
        for _ in range(n):
            store.live_seq += 1
            seq = store.live_seq
            person = people[seq % len(people)]
            room = person["roomId"]
            kind, category, ctype, cid = LIVE_KINDS[seq % len(LIVE_KINDS)]
            onset = ms - store.room_starts[room]
            added.append({
                "id": doc_id("live", seq), "experimentId": person["experimentId"],
                "roomId": room, "sessionId": room, "participantId": person["id"],
                "timestamp": iso(ms), "onset": onset, "eventType": kind, "category": category,
                "componentType": ctype, "componentId": cid, "content": None,
                "stateId": "state_2", "stateName": "movie_state",
                "participantRole": person["role"], "duration": None,
                "response": {"value": seq % 101, "sequence": seq}})
        store.records["events"].extend(added)
        return [dict(e) for e in added]


def _big_rooms(store: HyperStudyStore) -> set[str]:
    return {room for big in store.big.values() for room in big.room_ids}

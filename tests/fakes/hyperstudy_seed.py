"""The fake HyperStudy's seed data, built in code (deterministic), and big experiments.

One experiment `exp_hs_001` with two deployments and three rooms; `exp_hs_002` exists but was
never run (every data type empty). Participant `user_002` is in two rooms (a rejoin after a
technical failure), so only (room, participant) identifies a participant row. Per participant:
10 events, 2 chat messages, 5 continuous and 2 sparse ratings, 3 sync metrics, 2 component
records and 1 videochat connection; per room 2 system events without a participant; eye tracking
only for user_003. Onsets are ms from the room's experimentStartedAt and can be negative (consent
and instructions come first). Recordings come in the three download styles (reference C.5).
"""
from dataclasses import dataclass

from tests.fakes.hyperstudy_big import BigEvents
from tests.fakes.hyperstudy_store import HyperStudyStore, doc_id, epoch_ms, iso

EXPERIMENT_ID, EMPTY_EXPERIMENT_ID = "exp_hs_001", "exp_hs_002"
BUCKET = "hyperstudy-recordings"


@dataclass(frozen=True)
class Person:
    id: str
    name: str
    role: str
    code: str  # completionCode


DEPLOYMENTS = [("dep_pilot_001", "Pilot (June)", "completed"),
               ("dep_main_001", "Main study", "active")]
ROOMS = [  # id, deployment, experimentStartedAt, status, participants
    ("room_001", "dep_pilot_001", "2024-06-15T10:00:00.000Z", "completed",
     [Person("user_001", "Alice", "participant_a", "SUCCESS"),
      Person("user_002", "Bob", "participant_b", "TECHNICAL")]),
    ("room_002", "dep_main_001", "2024-06-16T14:00:00.000Z", "completed",
     [Person("user_003", "Carol", "participant_a", "SUCCESS"),
      Person("user_004", "Dan", "participant_b", "SUCCESS"),
      Person("user_005", "Eve", "participant_c", "TIMEOUT")]),
    ("room_003", "dep_main_001", "2024-06-17T09:30:00.000Z", "active",
     [Person("user_002", "Bob", "participant_a", "IN_PROGRESS"),
      Person("user_006", "Frank", "participant_b", "IN_PROGRESS")]),
]
# recordingId, room, participant, kind, style, size in bytes, fileSize listed
# style: "path" (downloadPath, mint then signed GET), "signed" (legacy embedded signed
# downloadUrl plus the bucket's private url), "url" (oldest: only a public url)
RECORDINGS = [
    ("EG_video_001", "room_001", "user_001", "video", "signed", 262_144, True),
    ("EG_audio_001", "room_001", "user_001", "audio", "signed", 65_659, True),
    ("EG_video_002", "room_001", "user_002", "video", "url", 150_000, True),
    ("EG_video_003", "room_002", "user_003", "video", "path", 1_000_003, True),
    ("EG_audio_002", "room_002", "user_003", "audio", "path", 48_000, True),
    ("EG_video_004", "room_002", "user_004", "video", "path", 200_001, True),
    ("EG_video_005", "room_002", "user_005", "video", "path", 300_000, True),
    ("EG_video_006", "room_003", "user_002", "video", "path", 120_000, True),
    ("EG_audio_003", "room_003", "user_006", "audio", "path", 77_777, False),
]
# onset (ms), eventType, category, componentType, componentId, stateId, stateName, extra
EVENT_SCRIPT = [
    (-45_000, "consent.accepted", "pre_experiment", "Consent", "consent_form", None, None,
     {"response": {"value": "agree", "responseTime": 5120}}),
    (-40_000, "instructions.page_view", "pre_experiment", "Instructions", "instructions", None,
     None, {"content": "page 1 of 3"}),
    (-20_000, "instructions.comprehension_check", "pre_experiment", "Instructions",
     "instructions", None, None,
     {"response": {"value": "b", "correct": True, "attempt": 1, "responseTime": 2100}}),
    (0, "state.enter", "state", None, None, "state_1", "intro_state", {}),
    (1_500, "component.update", "component", "TextInput", "text_q1", "state_1", "intro_state",
     {"content": "Hello world"}),
    (45_000, "component.complete", "component", "TextInput", "text_q1", "state_1",
     "intro_state", {"duration": 45_000, "content": "Hello world",
                     "response": {"value": "yes", "responseTime": 3245}}),
    (60_000, "media.play", "media", "ShowVideo", "video_intro", "state_2", "movie_state",
     {"response": {"mediaTime": 0.0, "playbackRate": 1.0}}),
    (90_000, "communication.message_sent", "communication", "TextChat", "chat_main", "state_2",
     "movie_state", {}),
    (120_000, "sync.drift_corrected", "sync", "ShowVideo", "video_intro", "state_2",
     "movie_state", {"response": {"drift": -150, "corrected": True}}),
    (300_000, "questionnaire.submit", "questionnaire", "LikertScale", "post_q1", "state_3",
     "post_questionnaire",
     {"response": {"value": 4, "scale": {"min": 1, "max": 7}, "responseTime": 4100}}),
]
SYSTEM_SCRIPT = [(-60_000, "system.room_created"), (0, "system.experiment_started")]


def seed(store: HyperStudyStore) -> HyperStudyStore:
    with store.lock:
        _experiments(store)
        for room_id, deployment, started, status, people in ROOMS:
            _room(store, room_id, deployment, epoch_ms(started), status, people)
        for spec in RECORDINGS:
            _recording(store, *spec)
        for data_type, rows in store.records.items():
            rows.sort(key=lambda r, t=("startTime" if data_type == "recordings"
                                       else "timestamp"): r[t])
    return store


def _experiments(store: HyperStudyStore) -> None:
    people = sum(len(r[4]) for r in ROOMS)
    store.experiments[EXPERIMENT_ID] = {
        "id": EXPERIMENT_ID, "name": "Dyadic movie rating",
        "description": "Pairs watch a clip together, chat and rate their emotions.",
        "ownerEmail": "owner@lab.example", "ownerId": store.user_id, "roomCount": len(ROOMS),
        "participantCount": people, "createdAt": "2024-05-30T08:00:00.000Z",
        "updatedAt": "2024-06-14T16:20:00.000Z", "requiredParticipants": 2,
        "roles": [{"id": "participant_a"}, {"id": "participant_b"}, {"id": "participant_c"}],
        "states": [{"id": "state_1", "name": "intro_state"},
                   {"id": "state_2", "name": "movie_state"},
                   {"id": "state_3", "name": "post_questionnaire"}]}
    store.experiments[EMPTY_EXPERIMENT_ID] = {
        "id": EMPTY_EXPERIMENT_ID, "name": "Solo reaction times (draft)", "description": "",
        "ownerEmail": "owner@lab.example", "ownerId": store.user_id, "roomCount": 0,
        "participantCount": 0, "createdAt": "2024-06-01T12:00:00.000Z",
        "updatedAt": "2024-06-01T12:00:00.000Z", "requiredParticipants": 1,
        "roles": [{"id": "participant"}], "states": []}
    for dep_id, name, status in DEPLOYMENTS:
        store.deployments[dep_id] = {
            "id": dep_id, "experimentId": EXPERIMENT_ID, "name": name, "status": status,
            "ownerId": store.user_id, "ownerName": "Lab Owner",
            "createdAt": "2024-06-14T09:00:00.000Z" if status == "completed"
            else "2024-06-16T09:00:00.000Z",
            "maxParticipants": 30, "updatedAt": "2024-06-17T09:00:00.000Z"}


def _room(store, room_id, deployment, start, status, people) -> None:
    store.room_starts[room_id] = start
    store.rooms[room_id] = {
        "id": room_id, "experimentId": EXPERIMENT_ID, "deploymentId": deployment,
        "deploymentName": store.deployments[deployment]["name"], "status": status,
        "participantCount": len(people), "createdAt": iso(start - 90_000),
        "startedAt": iso(start), **({"completedAt": iso(start + 1_200_000)}
                                   if status == "completed" else {})}
    base = {"experimentId": EXPERIMENT_ID, "roomId": room_id}
    for onset, kind in SYSTEM_SCRIPT:
        store.records["events"].append({
            "id": doc_id("evt", room_id, kind), **base, "sessionId": room_id,
            "participantId": None, "timestamp": iso(start + onset), "onset": onset,
            "eventType": kind, "category": "system", "componentType": None, "componentId": None,
            "content": None, "stateId": None, "stateName": None, "participantRole": None,
            "duration": None, "response": None})
    for n, person in enumerate(people):
        _participant(store, base, start, status, deployment, n, person, people)
    store.variables[room_id] = _variables(room_id, start, people)


def _participant(store, base, start, status, deployment, n, person, people) -> None:
    room_id, pid = base["roomId"], person.id
    done = person.code not in ("IN_PROGRESS",)
    store.participants.append({
        "id": pid, "email": f"{person.name.lower()}@participants.example", "role": person.role,
        "status": "completed" if done else "active", "completionCode": person.code,
        "joinedAt": iso(start - 60_000 + n * 5_000),
        "completedAt": iso(start + 1_200_000 - n * 1_000) if done else None,
        "roomId": room_id, "deploymentId": deployment,
        "experimentId": EXPERIMENT_ID, "participantName": person.name})
    who = {**base, "participantId": pid}
    for step, (onset, kind, category, ctype, cid, state, sname, extra) in enumerate(EVENT_SCRIPT):
        onset += n * 7 if onset else 0  # everyone enters state_1 at the same millisecond
        store.records["events"].append({
            "id": doc_id("evt", room_id, pid, step), **who, "sessionId": room_id,
            "timestamp": iso(start + onset), "onset": onset, "eventType": kind,
            "category": category, "componentType": ctype, "componentId": cid,
            "content": None, "stateId": state, "stateName": sname,
            "participantRole": person.role, "duration": None, "response": None, **extra})
    others = [p.id for p in people if p.id != pid]
    for k in range(2):
        onset = 90_000 + (2 * n + k) * 7_000
        store.records["chat"].append({
            "messageId": "msg_" + doc_id("msg", room_id, pid, k), **base, "senderId": pid,
            "senderName": person.name, "content": f"{person.name} says message {k + 1}",
            "timestamp": iso(start + onset), "onset": onset, "recipientIds": others,
            "messageType": "text"})
    for k in range(5):
        onset, raw = 200_000 + k * 250 + n * 3, 40 + 7 * k + n
        store.records["ratings/continuous"].append({
            "ratingId": "rating_" + doc_id("cr", room_id, pid, k), **who,
            "componentId": "emotion_rating", "timestamp": iso(start + onset), "onset": onset,
            "value": raw / 100, "normalizedValue": raw / 100, "rawValue": raw, "scaleMin": 0,
            "scaleMax": 100})
    for k in range(2):
        store.records["ratings/sparse"].append(_sparse(store, who, start, n, k))
    for k in range(3):
        onset = 120_000 + k * 30_000 + n
        store.records["sync"].append({
            "metricId": "sync_" + doc_id("sync", room_id, pid, k), **who,
            "timestamp": iso(start + onset), "onset": onset, "timeDrift": -150 + 40 * k,
            "playbackRate": 1.002, "syncQuality": 0.95 - 0.1 * k, "latency": 85 + n,
            "bufferHealth": 0.9})
    finished = person.code in ("SUCCESS", "TECHNICAL")
    for k, (cid, ctype, state, onset, config) in enumerate((
            ("video_intro", "ShowVideo", "introduction_state", 5_000,
             {"videoUrl": "https://media.example/intro.mp4", "autoplay": True}),
            ("vas_1", "VASRating", "rating_state", 250_000, {"min": 0, "max": 100}))):
        store.records["components"].append({
            "componentId": cid, "componentType": ctype, **who, "stateId": state,
            "config": config, "timestamp": iso(start + onset + n), "onset": onset + n,
            "completed": finished or k == 0,
            "variableSnapshot": {"condition": "treatment" if n % 2 else "control"}})
    store.records["videochat"].append({
        "connectionId": "conn_" + doc_id("vc", room_id, pid), **who,
        "livekitRoom": f"lk_{room_id}", "timestamp": iso(start + 2_000 + n),
        "onset": 2_000 + n, "connectedAt": iso(start + 2_000 + n),
        "disconnectedAt": iso(start + 1_190_000) if done else None,
        "tracks": ["audio", "video"], "connectionQuality": "good"})
    if pid == "user_003":
        for k in range(4):
            onset = 61_000 + k * 33
            store.records["eyetracking"].append({
                "sampleId": "gaze_" + doc_id("gaze", room_id, pid, k), **who,
                "timestamp": iso(start + onset), "onset": onset, "x": 0.41 + k / 100,
                "y": 0.52 - k / 100, "confidence": 0.9, "stateId": "state_2"})


def _sparse(store, who, start, n, k) -> dict:
    onset = 400_000 + k * 60_000 + n * 11
    raw = 58 + 10 * k + n
    return {
        "ratingId": "sparse_" + doc_id("sr", who["roomId"], who["participantId"], k), **who,
        "timestamp": iso(start + onset), "onset": onset, "rawOnset": onset + 120,
        "clockOffsetApplied": -120, "value": raw * 1.25, "rawValue": raw,
        "scale": {"min": 0, "max": 100}, "type": "sparse", "stateId": "state_2",
        "stimulusId": "clip_1", "stimulusTime": 30.0 * (k + 1), "responseTime": 1800 + 100 * k,
        "confidence": None, "ratingEndOnset": onset + 1800,
        "metadata": {"question": "How strongly do you feel?", "dimension": "arousal",
                     "componentType": "vasrating", "sampleIndex": k},
        "sparseRatingData": {
            "videoId": "clip_1", "pauseIndex": k, "videoRelativeTime": 30.0 * (k + 1),
            "pauseTimestamp": start + onset - 500, "componentType": "vasrating",
            "componentData": {"value": raw}, "previousRatings": list(range(k)),
            "mediaPauseOnset": onset - 500, "mediaResumeOnset": onset + 2_000,
            "actualPauseDuration": 2_500},
        "stateStartTime": iso(start + 60_000), "stateDuration": 540_000}


def _variables(room_id: str, start: int, people) -> dict:
    writes = [{"variable": "condition", "value": "treatment", "source": "seed",
               "persisted": True, "timestamp": iso(start), "onset": 0, "participantId": None,
               "stateId": "state_1"}]
    writes += [{"variable": f"choice_{p.role}", "value": f"option_{n + 1}",
                "source": "component", "persisted": True, "timestamp": iso(start + 45_000 + n),
                "onset": 45_000 + n, "participantId": p.id, "stateId": "state_1"}
               for n, p in enumerate(people)]
    names = ["condition"] + [f"choice_{p.role}" for p in people]
    timeline = [{"stateId": "state_1", "condition": "treatment",
                 **{f"choice_{p.role}": f"option_{n + 1}" for n, p in enumerate(people)}}]
    return {"writes": writes, "metadata": {"variableNames": names, "timeline": timeline,
                                           "matrixColumns": ["stateId"] + names,
                                           "droppedWrites": [], "mode": "reconstructed"}}


def _recording(store, rec_id, room_id, pid, kind, style, size, listed) -> None:
    start = store.room_starts[room_id] + 5_000
    video = kind == "video"
    fmt = "mp4" if video else "webm"
    person = store.participant_row(room_id, pid)
    store.records["recordings"].append({
        "recordingId": rec_id, "egressId": rec_id, "participantId": pid,
        "participantName": person["participantName"], "experimentId": EXPERIMENT_ID,
        "roomId": room_id, "startTime": iso(start), "endTime": iso(start + 300_000),
        "duration": 300_000, **({"videoOffset": 500, "resolution": "1280x720"} if video else {}),
        "format": fmt, "status": "complete", **({"fileSize": size} if listed else {}),
        "metadata": {"type": kind, "recordingType": "individual" if video else "audio",
                     "roomName": room_id.replace("room_0", "room_"),
                     "experimentId": EXPERIMENT_ID},
        "_style": style, "_size": size, "_object": f"recordings/{room_id}/{rec_id}.{fmt}"})


def seed_big(store: HyperStudyStore, events: int, rooms: int, *, participants: int = 2,
             experiment_id: str = "exp_big_001", start: str = "2024-07-01T08:00:00.000Z",
             step_ms: int = 10) -> BigEvents:
    """An experiment of `rooms` rooms (`participants` each) and `events` events generated on
    demand (hyperstudy_big.py); rooms and participant rows are real (small) records."""
    t0 = epoch_ms(start)
    with store.lock:
        deployment = f"dep_{experiment_id}"
        store.deployments[deployment] = {
            "id": deployment, "experimentId": experiment_id, "name": "Big run",
            "status": "completed", "ownerId": store.user_id, "ownerName": "Lab Owner",
            "createdAt": iso(t0 - 86_400_000), "maxParticipants": rooms * participants,
            "updatedAt": iso(t0)}
        store.experiments[experiment_id] = {
            "id": experiment_id, "name": f"Big experiment ({events} events)", "description": "",
            "ownerEmail": "owner@lab.example", "ownerId": store.user_id, "roomCount": rooms,
            "participantCount": rooms * participants, "createdAt": iso(t0 - 86_400_000),
            "updatedAt": iso(t0), "requiredParticipants": participants, "roles": [],
            "states": []}
        room_ids, people = [], []
        for r in range(rooms):
            room_id = f"room_{experiment_id}_{r:04d}"
            room_ids.append(room_id)
            people.append(tuple(f"user_{experiment_id}_{r:04d}_{p}" for p in range(participants)))
            store.room_starts[room_id] = t0
            store.rooms[room_id] = {
                "id": room_id, "experimentId": experiment_id, "deploymentId": deployment,
                "deploymentName": "Big run", "status": "completed",
                "participantCount": participants, "createdAt": iso(t0 - 60_000 + r),
                "startedAt": iso(t0)}
            for p, pid in enumerate(people[-1]):
                store.participants.append({
                    "id": pid, "email": f"{pid}@participants.example", "role": f"participant_{p}",
                    "status": "completed", "completionCode": "SUCCESS",
                    "joinedAt": iso(t0 - 30_000 + r * 10 + p),
                    "completedAt": iso(t0 + step_ms * events + p),
                    "roomId": room_id, "deploymentId": deployment, "experimentId": experiment_id,
                    "participantName": pid})
        big = BigEvents(experiment_id, tuple(room_ids), tuple(people), events, t0, step_ms)
        store.big[experiment_id] = big
        return big

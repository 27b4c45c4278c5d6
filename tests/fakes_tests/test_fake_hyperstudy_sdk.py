"""The official HyperStudy SDK (hyperstudy==0.4.1, unchanged) against the fake: it is faithful.

Whatever the SDK can do against the fake, it sends and parses exactly as it would against
api.hyperstudy.io, so every call here pins one fact of the wire protocol (reference C): paths,
params, the header, the envelope, the offset loop, the two download styles and the exception each
status maps to.
"""
import hashlib

import hyperstudy
import pytest
import requests
from hyperstudy import (
    AuthenticationError,
    ForbiddenError,
    HyperStudyError,
    NotFoundError,
    ServerError,
    ValidationError,
)

from tests.fakes.hyperstudy import FakeHyperStudy
from tests.fakes.hyperstudy_seed import EXPERIMENT_ID

KEY = "hst_test_" + "a" * 32  # the SDK's own test key shape
PAGE = 25
ROOM_PEOPLE = {"room_001": ["user_001", "user_002"],
               "room_002": ["user_003", "user_004", "user_005"],
               "room_003": ["user_002", "user_006"]}


@pytest.fixture
def fake():
    with FakeHyperStudy(api_key=KEY, max_page_size=PAGE) as server:
        yield server


@pytest.fixture
def hs(fake):
    return hyperstudy.HyperStudy(api_key=KEY, base_url=fake.api_url)


def md5_file(path) -> str:
    return hashlib.md5(path.read_bytes()).hexdigest()


def test_health_sends_the_key_header_and_accept(fake, hs):
    assert hs.health()["status"] == "healthy"
    [request] = fake.requests
    assert (request.method, request.path, request.kind) == ("GET", "/api/v3/health", "health")
    assert request.headers["X-API-Key"] == "<redacted>"
    assert request.headers["Accept"] == "application/json"
    assert "Authorization" not in request.headers


def test_events_cross_pages_with_the_sdk_offset_loop(fake, hs):
    events = hs.get_events(EXPERIMENT_ID, output="dict", progress=False)
    stored = fake.events()
    assert len(events) == len(stored) == 76
    assert [e["id"] for e in events] == [e["id"] for e in stored]  # timestamp order, no dups
    assert [e["timestamp"] for e in events] == sorted(e["timestamp"] for e in events)
    pages = fake.calls("data", "events")
    assert [p.path for p in pages] == [f"/api/v3/data/events/experiment/{EXPERIMENT_ID}"] * 4
    assert [p.query for p in pages] == [{"offset": [str(o)], "limit": ["1000"]}
                                        for o in (0, 25, 50, 75)]  # limit capped at 25
    first = events[0]
    assert (first["eventType"], first["onset"], first["participantId"]) == (
        "system.room_created", -60_000, None)
    consent = next(e for e in events if e["eventType"] == "consent.accepted")
    assert consent["response"] == {"value": "agree", "responseTime": 5120}


def test_events_as_pandas_get_onset_seconds(hs):
    frame = hs.get_events("room_001", scope="room", progress=False)
    assert frame.shape[0] == 22
    assert frame.loc[frame["eventType"] == "component.complete", "onset_sec"].tolist() == [
        45.0, 45.007]


def test_participant_scope_sends_room_id_and_keys_on_the_room(fake, hs):
    first = hs.get_events("user_002", scope="participant", room_id="room_001", output="dict",
                          progress=False)
    again = hs.get_events("user_002", scope="participant", room_id="room_003", output="dict",
                          progress=False)
    assert len(first) == len(again) == 10
    assert {e["roomId"] for e in first} == {"room_001"}
    assert not {e["id"] for e in first} & {e["id"] for e in again}
    request = fake.calls("data", "events")[-1]
    assert request.path == "/api/v3/data/events/participant/user_002"
    assert request.query["roomId"] == ["room_003"]


def test_category_filter_and_questionnaire_helper(hs):
    media = hs.get_events(EXPERIMENT_ID, category="media", output="dict", progress=False)
    assert len(media) == 7 and {e["eventType"] for e in media} == {"media.play"}
    consent = hs.get_consent(EXPERIMENT_ID, output="dict", progress=False)
    assert len(consent) == 7
    assert len(hs.get_questionnaire("room_002", scope="room", output="dict",
                                    progress=False)) == 3


def test_participants_and_rooms(fake, hs):
    participants = hs.get_participants(EXPERIMENT_ID, output="dict", progress=False)
    by_room = {}
    for row in participants:
        by_room.setdefault(row["roomId"], []).append(row["id"])
    assert {room: sorted(ids) for room, ids in by_room.items()} == ROOM_PEOPLE
    codes = {(p["roomId"], p["id"]): p["completionCode"] for p in participants}
    assert codes[("room_001", "user_002")] == "TECHNICAL"
    assert codes[("room_003", "user_002")] == "IN_PROGRESS"
    rooms = hs.get_rooms(EXPERIMENT_ID, output="dict", progress=False)
    assert [(r["id"], r["status"], r["participantCount"]) for r in rooms] == [
        ("room_001", "completed", 2), ("room_002", "completed", 3), ("room_003", "active", 2)]
    in_room = hs.get_participants("room_002", scope="room", output="dict", progress=False)
    assert sorted(p["id"] for p in in_room) == ROOM_PEOPLE["room_002"]
    assert fake.calls("data", "rooms")[0].path == f"/api/v3/data/rooms/experiment/{EXPERIMENT_ID}"


def test_ratings_of_both_kinds(fake, hs):
    continuous = hs.get_ratings(EXPERIMENT_ID, kind="continuous", output="dict", progress=False)
    sparse = hs.get_ratings(EXPERIMENT_ID, kind="sparse", progress=False)
    assert len(continuous) == 35 and len(sparse) == 14
    assert continuous[0]["componentId"] == "emotion_rating"
    assert {"metadata_question", "sparseRatingData_videoId", "onset_sec"} <= set(sparse.columns)
    assert [r.path.split("/")[4:6] for r in fake.calls("data")] == [
        ["ratings", "continuous"]] * 2 + [["ratings", "sparse"]]  # 35 = 25 + 10


def test_other_data_types_and_all_data_for_a_participant(hs):
    assert len(hs.get_chat(EXPERIMENT_ID, output="dict", progress=False)) == 14
    assert len(hs.get_sync(EXPERIMENT_ID, aggregation_window=1000, output="dict",
                           progress=False)) == 21
    assert len(hs.get_components(EXPERIMENT_ID, output="dict", progress=False)) == 14
    assert len(hs.get_videochat(EXPERIMENT_ID, output="dict", progress=False)) == 7
    assert len(hs.get_eyetracking(EXPERIMENT_ID, output="dict", progress=False)) == 4
    everything = hs.get_all_data("user_003", room_id="room_002", output="dict")
    assert {name: len(rows) for name, rows in everything.items()} == {
        "events": 10, "recordings": 2, "chat": 2, "videochat": 1, "sync": 3,
        "ratings_continuous": 5, "ratings_sparse": 2, "components": 2, "eyetracking": 4,
        "questionnaire": 1, "instructions": 2, "consent": 1, "agent_decisions": 0}


def test_single_objects_as_list_of_one_and_as_object(hs):
    experiment = hs.get_experiment(EXPERIMENT_ID)
    assert (experiment["id"], experiment["roomCount"]) == (EXPERIMENT_ID, 3)
    assert hs.get_experiment_config(EXPERIMENT_ID)["requiredParticipants"] == 2
    deployment = hs.get_deployment("dep_main_001")
    assert (deployment["id"], deployment["participantCount"]) == ("dep_main_001", 5)
    sessions = hs.get_deployment_sessions("dep_main_001", output="dict")
    assert [s["id"] for s in sessions] == ["room_002", "room_003"]
    assert [e["id"] for e in hs.list_experiments(output="dict", progress=False)] == [
        EXPERIMENT_ID, "exp_hs_002"]


def test_variables_and_counts(hs):
    variables = hs.get_variables("room_002", output="dict")
    assert variables["variable_names"] == ["condition", "choice_participant_a",
                                           "choice_participant_b", "choice_participant_c"]
    assert len(variables["writes"]) == 4 and variables["dropped_writes"] == []
    counts = hs.get_counts("user_002", "room_003")
    assert (counts["roomId"], counts["counts"]["textchat"], counts["hasData"]["eyetracking"]) == (
        "room_003", 2, False)


def test_download_by_minted_path(fake, hs, tmp_path):
    recordings = {r["recordingId"]: r for r in hs.get_recordings(EXPERIMENT_ID, output="dict",
                                                                 progress=False)}
    assert len(recordings) == 9
    video = recordings["EG_video_003"]
    assert "downloadUrl" not in video and video["downloadPath"].startswith("/data/recordings/")
    fake.clear_requests()
    path = hs.download_recording(video, str(tmp_path))
    assert path.name == "Carol_video_EG_video_003.mp4"
    assert md5_file(path) == fake.recording_content("EG_video_003").md5()
    assert path.stat().st_size == 1_000_003
    mint, get = fake.requests
    assert (mint.kind, mint.path) == (
        "mint", "/api/v3/data/recordings/download/room_002/EG_video_003")
    assert get.kind == "storage" and "X-API-Key" not in get.headers
    assert "X-Goog-Signature" in get.query


def test_download_legacy_styles(fake, hs, tmp_path):
    recordings = {r["recordingId"]: r for r in hs.get_recordings("room_001", scope="room",
                                                                 output="dict", progress=False)}
    signed, bare = recordings["EG_audio_001"], recordings["EG_video_002"]
    assert "downloadPath" not in signed and "X-Goog-Signature=" in signed["downloadUrl"]
    assert set(bare) & {"downloadPath", "downloadUrl"} == set()
    for record in (signed, bare):
        path = hs.download_recording(record, str(tmp_path))
        assert md5_file(path) == fake.recording_content(record["recordingId"]).md5()
    assert fake.calls("mint") == []


def test_download_recordings_then_skip_existing(fake, hs, tmp_path):
    first = hs.download_recordings(EXPERIMENT_ID, output_dir=str(tmp_path), progress=False)
    assert first["download_status"].tolist() == ["downloaded"] * 9
    assert (tmp_path / "recordings_metadata.csv").exists()
    assert len(fake.calls("mint")) == 6
    again = hs.download_recordings(EXPERIMENT_ID, output_dir=str(tmp_path), progress=False)
    assert again["download_status"].tolist() == ["skipped"] * 9


def test_a_cut_download_raises_and_leaves_no_file(fake, hs, tmp_path):
    fake.cut_next_download(recording_id="EG_video_004", keep=0.25)
    [record] = [r for r in hs.get_recordings("room_002", scope="room", output="dict",
                                             progress=False) if r["recordingId"] == "EG_video_004"]
    # urllib3 2 enforces Content-Length, so requests raises before the SDK's own size check
    with pytest.raises(requests.exceptions.ChunkedEncodingError, match="IncompleteRead"):
        hs.download_recording(record, str(tmp_path))
    assert list(tmp_path.iterdir()) == []


def test_an_expired_signed_url_is_a_403(fake, hs, tmp_path):
    fake.expire_next_signed_url()
    [record] = hs.get_recordings("user_006", scope="participant", room_id="room_003",
                                 output="dict", progress=False)
    assert "fileSize" not in record
    with pytest.raises(requests.HTTPError) as raised:
        hs.download_recording(record, str(tmp_path))
    assert raised.value.response.status_code == 403
    assert b"Request has expired" in raised.value.response.content


def test_401_raises_authentication_error_with_the_sdk_code(fake):
    with pytest.raises(AuthenticationError) as raised:
        hyperstudy.HyperStudy(api_key="hst_test_wrong", base_url=fake.api_url).get_rooms(
            EXPERIMENT_ID, progress=False)
    assert (raised.value.status_code, raised.value.code) == (401, "AUTHENTICATION_ERROR")
    assert raised.value.message == "Invalid or expired API key"


def test_401_code_as_the_docs_say():
    with FakeHyperStudy(api_key=KEY, auth_error_code="UNAUTHORIZED") as fake:
        fake.revoke_key(KEY)
        with pytest.raises(AuthenticationError) as raised:
            hyperstudy.HyperStudy(api_key=KEY, base_url=fake.api_url).get_experiment("x")
    assert raised.value.code == "UNAUTHORIZED"


def test_403_names_the_missing_scope(fake):
    fake.add_key("hst_test_events_only", ["read:events"])
    hs = hyperstudy.HyperStudy(api_key="hst_test_events_only", base_url=fake.api_url)
    assert len(hs.get_rooms(EXPERIMENT_ID, output="dict", progress=False)) == 3
    with pytest.raises(ForbiddenError) as raised:
        hs.get_recordings(EXPERIMENT_ID, progress=False)
    assert (raised.value.code, raised.value.details) == (
        "FORBIDDEN", {"required": ["read:recordings"], "provided": ["read:events"]})
    with pytest.raises(HyperStudyError) as wrapped:  # download_recordings re-wraps the error
        hs.download_recordings(EXPERIMENT_ID, output_dir="/nonexistent", progress=False)
    assert (type(wrapped.value), wrapped.value.status_code) == (HyperStudyError, 403)


def test_404_and_400(hs):
    with pytest.raises(NotFoundError) as raised:
        hs.get_events("exp_nope", progress=False)
    assert raised.value.message == "Experiment not found: exp_nope"
    with pytest.raises(NotFoundError):
        hs.get_events("user_003", scope="participant", room_id="room_001", progress=False)
    with pytest.raises(ValidationError) as invalid:
        hs.get_participants("user_003", scope="participant", room_id="room_002",
                            progress=False)
    assert invalid.value.code == "INVALID_PARAMETER"
    with pytest.raises(ValidationError) as bad_time:
        hs.get_events(EXPERIMENT_ID, start_time="yesterday", progress=False)
    assert bad_time.value.details == {"parameter": "startTime", "value": "yesterday",
                                      "expected": "ISO 8601 timestamp"}


def test_429_is_not_retried_by_the_sdk():
    with FakeHyperStudy(api_key=KEY, per_minute=3) as fake:
        hs = hyperstudy.HyperStudy(api_key=KEY, base_url=fake.api_url)
        for _ in range(3):
            hs.get_rooms(EXPERIMENT_ID, output="dict", progress=False)
        with pytest.raises(HyperStudyError) as raised:
            hs.get_rooms(EXPERIMENT_ID, output="dict", progress=False)
        assert (raised.value.status_code, raised.value.code) == (429, "RATE_LIMIT_EXCEEDED")
        assert 1 <= raised.value.details["retryAfter"] <= 60
        assert len(fake.requests) == 4 and fake.max_per_minute("/data/rooms") == 4
        assert len(hs.get_chat(EXPERIMENT_ID, output="dict", progress=False)) == 14


def test_server_errors_html_pages_and_malformed_json(fake, hs):
    fake.fail_next(500, match="/data/chat")
    with pytest.raises(ServerError) as raised:
        hs.get_chat(EXPERIMENT_ID, progress=False)
    assert raised.value.code == "INTERNAL_SERVER_ERROR"
    fake.fail_next(502)
    with pytest.raises(ServerError) as gateway:
        hs.get_chat(EXPERIMENT_ID, progress=False)
    assert gateway.value.code == "SERVER_ERROR"  # the SDK's name for a non-JSON 5xx
    fake.malform_next()
    with pytest.raises(HyperStudyError, match="non-JSON response \\(200\\)"):
        hs.get_chat(EXPERIMENT_ID, progress=False)
    assert len(hs.get_chat(EXPERIMENT_ID, output="dict", progress=False)) == 14


def test_missing_index_warning_surfaces_as_a_python_warning(fake, hs):
    fake.add_missing_index("events", "experiment", param="startTime")
    with pytest.warns(UserWarning, match="^MISSING_INDEX: Query for experiment/exp_hs_001"):
        events = hs.get_events(EXPERIMENT_ID, start_time="2024-06-16T00:00:00Z",
                               output="dict", progress=False)
    assert events == []
    assert len(hs.get_events("room_003", scope="room", start_time="2024-06-16T00:00:00Z",
                             output="dict", progress=False)) == 22


def test_live_events_reach_an_sdk_reader(fake, hs):
    fake.live_events(3)
    first = hs.get_events("room_003", scope="room", output="dict", progress=False)
    second = hs.get_events("room_003", scope="room", output="dict", progress=False)
    assert (len(first), len(second)) == (22, 25)
    assert [e["id"] for e in second[:22]] == [e["id"] for e in first]
    assert len({e["id"] for e in second}) == 25


def test_a_big_experiment_pages_by_participant(fake, hs):
    ids = fake.seed_big(10_000, rooms=10)
    room = ids["room_ids"][3]
    person = f"user_{ids['experiment_id']}_0003_1"
    events = hs.get_events(person, scope="participant", room_id=room, output="dict",
                           progress=False)
    assert len(events) == len({e["id"] for e in events}) == 500
    assert {(e["roomId"], e["participantId"]) for e in events} == {(room, person)}
    assert len(fake.calls("data", "events")) == 20  # 500 / 25

"""The fake HyperStudy over plain `requests`: wire details the SDK hides, and every fault switch."""
import json
import subprocess
import sys
import time
import tracemalloc

import pytest
import requests

from tests.fakes.hyperstudy import FakeHyperStudy
from tests.fakes.hyperstudy_limits import ManualClock
from tests.fakes.hyperstudy_seed import EXPERIMENT_ID

KEY = "hst_test_k3y"
EVENTS = f"data/events/experiment/{EXPERIMENT_ID}"


@pytest.fixture
def clock():
    return ManualClock()


@pytest.fixture
def fake(clock):
    with FakeHyperStudy(api_key=KEY, clock=clock, signed_url_ttl=60) as server:
        yield server


@pytest.fixture
def get(fake):
    """`get("data/events/room/room_001", limit=5)` under /api/v3 with the key; a full URL is
    fetched as is and without the key (`auth=False`, or `headers=` replaces the key)."""
    def _get(path: str, *, auth: bool = True, headers: dict | None = None,
             **params) -> requests.Response:
        outside = path.startswith("http")
        url = path if outside else f"{fake.api_url}/{path}"
        sent = headers if headers is not None else (
            fake.auth_headers() if auth and not outside else {})
        return requests.get(url, headers=sent, params=params, timeout=5)
    return _get


def page(get, path: str = EVENTS, **params) -> dict:
    answer = get(path, **params)
    assert answer.status_code == 200, answer.text
    return answer.json()


def error_of(answer: requests.Response) -> tuple[int, str]:
    body = answer.json()
    assert body["status"] == "error"
    return answer.status_code, body["error"]["code"]


@pytest.mark.parametrize("headers", [{}, {"X-API-Key": "hst_test_wrong"},
                                     {"Authorization": f"Bearer {KEY}"},
                                     {"X-API-Key": KEY + " "}])
def test_anything_but_the_right_x_api_key_is_401(fake, get, headers):
    answer = get(EVENTS, headers=headers)
    assert error_of(answer) == (401, "AUTHENTICATION_ERROR")
    assert fake.requests[-1].authorized is False


def test_the_401_code_is_configurable_and_health_needs_no_key(clock):
    with FakeHyperStudy(api_key=KEY, auth_error_code="UNAUTHORIZED", clock=clock) as fake:
        answer = requests.get(f"{fake.api_url}/{EVENTS}", timeout=5)
        assert answer.json()["error"] == {
            "code": "UNAUTHORIZED", "message": "API key required. Send it in the X-API-Key header."}
        health = requests.get(f"{fake.api_url}/health", timeout=5).json()
        assert (health["status"], health["version"]) == ("healthy", "3.0.0")


def test_expired_and_revoked_keys_are_401(fake, get, clock):
    fake.add_key("hst_test_week", expires_in=7 * 86400)
    assert get("data/rooms/room/room_001", headers={"X-API-Key": "hst_test_week"}).ok
    clock.advance(7 * 86400)
    assert get("data/rooms/room/room_001", headers={"X-API-Key": "hst_test_week"}
               ).status_code == 401
    fake.revoke_key(KEY)
    assert get("data/rooms/room/room_001").json()["error"]["message"] == (
        "Invalid or expired API key")


def test_envelope_and_metadata(get):
    body = page(get, "data/events/room/room_002", limit=10, sort="onset")
    assert body["status"] == "success" and len(body["data"]) == 10
    meta = body["metadata"]
    assert (meta["dataType"], meta["scope"], meta["scopeId"]) == ("events", "room", "room_002")
    assert meta["timestamp"] == "2024-06-17T10:00:00.000Z"  # the fake's clock
    assert meta["query"] == {"startTime": None, "endTime": None, "category": None, "limit": 10,
                             "offset": 0, "sort": "onset", "order": "asc"}
    assert meta["processing"]["experimentStartedAt"] == "2024-06-16T14:00:00.000Z"
    assert meta["processing"]["version"] == "3.0.0"
    event = body["data"][0]
    assert (event["roomId"], event["sessionId"], event["onset"]) == ("room_002", "room_002",
                                                                    -60_000)
    sparse = page(get, "data/ratings/sparse/room/room_001")["metadata"]
    assert (sparse["dataType"], sparse["ratingType"]) == ("ratings", "sparse")


def test_offset_pages_omit_next_offset_on_the_last_and_total_is_wrong(get):
    seen, offset, metas = [], 0, []
    while True:
        body = page(get, "data/events/room/room_002", limit=10, offset=offset)
        seen += [e["id"] for e in body["data"]]
        metas.append(body["metadata"]["pagination"])
        if not metas[-1]["hasMore"]:
            break
        offset = metas[-1]["nextOffset"]
    assert len(seen) == len(set(seen)) == 32
    assert [m["nextOffset"] for m in metas[:-1]] == [10, 20, 30]
    assert metas[-1] == {"total": 32, "returned": 2, "hasMore": False, "limit": 10,
                         "offset": 30}  # no nextOffset at all
    assert [m["total"] for m in metas] == [10, 20, 30, 32]  # offset + returned: not the count
    past = page(get, "data/events/room/room_002", offset=500)["metadata"]["pagination"]
    assert (past["returned"], past["hasMore"], past["total"]) == (0, False, 500)


@pytest.mark.parametrize("mode, expected", [("exact", 12), ("unfiltered", 32)])
def test_other_total_modes(clock, mode, expected):
    with FakeHyperStudy(api_key=KEY, clock=clock, total_mode=mode) as fake:
        answer = requests.get(f"{fake.api_url}/data/events/room/room_002", timeout=5,
                              headers=fake.auth_headers(),
                              params={"startTime": "2024-06-16T14:01:00.000Z"})
    pagination = answer.json()["metadata"]["pagination"]
    assert (pagination["returned"], pagination["total"]) == (12, expected)


def test_limit_is_capped_and_validated(clock):
    with FakeHyperStudy(api_key=KEY, clock=clock, max_page_size=7) as fake:
        url, headers = f"{fake.api_url}/{EVENTS}", fake.auth_headers()
        body = requests.get(url, headers=headers, params={"limit": 1000}, timeout=5).json()
        assert (len(body["data"]), body["metadata"]["pagination"]["limit"]) == (7, 7)
        for params in ({"limit": 0}, {"limit": "ten"}, {"offset": -1}, {"order": "up"},
                       {"sort": "id"}, {"category": "chat"}, {"format": "xml"}):
            answer = requests.get(url, headers=headers, params=params, timeout=5)
            assert error_of(answer) == (400, "INVALID_PARAMETER"), params
            assert set(answer.json()["error"]["details"]) == {"parameter", "value", "expected"}


def test_scope_rules(get):
    assert error_of(get("data/events/participant/user_003")) == (400, "INVALID_PARAMETER")
    assert "roomId" in get("data/events/participant/user_003").json()["error"]["message"]
    for data_type in ("participants", "rooms"):
        answer = get(f"data/{data_type}/participant/user_003", roomId="room_002")
        assert error_of(answer) == (400, "INVALID_PARAMETER")
    assert error_of(get("data/events/session/room_001")) == (400, "INVALID_PARAMETER")
    assert error_of(get("data/events/room/room_999")) == (404, "NOT_FOUND")
    assert error_of(get("data/events/participant/user_003", roomId="room_001")) == (
        404, "NOT_FOUND")
    assert error_of(get("data/ratings/room/room_001")) == (404, "NOT_FOUND")
    assert error_of(get("data/counts/participant/user_001")) == (400, "INVALID_PARAMETER")
    assert error_of(get("data/variables/experiment/exp_hs_001")) == (400, "INVALID_PARAMETER")
    assert error_of(get("nothing/here")) == (404, "NOT_FOUND")
    assert page(get, "data/events/participant/user_003", roomId="room_002")[
        "metadata"]["pagination"]["returned"] == 10


def test_paths_outside_the_api_are_express_html(fake, get):
    answer = get(f"{fake.base_url}/data/events/experiment/{EXPERIMENT_ID}",
                 headers=fake.auth_headers())
    assert answer.status_code == 404 and answer.headers["Content-Type"].startswith("text/html")
    assert "Cannot GET /data/events/experiment/exp_hs_001" in answer.text


def test_time_filters_are_inclusive_and_validated(get):
    start = "2024-06-16T14:00:45.000Z"  # user_003's component.complete, to the millisecond
    rows = page(get, "data/events/room/room_002", startTime=start,
                endTime="2024-06-16T14:01:00.014Z")["data"]
    assert [(e["timestamp"], e["eventType"]) for e in rows] == [
        ("2024-06-16T14:00:45.000Z", "component.complete"),
        ("2024-06-16T14:00:45.007Z", "component.complete"),
        ("2024-06-16T14:00:45.014Z", "component.complete"),
        ("2024-06-16T14:01:00.000Z", "media.play"), ("2024-06-16T14:01:00.007Z", "media.play"),
        ("2024-06-16T14:01:00.014Z", "media.play")]
    assert len(page(get, "data/events/room/room_002", startTime="2024-06-16T15:00:00+01:00",
                    endTime="2024-06-16T14:00:00Z")["data"]) == 4  # state.enter x3 + system
    answer = get(EVENTS, endTime="16/06/2024")
    assert answer.json()["error"] == {
        "code": "INVALID_PARAMETER", "message": "Invalid date format for endTime",
        "details": {"parameter": "endTime", "value": "16/06/2024",
                    "expected": "ISO 8601 timestamp"}}


def test_sort_order_and_type_filters(get):
    rows = page(get, "data/events/room/room_001", sort="onset", order="desc")["data"]
    assert [e["onset"] for e in rows] == sorted((e["onset"] for e in rows), reverse=True)
    done = page(get, f"data/components/experiment/{EXPERIMENT_ID}", completed="false")["data"]
    assert sorted(c["participantId"] for c in done) == ["user_002", "user_005", "user_006"]
    codes = page(get, f"data/participants/experiment/{EXPERIMENT_ID}",
                 completionCode="IN_PROGRESS")["data"]
    assert [(p["roomId"], p["id"]) for p in codes] == [("room_003", "user_002"),
                                                       ("room_003", "user_006")]
    assert len(page(get, EVENTS, roomId="room_003")["data"]) == 22
    assert len(page(get, EVENTS, deploymentId="dep_main_001")["data"]) == 54


def test_key_scopes(fake, get):
    fake.add_key("hst_test_narrow", ["read:recordings"])
    narrow = {"X-API-Key": "hst_test_narrow"}
    answer = get(f"data/participants/experiment/{EXPERIMENT_ID}", headers=narrow)
    assert answer.status_code == 403
    assert answer.json()["error"] == {
        "code": "FORBIDDEN", "message": "Insufficient scopes. Required: read:events",
        "details": {"required": ["read:events"], "provided": ["read:recordings"]}}
    assert get(f"data/recordings/experiment/{EXPERIMENT_ID}", headers=narrow).ok
    assert get("data/recordings/download/room_002/EG_video_003", headers=narrow).ok
    fake.add_key("hst_test_all", ["*"])
    assert get("experiments", headers={"X-API-Key": "hst_test_all"}).ok
    assert get("experiments", headers=narrow).status_code == 403


def test_per_minute_limit_per_endpoint_with_retry_after(clock):
    with FakeHyperStudy(api_key=KEY, clock=clock, per_minute=3) as fake:
        def status(path):
            return requests.get(f"{fake.api_url}/{path}", headers=fake.auth_headers(),
                                timeout=5)
        assert [status(EVENTS).status_code for _ in range(3)] == [200] * 3
        clock.advance(20)
        refused = status("data/events/room/room_001")
        assert refused.status_code == 429 and refused.headers["Retry-After"] == "40"
        assert refused.json()["error"]["code"] == "RATE_LIMIT_EXCEEDED"
        assert "X-RateLimit-Limit" not in refused.headers
        assert status(f"data/chat/experiment/{EXPERIMENT_ID}").ok  # another endpoint
        clock.advance(39)
        assert status(EVENTS).status_code == 429  # refused ones count in the window
        clock.advance(1)
        assert status(EVENTS).ok
        assert fake.max_per_minute("/data/events") == 5
        assert fake.max_per_minute() == 5 and fake.max_per_minute("/data/chat") == 1
        assert fake.requests_in_last_hour() == 7


def test_per_hour_limit_per_key_across_endpoints(clock):
    with FakeHyperStudy(api_key=KEY, clock=clock, per_hour=4) as fake:
        fake.add_key("hst_test_other")
        paths = [EVENTS, f"data/chat/experiment/{EXPERIMENT_ID}", "experiments",
                 "data/rooms/room/room_001"]
        for path in paths:
            assert requests.get(f"{fake.api_url}/{path}", headers=fake.auth_headers(),
                                timeout=5).ok
            clock.advance(600)
        refused = requests.get(f"{fake.api_url}/deployments", headers=fake.auth_headers(),
                               timeout=5)
        assert (refused.status_code, refused.headers["Retry-After"]) == (429, "1200")
        assert requests.get(f"{fake.api_url}/deployments", timeout=5,
                            headers=fake.auth_headers("hst_test_other")).ok
        assert fake.max_per_hour(key=KEY) == 5 and fake.requests_in_last_hour(key=KEY) == 5
        clock.advance(1800)
        assert fake.requests_in_last_hour(key=KEY) == 3


def test_route_endpoint_key_shares_one_budget_over_data_types(clock):
    with FakeHyperStudy(api_key=KEY, clock=clock, per_minute=2, endpoint_key="route") as fake:
        codes = [requests.get(f"{fake.api_url}/data/{kind}/room/room_001", timeout=5,
                              headers=fake.auth_headers()).status_code
                 for kind in ("events", "chat", "sync")]
        assert codes == [200, 200, 429]
        assert fake.max_per_minute("/data/{dataType}/{scope}/{scopeId}") == 3


def test_warnings_one_shot_and_by_rule(fake, get):
    fake.warn_next(match="/data/chat/")
    warned = page(get, f"data/chat/experiment/{EXPERIMENT_ID}")
    assert warned["data"] == []
    assert warned["metadata"]["pagination"]["total"] == 0
    assert warned["metadata"]["_warnings"] == [
        "MISSING_INDEX: Query for experiment/exp_hs_001 requires a composite Firestore index. "
        "Results may be incomplete."]
    assert len(page(get, f"data/chat/experiment/{EXPERIMENT_ID}")["data"]) == 14
    fake.add_missing_index("sync", "room")
    assert "_warnings" in page(get, "data/sync/room/room_001")["metadata"]
    assert "_warnings" not in page(get, f"data/sync/experiment/{EXPERIMENT_ID}")["metadata"]
    assert error_of(get("data/sync/room/room_404")) == (404, "NOT_FOUND")


def test_single_objects_list_of_one_or_object(get):
    experiment = page(get, f"experiments/{EXPERIMENT_ID}")
    assert isinstance(experiment["data"], list) and len(experiment["data"]) == 1
    assert experiment["metadata"] == {"dataType": "experiment", "scope": "experiment",
                                      "scopeId": EXPERIMENT_ID}
    assert page(get, f"experiments/{EXPERIMENT_ID}/export")["data"][0]["experiment"]["id"] == (
        EXPERIMENT_ID)
    deployment = page(get, "deployments/dep_pilot_001")["data"]
    assert isinstance(deployment, dict) and deployment["participantCount"] == 2
    counts = page(get, "data/counts/participant/user_001", roomId="room_001")["data"]
    assert isinstance(counts, list) and counts[0]["counts"]["events"] == 10
    access = page(get, f"data/check-access/experiment/{EXPERIMENT_ID}")["data"]
    assert access == {"canView": True, "canExport": True}
    assert page(get, "experiments/shared")["data"] == []
    assert error_of(get("experiments/exp_nope")) == (404, "NOT_FOUND")


def test_add_events_arrive_with_unique_ids_and_one_timestamp(fake, get, clock):
    before = page(get, "data/events/room/room_003")["data"]
    clock.advance(60)
    added = fake.add_events(4)
    assert len({e["id"] for e in added} | {e["id"] for e in before}) == 26
    assert {e["timestamp"] for e in added} == {"2024-06-17T10:01:00.000Z"}
    assert {e["participantId"] for e in added} == {"user_002", "user_006"}
    after = page(get, "data/events/room/room_003")["data"]
    assert [e["id"] for e in after] == [e["id"] for e in before + added]
    # resuming from the last timestamp seen sees it again: a client must de-duplicate by id
    again = page(get, "data/events/room/room_003", startTime=added[1]["timestamp"])["data"]
    assert [e["id"] for e in again] == [e["id"] for e in added]
    late = fake.add_events(1, lag_ms=3_600_000)[0]  # before room_003 even started
    assert (late["timestamp"], late["onset"]) == ("2024-06-17T09:01:00.000Z", -1_740_000)


def test_live_mode_adds_events_after_every_events_answer(fake, get, clock):
    fake.live_events(2)
    counts = []
    for _ in range(3):
        counts.append(len(page(get, "data/events/room/room_003")["data"]))
        clock.advance(1)
    assert counts == [22, 24, 26]
    page(get, "data/chat/room/room_003")  # other data types do not feed it
    assert len(fake.events()) == 76 + 6
    fake.live_events(0)
    assert len(page(get, "data/events/room/room_003")["data"]) == 28
    assert len(page(get, "data/events/room/room_003")["data"]) == 28


def test_incremental_reads_with_overlap_lose_and_duplicate_nothing(fake, get, clock):
    fake.live_events(3)
    got: dict[str, dict] = {}
    since = None
    for _ in range(5):
        params = {"startTime": since} if since else {}
        offset = 0
        while True:
            body = page(get, "data/events/room/room_003", limit=10, offset=offset, **params)
            got.update((e["id"], e) for e in body["data"])
            if not body["metadata"]["pagination"]["hasMore"]:
                break
            offset = body["metadata"]["pagination"]["nextOffset"]
        since = max(e["timestamp"] for e in got.values())
        clock.advance(2)
    stored = [e for e in fake.events() if e["roomId"] == "room_003"]
    missing = {e["id"] for e in stored} - set(got)
    assert len(missing) == 3  # the batch that arrived after the last answer
    assert set(got) <= {e["id"] for e in stored}


def test_signed_urls_need_no_key_stream_and_expire(fake, get, clock):
    url = page(get, "data/recordings/download/room_002/EG_video_003")["data"]["url"]
    assert url.startswith(f"{fake.base_url}/storage/hyperstudy-recordings/recordings/room_002/")
    with requests.get(url, stream=True, timeout=5) as answer:
        assert answer.status_code == 200
        assert answer.headers["Content-Length"] == "1000003"
        assert answer.headers["Content-Type"] == "video/mp4"
        assert sum(len(c) for c in answer.iter_content(65536)) == 1_000_003
    clock.advance(59)
    assert requests.get(url, timeout=5).status_code == 200  # reusable until it expires
    clock.advance(1)
    expired = requests.get(url, timeout=5)
    assert expired.status_code == 403 and b"<Code>AccessDenied</Code>" in expired.content
    assert b"Request has expired" in expired.content
    fresh = page(get, "data/recordings/download/room_002/EG_video_003")["data"]["url"]
    assert fresh != url and requests.get(fresh, timeout=5).ok
    fake.expire_signed_urls()
    assert requests.get(fresh, timeout=5).status_code == 403


def test_storage_refuses_forged_and_unsigned_private_objects(fake, get):
    url = page(get, "data/recordings/download/room_002/EG_audio_002")["data"]["url"]
    forged = url.replace("EG_audio_002", "EG_video_003").replace(".webm", ".mp4")
    assert b"SignatureDoesNotMatch" in requests.get(forged, timeout=5).content
    bare = url.split("?")[0]
    refused = requests.get(bare, timeout=5)
    assert refused.status_code == 403 and b"Anonymous caller" in refused.content
    listing = {r["recordingId"]: r for r in page(get, "data/recordings/room/room_001")["data"]}
    assert requests.get(listing["EG_video_001"]["url"], timeout=5).status_code == 403
    public = requests.get(listing["EG_video_002"]["url"], timeout=5)
    assert public.ok and len(public.content) == 150_000
    missing = requests.get(f"{fake.base_url}/storage/hyperstudy-recordings/nope.mp4", timeout=5)
    assert (missing.status_code, b"NoSuchKey" in missing.content) == (404, True)
    assert error_of(get("data/recordings/download/room_001/EG_video_003")) == (404, "NOT_FOUND")


def test_legacy_download_urls_are_minted_per_listing_and_ranges_work(fake, get, clock):
    def listed():
        return {r["recordingId"]: r for r in page(get, "data/recordings/room/room_001")["data"]}
    first, second = listed()["EG_video_001"], listed()["EG_video_001"]
    assert first["downloadUrl"] != second["downloadUrl"]
    assert first["fileSize"] == 262_144 and first["status"] == "complete"
    ranged = requests.get(first["downloadUrl"], headers={"Range": "bytes=10-19"}, timeout=5)
    assert ranged.status_code == 206 and ranged.headers["Content-Range"] == "bytes 10-19/262144"
    assert ranged.content == fake.recording_content("EG_video_001").read()[10:20]
    clock.advance(61)
    assert requests.get(first["downloadUrl"], timeout=5).status_code == 403


def test_cut_download_promises_more_than_it_sends(fake, get):
    fake.cut_next_download(keep=0.1, recording_id="EG_video_003")
    url = page(get, "data/recordings/download/room_002/EG_video_003")["data"]["url"]
    with requests.get(url, stream=True, timeout=5) as answer:
        assert answer.headers["Content-Length"] == "1000003"
        with pytest.raises(requests.exceptions.ChunkedEncodingError):
            b"".join(answer.iter_content(65536))
    assert len(requests.get(url, timeout=5).content) == 1_000_003  # one-shot


@pytest.mark.parametrize("status", [401, 403, 404, 500, 503])
def test_forced_errors_use_the_envelope(fake, get, status):
    fake.fail_next(status, html=False)
    answer = get("data/rooms/room/room_001")
    assert answer.status_code == status and answer.json()["status"] == "error"
    assert get("data/rooms/room/room_001").ok


def test_forced_errors_count_and_match(fake, get):
    fake.fail_next(500, 2, match="/data/events")
    assert get(f"data/chat/experiment/{EXPERIMENT_ID}").ok
    assert [get(EVENTS).status_code for _ in range(3)] == [500, 500, 200]
    fake.fail_next(500)
    assert error_of(get(EVENTS)) == (500, "INTERNAL_SERVER_ERROR")


def test_429_storm_carries_retry_after(fake, get):
    fake.fail_next(429, 3, retry_after=7)
    answers = [get(EVENTS) for _ in range(4)]
    assert [a.status_code for a in answers] == [429, 429, 429, 200]
    assert {a.headers["Retry-After"] for a in answers[:3]} == {"7"}
    fake.fail_next(429)
    assert get(EVENTS).headers["Retry-After"] == "1"  # the default


def test_gateway_errors_are_html_and_malformed_json_is_one_shot(fake, get):
    fake.fail_next(502)
    gateway = get(EVENTS)
    assert gateway.status_code == 502 and "502 Server Error" in gateway.text
    assert gateway.headers["Server"] == "Google Frontend"
    fake.malform_next(match="/data/rooms/")
    assert get(EVENTS).json()["status"] == "success"
    broken = get("data/rooms/room/room_001")
    assert broken.status_code == 200 and int(broken.headers["Content-Length"]) == len(
        broken.content)
    with pytest.raises(ValueError):
        broken.json()
    assert get("data/rooms/room/room_001").json()["data"][0]["id"] == "room_001"


def test_csv_and_ndjson_formats(get):
    answer = get("data/events/room/room_001", format="csv", limit=3)
    assert answer.headers["Content-Type"] == "text/csv; charset=utf-8"
    lines = answer.text.splitlines()
    assert len(lines) == 4 and not answer.content.startswith(b"\xef\xbb\xbf")
    assert lines[0].startswith("id,experimentId,roomId,sessionId,participantId,timestamp,onset")
    assert "response.value" in lines[0]
    ndjson = get("data/chat/room/room_001", format="ndjson").text.splitlines()
    assert [json.loads(line)["senderId"] for line in ndjson] == [
        "user_001", "user_001", "user_002", "user_002"]


def test_the_log_redacts_the_key_and_control_steers_the_fake(fake, get):
    get(EVENTS, limit=2)
    [request] = fake.requests
    assert request.headers["X-API-Key"] == "<redacted>" and request.kind == "data"
    assert request.query == {"limit": ["2"]}
    control = f"{fake.base_url}/_fake/control"
    for op, args in (("fail_next", {"status": 500, "match": "/data/sync/"}),
                     ("add_events", {"n": 2}), ("warn_next", {})):
        assert requests.post(control, json={"op": op, "args": args}, timeout=5).ok
    assert get("data/sync/room/room_001").status_code == 500
    assert "_warnings" in page(get, "data/chat/room/room_001")["metadata"]
    assert len(page(get, "data/events/room/room_003")["data"]) == 24
    result = requests.post(control, json={"op": "max_per_minute", "args": {}}, timeout=5)
    assert result.json() == {"ok": True, "result": 2}
    log = requests.get(f"{fake.base_url}/_fake/requests", timeout=5).json()
    assert {entry["headers"].get("X-API-Key") for entry in log} == {"<redacted>"}
    assert requests.post(control, json={"op": "stop"}, timeout=5).status_code == 400


def test_a_million_events_are_served_lazily(clock):
    tracemalloc.start()
    try:
        with FakeHyperStudy(api_key=KEY, clock=clock, total_mode="exact") as fake:
            ids = fake.seed_big(1_000_000, rooms=100)
            url, headers = f"{fake.api_url}/data/events", fake.auth_headers()
            started = time.monotonic()
            body = requests.get(f"{url}/experiment/{ids['experiment_id']}", headers=headers,
                                params={"offset": 999_990}, timeout=5).json()
            elapsed = time.monotonic() - started
            _, peak = tracemalloc.get_traced_memory()
            room = requests.get(f"{url}/room/{ids['room_ids'][7]}", headers=headers, timeout=5,
                                params={"offset": 9_995, "order": "desc"}).json()
            person = requests.get(
                f"{url}/participant/user_{ids['experiment_id']}_0007_1", headers=headers,
                params={"roomId": ids["room_ids"][7], "startTime": "2024-07-01T10:00:00Z",
                        "endTime": "2024-07-01T10:00:02Z"}, timeout=5).json()
            rooms = requests.get(f"{fake.api_url}/data/rooms/experiment/{ids['experiment_id']}",
                                 headers=headers, timeout=5).json()
    finally:
        tracemalloc.stop()
    assert peak < 20 * 1024 * 1024 and elapsed < 2
    pagination = body["metadata"]["pagination"]
    assert (pagination["total"], pagination["returned"], pagination["hasMore"]) == (
        1_000_000, 10, False)
    assert body["data"][-1]["timestamp"] == "2024-07-01T10:46:39.990Z"
    assert len({e["id"] for e in body["data"]}) == 10
    assert room["metadata"]["pagination"]["total"] == 10_000
    assert [e["onset"] for e in room["data"]] == [(7 + 100 * k) * 10 for k in range(4, -1, -1)]
    assert [e["timestamp"] for e in person["data"]] == ["2024-07-01T10:00:01.070Z"]
    assert rooms["metadata"]["pagination"]["total"] == 100


def test_command_line_runs_a_standalone_fake():
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.fakes.hyperstudy", "--port", "0", "--api-key", "cli",
         "--fail", "500:2@/data/events", "--per-minute", "5", "--max-page-size", "10",
         "--key", "cli-narrow=read:events", "--big", "1000:4"],
        stdout=subprocess.PIPE, text=True)
    try:
        api_url = process.stdout.readline().split()[3]
        url, headers = f"{api_url}/{EVENTS}", {"X-API-Key": "cli"}
        assert [requests.get(url, headers=headers, timeout=5).status_code
                for _ in range(3)] == [500, 500, 200]
        big = requests.get(f"{api_url}/data/events/experiment/exp_big_001", headers=headers,
                           timeout=5).json()
        assert len(big["data"]) == 10 and big["metadata"]["pagination"]["hasMore"]
        narrow = requests.get(f"{api_url}/data/chat/room/room_001", timeout=5,
                              headers={"X-API-Key": "cli-narrow"})
        assert narrow.status_code == 403
        statuses = [requests.get(url, headers=headers, timeout=5).status_code for _ in range(2)]
        assert statuses == [200, 429]  # /data/events of both experiments, forced 500s too
    finally:
        process.terminate()
        process.wait(timeout=5)

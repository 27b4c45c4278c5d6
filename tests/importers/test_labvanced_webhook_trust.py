"""The webhook trusts nobody (issue 11, items 2-4, 9, 10): it opens sessions only for keys no
import wrote, extends only the running sessions it opened itself, within quotas and caps, keeps
every path inside the repository, and answers bad input with 4xx, never 500."""
import datetime
import hashlib
import json

import pytest

from importers.labvanced.importer import run
from importers.models import LiveRecording
from mirror.actions.models import Session
from mirror.data.models import FileRecord
from tests.importers.helpers import mirror_import

START = "2026-03-02 09:30:00+01"


def post(client, connection, route, payload=None, *, raw=None, content_type="application/json",
         **extra):
    data = raw if raw is not None else json.dumps(payload or {})
    return client.post(f"/hooks/labvanced/{connection.webhook_token}/{route}", data,
                       content_type=content_type, HTTP_ORIGIN="https://www.labvanced.com",
                       **extra)


def start(client, connection, nr, **fields):
    return post(client, connection, "setPlayerSessionStartedTime",
                {"expSessionNr": nr, "expId": 4107, "start_time": START, "sessionNr": 1,
                 **fields})


def trial(client, connection, nr, trial_nr, **data):
    return post(client, connection, "recordTrial", {
        "expSessionNr": nr, "expId": 4107, "trialNr": trial_nr, "recTaskId": 1,
        "recData": {"data": data or {"rt": 500}}})


def upload(client, connection, nr, name, content=b"x" * 100):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post(f"/hooks/labvanced/{connection.webhook_token}/file_upload", {
        "expSessionNr": str(nr), "newFileName": name,
        "myFile": SimpleUploadedFile("blob", content)}, HTTP_ORIGIN="https://www.labvanced.com")


def _snapshot(session_id) -> tuple:
    session = Session.objects.get(pk=session_id)
    files = {copy.relative_path: hashlib.md5(copy.data_repository.file(copy.relative_path)
                                             .read_bytes()).hexdigest()
             for copy in FileRecord.objects.filter(dataset__session=session)}
    return session.json, session.end_time, session.n_trials, session.subject_id, files


ROUTES_AFTER_START = [
    ("errExpSession", {"err_msg": "forged"}),
    ("finishExpSession", {"end_time": "2030-01-01 00:00:00+00", "var_data": {"x": 1}}),
    ("recordTrial", {"trialNr": 99, "recTaskId": 1, "recData": {"data": {"rt": 1}}}),
    ("recordStartTask", {"recTaskId": 5, "taskName": "forged"}),
    ("addMetaInfo", {"var_data": {"Subject_Code": "forged"}}),
    ("setPlayerSessionStartedTime", {"start_time": START}),
]


@pytest.mark.parametrize("route, payload", ROUTES_AFTER_START)
def test_imported_sessions_cannot_be_changed_by_the_webhook(client, connection, route, payload):
    mirror_import("gaze-study")
    session = Session.objects.get(source_id="4107/259515")
    before = _snapshot(session.pk)
    response = post(client, connection, route, {"expSessionNr": 259515, "expId": 4107,
                                                **payload})
    assert response.status_code == 409, response.content
    assert "imported" in response.json()["error"] or "not opened" in response.json()["error"]
    assert response["Access-Control-Allow-Origin"] == "https://www.labvanced.com"
    assert _snapshot(session.pk) == before


def test_export_imported_sessions_cannot_be_changed_either(client, connection, tmp_path):
    from tests.fakes.labvanced_export import build_gui_export

    run(connection=connection, from_file=build_gui_export(tmp_path / "export", exp_id=4107))
    session = Session.objects.get(source_id="4107/259517")
    before = _snapshot(session.pk)
    assert post(client, connection, "errExpSession", {"expSessionNr": 259517,
                                                      "err_msg": "x"}).status_code == 409
    assert _snapshot(session.pk) == before


@pytest.mark.parametrize("route, payload", ROUTES_AFTER_START)
@pytest.mark.parametrize("ending", ["finishExpSession", "errExpSession"])
def test_nothing_after_finish_or_error(client, connection, ending, route, payload):
    assert start(client, connection, 31).status_code == 200
    assert trial(client, connection, 31, 1).status_code == 200
    assert post(client, connection, ending, {"expSessionNr": 31, "err_msg": "e"}).status_code \
        == 200
    session = Session.objects.get(source_id="4107/31")
    before = _snapshot(session.pk)
    response = post(client, connection, route, {"expSessionNr": 31, **payload})
    assert response.status_code == 409 and "takes no more calls" in response.json()["error"]
    assert upload(client, connection, 31, "late.webm").status_code == 409
    assert _snapshot(session.pk) == before


def test_calls_for_sessions_it_never_opened_are_refused(client, connection):
    assert trial(client, connection, 32, 1).status_code == 409
    assert post(client, connection, "finishExpSession", {"expSessionNr": 32}).status_code == 409
    assert not Session.objects.filter(source_id="4107/32").exists()


def test_another_study_than_the_connections_is_403(client, connection):
    response = start(client, connection, 33, expId=9999)
    assert response.status_code == 403 and "study 4107" in response.json()["error"]
    assert not Session.objects.exists()


def test_an_import_takes_a_live_session_over(client, connection):
    assert start(client, connection, 259515).status_code == 200
    mirror_import("gaze-study")
    assert LiveRecording.objects.get(exp_session_nr="259515").status == "imported"
    assert trial(client, connection, 259515, 1).status_code == 409


def test_a_silent_session_takes_no_more_calls(client, connection, settings):
    assert start(client, connection, 34).status_code == 200
    LiveRecording.objects.update(last_seen_at=datetime.datetime(2020, 1, 1))
    response = trial(client, connection, 34, 1)
    assert response.status_code == 409 and "silent" in response.json()["error"]


def test_two_unidentified_sessions_of_one_day_and_number_keep_their_own_files(client,
                                                                              connection):
    """Item 3: both are `LV-unidentified`, same date, sessionNr 1: they used to share a folder,
    overwrite each other's trials table, and answer 500 from then on."""
    for nr in (41, 42):
        assert start(client, connection, nr).status_code == 200
    assert trial(client, connection, 41, 1, rt=111).status_code == 200
    assert trial(client, connection, 42, 1, rt=222).status_code == 200
    assert trial(client, connection, 41, 2, rt=333).status_code == 200
    first, second = (Session.objects.get(source_id=f"4107/{nr}") for nr in (41, 42))
    assert (first.number, second.number) == (1, 2)
    tables = [_snapshot(s.pk)[4] for s in (first, second)]
    assert set(tables[0]).isdisjoint(tables[1])
    text = [FileRecord.objects.get(dataset__session=s).data_repository.file(
        FileRecord.objects.get(dataset__session=s).relative_path).read_text()
        for s in (first, second)]
    assert "111" in text[0] and "333" in text[0] and "222" in text[1] and "111" not in text[1]


def test_identifying_the_participant_moves_the_session_to_a_free_folder(client, connection):
    for nr in (43, 44):
        start(client, connection, nr)
        post(client, connection, "addMetaInfo", {"expSessionNr": nr,
                                                 "var_data": {"Subject_Code": "same"}})
    sessions = Session.objects.filter(subject__nickname="LV-same").order_by("number")
    assert [s.number for s in sessions] == [1, 2]


@pytest.mark.parametrize("code", ["../../../../tmp/x", "a\x00b", "x" * 300, "..", "/etc"])
def test_subject_codes_cannot_place_files(client, connection, data_root, code):
    assert start(client, connection, 45).status_code == 200
    meta = post(client, connection, "addMetaInfo", {"expSessionNr": 45,
                                                    "var_data": {"Subject_Code": code}})
    assert meta.status_code == 200, meta.content
    assert trial(client, connection, 45, 1).status_code == 200
    copy = FileRecord.objects.get()
    assert connection.repository.file(copy.relative_path).is_file()
    stray = [p for p in data_root.parent.rglob("*") if p.is_file() and not
             p.is_relative_to(data_root)]
    assert stray == []


@pytest.mark.parametrize("name", ["../../../../tmp/evil.webm", "a/b/c.webm", "x.we/bm",
                                  "x.web\x00m", "..", "/", "nameless"])
def test_upload_names_cannot_place_files(client, connection, data_root, name):
    start(client, connection, 46)
    response = upload(client, connection, 46, name)
    assert response.status_code == 200, response.content
    copy = FileRecord.objects.get()
    assert copy.relative_path.count("/") == 6  # lab/Subjects/s/date/NNN/raw_labvanced_data/f
    assert connection.repository.file(copy.relative_path).is_file()


# Quotas and caps (item 10).

def test_sessions_per_hour_are_limited(client, connection, settings):
    settings.MIRROR_WEBHOOK_SESSIONS_PER_HOUR = 2
    assert [start(client, connection, nr).status_code for nr in (51, 52)] == [200, 200]
    refused = start(client, connection, 53)
    assert refused.status_code == 429 and 0 < int(refused["Retry-After"]) <= 3601
    assert "MIRROR_WEBHOOK_SESSIONS_PER_HOUR" in refused.json()["error"]
    assert refused["Access-Control-Allow-Origin"] == "https://www.labvanced.com"
    assert Session.objects.count() == 2
    assert start(client, connection, 51).status_code == 200  # a running one is not new


def test_bytes_per_hour_are_limited(client, connection, settings):
    settings.MIRROR_WEBHOOK_BYTES_PER_HOUR = 5000
    start(client, connection, 54)
    assert upload(client, connection, 54, "a.webm", b"x" * 3000).status_code == 200
    refused = upload(client, connection, 54, "b.webm", b"x" * 3000)
    assert refused.status_code == 429
    assert "MIRROR_WEBHOOK_BYTES_PER_HOUR" in refused.json()["error"]
    assert FileRecord.objects.count() == 1


def test_trials_per_session_are_capped(client, connection, settings):
    settings.MIRROR_WEBHOOK_MAX_TRIALS = 3
    start(client, connection, 55)
    assert [trial(client, connection, 55, n).status_code for n in (1, 2, 3, 4)] == \
        [200, 200, 200, 413]
    assert Session.objects.get(source_id="4107/55").n_trials == 3


def test_the_trials_table_is_capped(client, connection, settings):
    settings.MIRROR_WEBHOOK_MAX_TABLE = 2000
    start(client, connection, 56)
    assert trial(client, connection, 56, 1, note="a" * 900).status_code == 200
    refused = trial(client, connection, 56, 2, note="b" * 1500)
    assert refused.status_code == 413 and "MIRROR_WEBHOOK_MAX_TABLE" in refused.json()["error"]
    assert Session.objects.get(source_id="4107/56").n_trials == 1


def test_files_per_session_are_capped(client, connection, settings):
    settings.MIRROR_WEBHOOK_MAX_FILES = 1
    start(client, connection, 57)
    assert upload(client, connection, 57, "a.webm").status_code == 200
    assert upload(client, connection, 57, "b.webm").status_code == 413


# Bad input is a 4xx (item 9).

BAD_BODIES = [
    ("recordTrial", "[" * 100_000 + "]" * 100_000, "application/json"),
    ("recordTrial", json.dumps({"expSessionNr": 60, "trialNr": 10**30,
                                "recData": {"data": {}}}), "application/json"),
    ("setPlayerSessionStartedTime", json.dumps({"expSessionNr": 10**30}), "application/json"),
    ("setPlayerSessionStartedTime", json.dumps({"expSessionNr": 60, "sessionNr": 10**30}),
     "application/json"),
    ("setPlayerSessionStartedTime", json.dumps({"expSessionNr": 60, "sessionNr": "abc"}),
     "application/json"),
    ("setPlayerSessionStartedTime", json.dumps({"expSessionNr": 60, "start_time": ["x"]}),
     "application/json"),
    ("addMetaInfo", json.dumps({"expSessionNr": 60, "var_data": "a string"}),
     "application/json"),
    ("addMetaInfo", json.dumps({"expSessionNr": 60, "var_data": [1, 2]}), "application/json"),
    ("addMetaInfo", json.dumps({"expSessionNr": 60, "var_data": {"Subject_Code": {"a": 1}}}),
     "application/json"),
    ("recordTrial", json.dumps({"expSessionNr": 60, "trialNr": 1, "recData": "x"}),
     "application/json"),
    ("recordTrial", json.dumps({"expSessionNr": 60, "trialNr": 1, "recData": [1]}),
     "application/json"),
    ("recordTrial", "expSessionNr=60&trialNr=1&recData=x&recData[data][rt]=5",
     "application/x-www-form-urlencoded"),
    ("recordTrial", "expSessionNr=60&trialNr=1&recData[data][rt]=5&recData[data]=x",
     "application/x-www-form-urlencoded"),
    ("recordTrial", json.dumps({"expSessionNr": "6\x000", "trialNr": 1}), "application/json"),
    ("recordTrial", json.dumps(7), "application/json"),
]


@pytest.mark.parametrize("route, raw, content_type", BAD_BODIES)
def test_bad_bodies_are_4xx(client, connection, route, raw, content_type):
    start(client, connection, 60)
    response = post(client, connection, route, raw=raw, content_type=content_type)
    assert response.status_code == 400, response.content
    assert response.json()["success"] is False and response.json()["error"]
    assert response["Access-Control-Allow-Origin"] == "https://www.labvanced.com"


def test_deeply_nested_values_inside_a_trial_are_refused(client, connection):
    start(client, connection, 61)
    nested: dict = {}
    node = nested
    for _ in range(40):
        node["x"] = {}
        node = node["x"]
    response = trial(client, connection, 61, 1, deep=nested)
    assert response.status_code == 400 and "deeper" in response.json()["error"]


def test_nul_characters_are_dropped_not_a_500(client, connection):
    """PostgreSQL refuses NUL in text and JSON."""
    start(client, connection, 62)
    meta = post(client, connection, "addMetaInfo", {"expSessionNr": 62, "var_data": {
        "Subject_Code": "p\x001", "note\x00": "a\x00b"}})
    assert meta.status_code == 200, meta.content
    session = Session.objects.get(source_id="4107/62")
    assert session.json["labvanced"]["var_data"]["note"] == "ab"
    assert trial(client, connection, 62, 1, rt="5\x00").status_code == 200


def test_unknown_urls_and_failures_carry_cors_headers(client, connection, monkeypatch):
    unknown = client.post("/hooks/labvanced/no-such-token/recordTrial", "{}",
                          content_type="application/json", HTTP_ORIGIN="https://www.labvanced.com")
    assert unknown.status_code == 404
    assert unknown["Access-Control-Allow-Origin"] == "https://www.labvanced.com"

    def broken(*args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr("importers.labvanced.live.LiveSession.trial", broken)
    monkeypatch.setitem(__import__("importers.labvanced.webhook", fromlist=["ROUTES"]).ROUTES,
                        "recordTrial", broken)
    failed = trial(client, connection, 63, 1)
    assert failed.status_code == 500 and failed.json()["success"] is False
    assert failed["Access-Control-Allow-Origin"] == "https://www.labvanced.com"
    assert "a bug" not in failed.content.decode()


def test_an_abort_ends_on_the_participants_clock(client, connection):
    """The end time of an abort is the participant's wall clock (their offset), as the start."""
    post(client, connection, "setPlayerSessionStartedTime", {
        "expSessionNr": 64, "start_time": "2026-03-02 05:00:00-05"})
    before = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(hours=5)
    post(client, connection, "errExpSession", {"expSessionNr": 64, "err_msg": "x"})
    end = Session.objects.get(source_id="4107/64").end_time
    assert abs((end - before.replace(tzinfo=None)).total_seconds()) < 60


@pytest.mark.parametrize("route", ["finishExpSession", "errExpSession"])
@pytest.mark.parametrize("start_time, hours", [("2026-03-02 09:30:00+01", 1),
                                               ("2026-03-02 05:00:00-05", -5)])
def test_an_end_without_a_time_is_now_on_the_participants_clock(client, connection, route,
                                                                start_time, hours):
    """+01 and -05 alike: the end is now in the start's offset, never the server's UTC."""
    post(client, connection, "setPlayerSessionStartedTime", {
        "expSessionNr": 65, "start_time": start_time})
    expected = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=hours)
    post(client, connection, route, {"expSessionNr": 65, "err_msg": "x"})
    end = Session.objects.get(source_id="4107/65").end_time
    assert abs((end - expected.replace(tzinfo=None)).total_seconds()) < 60


@pytest.mark.parametrize("route", ["finishExpSession", "errExpSession"])
def test_an_end_time_in_the_payload_is_kept(client, connection, route):
    post(client, connection, "setPlayerSessionStartedTime", {
        "expSessionNr": 66, "start_time": "2026-03-02 09:30:00+01"})
    post(client, connection, route, {"expSessionNr": 66, "end_time": "2026-03-02 09:52:10+01"})
    session = Session.objects.get(source_id="4107/66")
    assert session.end_time == datetime.datetime(2026, 3, 2, 9, 52, 10)
    assert session.end_time - session.start_time == datetime.timedelta(minutes=22, seconds=10)


@pytest.mark.parametrize("token", ["a%00b", "%ff", "x" * 100, "a.b"])
def test_odd_webhook_urls_are_404_with_cors(client, connection, token):
    response = client.post(f"/hooks/labvanced/{token}/recordTrial", "{}",
                           content_type="application/json", HTTP_ORIGIN="https://www.labvanced.com")
    assert response.status_code == 404 and response["Access-Control-Allow-Origin"]


def test_an_upload_is_stored_without_holding_it_in_memory(client, connection):
    """Uploads (up to MIRROR_WEBHOOK_MAX_UPLOAD, 200 MB) are hashed and stored in chunks."""
    import tracemalloc

    from django.core.files.uploadedfile import TemporaryUploadedFile
    from django.db import transaction

    from importers.labvanced.live import LiveSession

    start(client, connection, 70)
    upload_file = TemporaryUploadedFile("big.webm", "video/webm", 0, None)
    for _ in range(32):
        upload_file.write(b"\x1a" * 2**20)
    upload_file.flush()
    upload_file.size = 32 * 2**20
    tracemalloc.start()
    try:
        with transaction.atomic():
            LiveSession(connection, {"expSessionNr": 70}).file("big.webm", upload_file)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    copy = FileRecord.objects.get(dataset__session__source_id="4107/70")
    assert copy.dataset.file_size == 32 * 2**20
    assert peak < 8 * 2**20, f"peak {peak / 2**20:.0f} MiB"


def test_a_refused_file_write_is_409_not_500(client, connection, lab_world):
    """The writer refusing a path (another dataset's copy holds it) is a refusal."""
    start(client, connection, 71)
    FileRecord.objects.create(
        dataset=lab_world.datasets[0], data_repository=connection.repository, exists=True,
        relative_path="gazelab/Subjects/LV-unidentified/2026-03-02/001/alf/"
                      "_labvanced_trials.table.csv")
    response = trial(client, connection, 71, 1)
    assert response.status_code == 409 and "already holds" in response.json()["error"]


def test_a_webhook_call_keeps_a_concurrent_edit_of_the_session(client, connection):
    """The webhook saves only what it changes: a user's PATCH of `narrative` that lands
    between the call's read and its write stays."""
    from django.db import transaction

    from importers.labvanced.live import LiveSession

    start(client, connection, 80)
    with transaction.atomic():
        live = LiveSession(connection, {"expSessionNr": 80})  # reads the session
        Session.objects.filter(source_id="4107/80").update(narrative="noted by a user")
        live.task({"expSessionNr": 80, "recTaskId": 1, "taskName": "Main"})
    session = Session.objects.get(source_id="4107/80")
    assert session.narrative == "noted by a user"
    assert session.json["labvanced"]["tasks"]["1"]["Task_Name"] == "Main"


def test_a_busy_database_is_503_with_retry_after(client, connection, monkeypatch):
    from django.db import OperationalError

    start(client, connection, 81)

    def locked(*args, **kwargs):
        raise OperationalError("database is locked")

    monkeypatch.setattr("importers.labvanced.live.LiveSession.trial", locked)
    monkeypatch.setitem(__import__("importers.labvanced.webhook", fromlist=["ROUTES"]).ROUTES,
                        "recordTrial", locked)
    response = trial(client, connection, 81, 1)
    assert response.status_code == 503 and response["Retry-After"] == "5"
    assert response["Access-Control-Allow-Origin"] == "https://www.labvanced.com"

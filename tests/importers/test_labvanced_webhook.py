"""Labvanced's player posting a live session to our receiver, replayed by a fake browser."""
import csv
import io
import json

import pytest

from importers.models import LiveTrial
from mirror.actions.models import Session
from tests.fakes.labvanced_browser import BrowserReplay, load_script

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def hook(live_server, connection):
    """The receiver URL Labvanced is configured with: host + secret path."""
    return live_server.url, f"/hooks/labvanced/{connection.webhook_token}"


def _trials(connection, session) -> list[dict]:
    dataset = session.data_dataset_session_related.get(name="_labvanced_trials.table.csv")
    text = (connection.repository.directory / dataset.file_records.get().relative_path) \
        .read_text()
    return list(csv.DictReader(io.StringIO(text)))


def _count_trials(script) -> int:
    return sum(len(task["trials"]) for task in script["tasks"])


def test_whole_session_streams_in(hook, connection):
    script = load_script(259515)
    report = BrowserReplay(*hook).replay(script)
    assert report.ok, report.failures
    assert report.sequence()[:2] == ["/setPlayerSessionStartedTime", "/addMetaInfo"]
    session = Session.objects.get(source_id="4107/259515")
    assert session.subject.nickname == "LV-a7Kq2Xw9Lm"
    assert session.json["labvanced"]["status"] == "completed"
    assert session.end_time is not None and session.n_trials == _count_trials(script)
    rows = _trials(connection, session)
    assert len(rows) == _count_trials(script)
    assert rows[0]["Task_Name"] == "Practice_Task" and rows[0]["response"] == "left"


def test_session_appears_at_once_and_grows_per_trial(hook, connection):
    """After the first routes the session exists; each trial adds a row."""
    replay = BrowserReplay(*hook)
    script = load_script(259515)
    task = script["tasks"][0]
    from tests.fakes.labvanced_browser import ReplayReport

    report = ReplayReport()
    ids = {"expSessionNr": script["exp_session_nr"], "expId": script["exp_id"]}
    replay.post(report, "/setPlayerSessionStartedTime", {**ids, "start_time":
                                                          script["start_time"], "sessionNr": 1})
    session = Session.objects.get(source_id="4107/259515")
    assert session.json["labvanced"]["status"] == "recording"
    replay.post(report, "/recordStartTask", {**ids, "recTaskId": task["rec_task_id"],
                                             "taskName": task["task_name"], "taskNr": 1})
    for count, trial in enumerate(task["trials"], start=1):
        replay.post(report, "/recordTrial", {**ids, "trialNr": trial["trial_nr"],
                                             "recTaskId": task["rec_task_id"],
                                             "recData": {"data": trial["data"]}})
        assert len(_trials(connection, session)) == count
    assert report.ok, report.failures


def test_replayed_trials_are_kept_once(hook, connection):
    script = load_script(259515)
    report = BrowserReplay(*hook, repeat_trials="all").replay(script)
    assert report.ok, report.failures
    assert LiveTrial.objects.count() == _count_trials(script)
    session = Session.objects.get(source_id="4107/259515")
    assert len(_trials(connection, session)) == _count_trials(script)


def test_aborted_session_is_marked_with_the_error(hook, connection):
    script = load_script(259517)
    report = BrowserReplay(*hook).replay(script)
    assert report.ok, report.failures
    upstream = Session.objects.get(source_id="4107/259517").json["labvanced"]
    assert upstream["status"] == "aborted" and upstream["error"] == script["err_msg"]


def test_form_encoded_bodies_work(hook, connection):
    report = BrowserReplay(*hook, encoding="form").replay(load_script(259515))
    assert report.ok, report.failures
    rows = _trials(connection, Session.objects.get(source_id="4107/259515"))
    assert rows[0]["rt"] == "812"


def test_preflight_allows_labvanced(client, connection):
    response = client.options(f"/hooks/labvanced/{connection.webhook_token}/recordTrial",
                              HTTP_ORIGIN="https://www.labvanced.com",
                              HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST")
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == "https://www.labvanced.com"
    assert "POST" in response["Access-Control-Allow-Methods"]
    assert "Content-Type" in response["Access-Control-Allow-Headers"]


def test_unknown_token_is_404(client, connection):
    response = client.post("/hooks/labvanced/not-the-token/recordTrial", "{}",
                           content_type="application/json")
    assert response.status_code == 404


def test_oversized_payload_is_413(client, connection, settings):
    settings.MIRROR_WEBHOOK_MAX_BODY = 100
    body = json.dumps({"expSessionNr": 1, "trialNr": 1, "recData": {"data": {"x": "y" * 200}}})
    response = client.post(f"/hooks/labvanced/{connection.webhook_token}/recordTrial", body,
                           content_type="application/json")
    assert response.status_code == 413 and response.json()["success"] is False


@pytest.mark.parametrize("body", ["{not json", json.dumps({"trialNr": 1}),
                                  json.dumps({"expSessionNr": 5, "trialNr": "x",
                                              "recData": {"data": {}}})])
def test_bad_payloads_are_400(client, connection, body):
    response = client.post(f"/hooks/labvanced/{connection.webhook_token}/recordTrial", body,
                           content_type="application/json")
    assert response.status_code == 400 and response.json()["success"] is False


def test_rest_import_lands_on_the_live_session(hook, connection, fake):
    """The same Labvanced session, streamed live then pulled over REST, is one Alyx session."""
    BrowserReplay(*hook).replay(load_script(259515))
    live = Session.objects.get(source_id="4107/259515")
    from tests.importers.helpers import mirror_import

    mirror_import("gaze-study")
    assert Session.objects.get(source_id="4107/259515").pk == live.pk
    assert Session.objects.filter(subject__nickname="LV-a7Kq2Xw9Lm").count() == 2


def test_media_upload_is_stored(hook, connection):
    script = load_script(259515)
    script["files"] = [{"name": "webcam_259515.webm", "size": 4096}]
    report = BrowserReplay(*hook).replay(script)
    assert report.ok, report.failures
    dataset = Session.objects.get(source_id="4107/259515").data_dataset_session_related.get(
        collection="raw_labvanced_data")
    assert dataset.file_size == 4096 and dataset.name == "_labvanced_media.webcam259515.webm"

"""The fake Labvanced REST server: list shape, auth, every fault switch, zip quirks, request log."""
import csv
import io
import re
import subprocess
import sys
import time
import zipfile

import pytest
import requests

from tests.fakes.labvanced import FakeLabvanced
from tests.fakes_tests.conftest import EXP, TOKEN

PG_TIME = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}[+-]\d{2}(:\d{2})?$")
LIST_KEYS = ["rec_session_id", "exp_subject_id", "session_nr", "group_nr", "subject_code",
             "crowdsourcing_subj_id", "crowdsourcing_code", "start_time", "end_time", "completed",
             "experiment_name", "experiment_version"]


def unzip(response) -> dict[str, str]:
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    return {name: archive.read(name).decode("utf-8") for name in archive.namelist()}


def test_session_list_has_the_documented_shape(get):
    """A bare list of sessions with integer ids and pg-format local times."""
    sessions = get(f"/api/{EXP}/sessions").json()
    assert [list(s) for s in sessions] == [LIST_KEYS] * 5
    assert all(isinstance(s["rec_session_id"], int) for s in sessions)
    assert all(PG_TIME.match(s["start_time"]) for s in sessions)
    assert {s["start_time"][19:] for s in sessions} >= {"+02", "+05:30", "-05"}
    unfinished = [s for s in sessions if not s["completed"]]
    assert [(s["end_time"], s["crowdsourcing_subj_id"]) for s in unfinished] == [(None, None)]


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer wrong"},
                                     {"Authorization": TOKEN}, {"X-Other": f"Bearer {TOKEN}"}])
def test_wrong_or_missing_token_is_401_with_json_error(fake, headers):
    """Anything but `Authorization: Bearer <token>` is refused with the documented error body."""
    answer = requests.get(fake.sessions_url(EXP), headers=headers, timeout=5)
    assert answer.status_code == 401
    assert answer.json() == {"error": "missing or invalid API token", "status": 401}
    assert answer.headers["WWW-Authenticate"] == "Bearer"
    assert fake.requests[-1].authorized is False


def test_auth_header_scheme_and_paths_are_configurable():
    """Upstream's header and paths are unknown, so a custom pair must work end to end."""
    with FakeLabvanced(token="k", auth_header="X-Api-Key", auth_scheme=None,
                       sessions_path="/v2/experiments/{exp_id}/sessions",
                       download_path="/v2/experiments/{exp_id}/export/{rec_session_id}") as fake:
        assert requests.get(fake.sessions_url(EXP), headers={"X-Api-Key": "k"},
                            timeout=5).status_code == 200
        download = requests.get(fake.download_url(EXP, 259516), headers={"X-Api-Key": "k"},
                                timeout=5)
        assert download.url.endswith("/v2/experiments/4107/export/259516")
        assert zipfile.ZipFile(io.BytesIO(download.content)).namelist()[0] == "sessions.csv"
        assert requests.get(fake.sessions_url(EXP), headers={"Authorization": "Bearer k"},
                            timeout=5).status_code == 401
        assert fake.requests[0].headers["X-Api-Key"] == "<redacted>"


def test_bearer_scheme_is_case_insensitive(fake):
    answer = requests.get(fake.sessions_url(EXP), headers={"Authorization": f"bearer {TOKEN}"},
                          timeout=5)
    assert answer.status_code == 200


@pytest.mark.parametrize(("path", "message"), [
    ("/api/9999/sessions", "experiment 9999 not found"),
    ("/api/9999/download/259515", "experiment 9999 not found"),
    (f"/api/{EXP}/download/111", f"session 111 not found in experiment {EXP}"),
    ("/api/nope", "no route for /api/nope"),
])
def test_unknown_things_are_404(get, path, message):
    answer = get(path)
    assert (answer.status_code, answer.json()) == (404, {"error": message, "status": 404})


def test_pagination_is_off_by_default_and_optional(fake, get):
    """Unknown upstream: `?limit=` pages on request; `page_size` forces paging for all clients."""
    assert len(get(f"/api/{EXP}/sessions?page=2").json()) == 5
    pages = [get(f"/api/{EXP}/sessions?limit=2&page={n}").json() for n in (1, 2, 3, 4)]
    assert [len(p) for p in pages] == [2, 2, 1, 0]
    fake.page_size = 3
    assert len(get(f"/api/{EXP}/sessions").json()) == 3
    assert get(f"/api/{EXP}/sessions?page=0").status_code == 400


@pytest.mark.parametrize("status", [401, 404, 500, 503])
def test_fail_next_answers_n_errors_then_recovers(fake, get, status):
    fake.fail_next(status, 2)
    answers = [get(f"/api/{EXP}/sessions") for _ in range(3)]
    assert [a.status_code for a in answers] == [status, status, 200]
    assert answers[0].json()["status"] == status


def test_429_carries_retry_after_and_the_log_shows_whether_it_was_honoured(fake, get):
    fake.fail_next(429, retry_after=1)
    first = get(f"/api/{EXP}/sessions")
    assert (first.status_code, first.headers["Retry-After"]) == (429, "1")
    time.sleep(int(first.headers["Retry-After"]))
    assert get(f"/api/{EXP}/sessions").status_code == 200
    limited, retried = fake.requests
    assert (limited.status, retried.status) == (429, 200)
    assert retried.at - limited.at >= 1


def test_faults_can_target_paths_and_answer_html(fake, get):
    """`match` hits only downloads; `html=True` answers as a proxy's error page would."""
    fake.fail_next(502, match="/download/", html=True)
    assert get(f"/api/{EXP}/sessions").status_code == 200
    answer = get(f"/api/{EXP}/download/259515")
    assert answer.status_code == 502
    assert answer.headers["Content-Type"] == "text/html"
    assert get(f"/api/{EXP}/download/259515").status_code == 200


@pytest.mark.parametrize("echo, expected", [
    ("full", f"invalid credential 'Bearer {TOKEN}'"), ("token", f"invalid token {TOKEN}"),
    ("cut", f"invalid token {TOKEN[:12]}…"), ("padded", f"token={TOKEN} rejected")])
def test_echo_faults_send_the_credential_back(fake, get, echo, expected):
    """A careless platform quotes the credential it refused; the importer must not repeat it."""
    fake.fail_next(401, echo=echo)
    answer = get(f"/api/{EXP}/sessions")
    assert answer.status_code == 401 and expected in answer.json()["error"]
    if echo == "padded":
        assert answer.text.index(TOKEN) == 290
    fake.fail_next(502, html=True, echo="token")
    assert TOKEN in get(f"/api/{EXP}/sessions").text
    with pytest.raises(ValueError, match="echo must be one of"):
        fake.fail_next(401, echo="everything")


def test_slow_answers_trip_client_timeouts(fake, get):
    fake.slow_next(2.0)
    with pytest.raises(requests.ReadTimeout):
        get(f"/api/{EXP}/sessions", timeout=0.2)
    fake.delay = 0.3
    began = time.monotonic()
    assert get(f"/api/{EXP}/sessions").status_code == 200
    assert time.monotonic() - began >= 0.3


def test_zip_holds_sessions_trials_and_time_series(get):
    files = unzip(get(f"/api/{EXP}/download/259515"))
    assert list(files) == ["sessions.csv", "trials.csv", "259515.csv"]
    header, *rows = list(csv.reader(io.StringIO(files["259515.csv"])))
    assert max(len(r) for r in rows) == len(header) + 3
    assert any(r[-2:] == ["Gaze_XYT", ""] for r in rows)
    assert '"1623924194969"' in files["259515.csv"]
    assert "(KHTML, like Gecko)" in next(csv.DictReader(io.StringIO(files["sessions.csv"])))[
        "Agent_Spec"]


def test_column_casing_and_bom_vary_across_sessions(get):
    """Both id casings occur; a BOM glues itself to the first header unless stripped."""
    first = {rec: unzip(get(f"/api/{EXP}/download/{rec}")) for rec in (259515, 259516, 259601)}
    assert "Rec_Session_Id" in first[259515]["trials.csv"].splitlines()[0]
    assert "rec_session_id" in first[259516]["trials.csv"].splitlines()[0]
    assert first[259516]["trials.csv"].startswith("\ufeff")
    assert first[259601]["sessions.csv"].startswith("\ufeff")
    assert "Übung" in first[259601]["trials.csv"]


def test_unfinished_session_has_empty_cells(get):
    files = unzip(get(f"/api/{EXP}/download/259517"))
    session = next(csv.DictReader(io.StringIO(files["sessions.csv"])))
    assert (session["End_Time_Local"], session["Completed"]) == ("", "false")
    trials = list(csv.DictReader(io.StringIO(files["trials.csv"])))
    assert [t["response"] for t in trials].count("") == 1


def test_truncated_zip_in_body_mode_is_not_a_zip(fake, get):
    fake.truncate_zip(259515)
    answer = get(f"/api/{EXP}/download/259515")
    assert answer.status_code == 200
    with pytest.raises(zipfile.BadZipFile):
        zipfile.ZipFile(io.BytesIO(answer.content))


def test_truncated_zip_in_connection_mode_breaks_the_transfer(fake, get):
    fake.truncate_zip(259515, mode="connection")
    with pytest.raises(requests.exceptions.ChunkedEncodingError):
        get(f"/api/{EXP}/download/259515")
    assert get(f"/api/{EXP}/sessions").status_code == 200


def test_malformed_csv_breaks_rows(fake, get):
    fake.malform_csv(259515)
    text = unzip(get(f"/api/{EXP}/download/259515"))["trials.csv"]
    header, *rows = list(csv.reader(io.StringIO(text)))
    assert len(rows[2]) == 2
    assert rows[-1][-1] == "cut off mid-ce"
    assert len(rows[-1]) < len(header)
    with pytest.raises(csv.Error, match="unexpected end of data"):
        list(csv.reader(io.StringIO(text), strict=True))


def test_deleted_session_leaves_the_list_and_cannot_be_downloaded(fake, get):
    fake.delete_session(259516)
    assert 259516 not in [s["rec_session_id"] for s in get(f"/api/{EXP}/sessions").json()]
    assert get(f"/api/{EXP}/download/259516").status_code == 404
    fake.restore_session(259516)
    assert get(f"/api/{EXP}/download/259516").status_code == 200


def test_upstream_change_moves_end_time_and_adds_a_trial(fake, get):
    before = get(f"/api/{EXP}/download/259515").content
    assert get(f"/api/{EXP}/download/259515").content == before
    new_end = fake.change_session(259515)
    assert new_end == "2021-06-17 12:28:40+02"
    listed = {s["rec_session_id"]: s for s in get(f"/api/{EXP}/sessions").json()}
    assert listed[259515]["end_time"] == new_end
    files = unzip(get(f"/api/{EXP}/download/259515"))
    trials = list(csv.DictReader(io.StringIO(files["trials.csv"])))
    assert (len(trials), trials[-1]["Trial_Nr"]) == (7, "5")
    assert next(csv.DictReader(io.StringIO(files["sessions.csv"])))["End_Time_Local"] == new_end


def test_change_completes_an_unfinished_session(fake, get):
    fake.change_session(259517)
    listed = {s["rec_session_id"]: s for s in get(f"/api/{EXP}/sessions").json()}
    assert (listed[259517]["completed"], listed[259517]["end_time"]) == (
        True, "2021-06-18 08:19:44-05")


def test_request_log_records_without_secrets(fake, get):
    get(f"/api/{EXP}/sessions?limit=2")
    get(f"/api/{EXP}/download/259515")
    listing, download = fake.requests
    assert (listing.kind, listing.query, listing.status) == ("sessions", {"limit": ["2"]}, 200)
    assert download.path == f"/api/{EXP}/download/259515"
    assert TOKEN not in repr(fake.requests)
    assert fake.downloads() == [download]
    fake.clear_requests()
    assert fake.requests == []


def test_non_get_is_405(get, fake):
    answer = requests.post(fake.sessions_url(EXP), headers=fake.auth_headers(), json={},
                           timeout=5)
    assert (answer.status_code, answer.headers["Allow"]) == (405, "GET")


def test_switches_can_be_set_at_construction():
    with FakeLabvanced(token=None, fail=[(500, 1)], deleted=[259517], changed=[259515]) as fake:
        assert requests.get(fake.sessions_url(EXP), timeout=5).status_code == 500
        sessions = requests.get(fake.sessions_url(EXP), timeout=5).json()
        assert len(sessions) == 4
        assert sessions[0]["end_time"] == "2021-06-17 12:28:40+02"


def test_control_endpoint_steers_a_running_fake(fake, get):
    steer = requests.post(fake.base_url + "/_fake/control", timeout=5,
                          json={"op": "fail_next", "args": {"status": 429, "retry_after": 3}})
    assert steer.json() == {"ok": True, "result": None}
    assert get(f"/api/{EXP}/sessions").headers["Retry-After"] == "3"
    log = requests.get(fake.base_url + "/_fake/requests", timeout=5).json()
    assert [r["status"] for r in log] == [429]
    bad = requests.post(fake.base_url + "/_fake/control", json={"op": "stop"}, timeout=5)
    assert bad.status_code == 400


def test_command_line_runs_a_standalone_fake():
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.fakes.labvanced", "--port", "0", "--token", "cli",
         "--fail", "429:1:2", "--delete", "259517"],
        stdout=subprocess.PIPE, text=True)
    try:
        base_url = process.stdout.readline().split()[3]
        headers = {"Authorization": "Bearer cli"}
        first = requests.get(f"{base_url}/api/{EXP}/sessions", headers=headers, timeout=5)
        assert (first.status_code, first.headers["Retry-After"]) == (429, "2")
        second = requests.get(f"{base_url}/api/{EXP}/sessions", headers=headers, timeout=5)
        assert len(second.json()) == 4
    finally:
        process.terminate()
        process.wait(timeout=5)

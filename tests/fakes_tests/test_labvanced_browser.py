"""The browser replay client, against a tiny stdlib webhook receiver spun up here."""
import json
import threading
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import pytest

from tests.fakes.labvanced_browser import BrowserReplay, load_script
from tests.fakes.labvanced_cors import jquery_param

ORIGIN = "https://www.labvanced.com"
PLAYER_ORDER = (["/setPlayerSessionStartedTime", "/addMetaInfo", "/recordStartTask"]
                + ["/recordTrial"] * 2 + ["/recordStartTask"] + ["/recordTrial"] * 4
                + ["/file_upload", "/finishExpSession"])


class Receiver(BaseHTTPRequestHandler):
    """Records every request; `server.mode` picks how well it behaves."""

    def log_message(self, *args) -> None:
        """Quiet."""

    def do_OPTIONS(self) -> None:
        self._record(b"")
        cors = self.server.mode != "no-cors"
        self._answer(204, b"", cors=cors)

    def do_POST(self) -> None:
        self._record(self.rfile.read(int(self.headers["Content-Length"])))
        mode = self.server.mode
        status, body = {"fail": (200, b'{"success": false}'), "500": (500, b"oops"),
                        "text": (200, b"OK")}.get(mode, (200, b'{"success": true}'))
        self._answer(status, body, cors=mode != "no-cors-post")

    def _record(self, body: bytes) -> None:
        with self.server.lock:
            self.server.active += 1
            self.server.max_active = max(self.server.max_active, self.server.active)
            self.server.seen.append((self.command, self.path, dict(self.headers), body))

    def _answer(self, status: int, body: bytes, *, cors: bool) -> None:
        # Leave the "active" count before answering: once the client has the answer it may send
        # its next request, which must not find this one still counted.
        with self.server.lock:
            self.server.active -= 1
        self.send_response(status)
        if cors:
            self.send_header("Access-Control-Allow-Origin", ORIGIN)
            self.send_header("Access-Control-Allow-Methods", "POST, OPTIONS")
            self.send_header("Access-Control-Allow-Headers", "Content-Type")
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@contextmanager
def receiver(mode: str = "good"):
    server = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    server.mode, server.seen, server.lock = mode, [], threading.Lock()
    server.active = server.max_active = 0
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                     daemon=True).start()
    try:
        yield server, f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def posts(server) -> list[tuple[str, dict, bytes]]:
    return [(path, headers, body) for method, path, headers, body in server.seen
            if method == "POST"]


def test_finished_session_is_replayed_in_player_order():
    """Preflight before each JSON POST, none before multipart, one request at a time."""
    with receiver() as (server, url):
        report = BrowserReplay(url, "/lv/4107").replay(load_script(259515))
    assert report.ok, report.failures
    assert report.sequence() == PLAYER_ORDER
    methods = [(m, p) for m, p, _, _ in server.seen]
    assert methods[:2] == [("OPTIONS", "/lv/4107/setPlayerSessionStartedTime"),
                           ("POST", "/lv/4107/setPlayerSessionStartedTime")]
    assert ("OPTIONS", "/lv/4107/file_upload") not in methods
    assert server.max_active == 1
    preflight = server.seen[0][2]
    assert (preflight["Origin"], preflight["Access-Control-Request-Method"],
            preflight["Access-Control-Request-Headers"]) == (ORIGIN, "POST", "content-type")


def test_payload_field_names_follow_the_player():
    with receiver() as (server, url):
        BrowserReplay(url, "lv").replay(load_script(259515))
    bodies = {path: body for path, _, body in posts(server)}
    start = json.loads(bodies["/lv/setPlayerSessionStartedTime"])
    assert start == {"start_time": "2021-06-17 12:03:14+02", "expSessionNr": 259515,
                     "expId": 4107, "sessionNr": 1, "groupNr": 1, "token": "k3Jd9sQe"}
    trial = json.loads(bodies["/lv/recordTrial"])
    assert set(trial) == {"expSessionNr", "trialNr", "recData", "recTaskId", "expId", "taskId"}
    assert trial["recData"]["scope"] == "trial"
    assert trial["recData"]["data"]["rt"] == 498
    finish = json.loads(bodies["/lv/finishExpSession"])
    assert (finish["end_time"], finish["emailReminder"]) == ("2021-06-17 12:21:40+02",
                                                             "noReminder")
    upload = bodies["/lv/file_upload"]
    assert b'name="myFile"; filename="259515_rec_audio_trial_2.webm"' in upload
    assert b'name="expSessionNr"' in upload


def test_aborted_session_ends_with_err_exp_session():
    with receiver() as (server, url):
        report = BrowserReplay(url).replay(load_script(259517))
    assert report.ok
    assert report.sequence()[-1] == "/errExpSession"
    assert "/finishExpSession" not in report.sequence()
    assert json.loads(posts(server)[-1][2])["err_msg"].startswith("Error in task")


def test_form_encoding_uses_jquery_brackets_and_skips_preflight():
    with receiver() as (server, url):
        report = BrowserReplay(url, encoding="form").replay(load_script(259515))
    assert report.ok
    assert all(method == "POST" for method, *_ in server.seen)
    path, headers, body = next(p for p in posts(server) if p[0] == "/recordTrial")
    assert headers["Content-Type"] == "application/x-www-form-urlencoded; charset=UTF-8"
    assert parse_qs(body.decode())["recData[data][rt]"] == ["812"]


def test_repeat_trials_sends_a_trial_twice():
    with receiver() as (_, url):
        report = BrowserReplay(url, repeat_trials={(2, 3)}).replay(load_script(259515))
    assert report.sequence().count("/recordTrial") == 7


@pytest.mark.parametrize(("mode", "expected"), [
    ("fail", '"success": False'), ("500", "answered 500"), ("text", "not a JSON object"),
    ("no-cors-post", "Access-Control-Allow-Origin is None"),
])
def test_bad_answers_are_collected_not_raised(mode, expected):
    with receiver(mode) as (_, url):
        report = BrowserReplay(url).replay(load_script(259515))
    assert not report.ok
    assert len(report.sequence()) == len(PLAYER_ORDER)
    answers = [e for e in report.exchanges if e.method == "POST"]
    assert all(any(expected in problem for problem in e.problems) for e in answers)


def test_failed_preflight_means_the_post_is_never_sent():
    with receiver("no-cors") as (server, url):
        report = BrowserReplay(url).replay(load_script(259517))
    assert all(method == "OPTIONS" for method, *_ in server.seen)
    skipped = [f for f in report.failures if "not sent" in f]
    assert len(skipped) == len(report.sequence()) == len(server.seen) == 9


def test_unreachable_receiver_is_reported():
    with receiver() as (_, url):
        pass
    report = BrowserReplay(url, timeout=1).replay(load_script(259517))
    assert report.failures and all("no answer" in f for f in report.failures[::2])


def test_jquery_param_matches_dollar_param():
    encoded = jquery_param({"recData": {"data": {"rt": 523, "ok": True, "gone": None},
                                        "scope": "trial"}, "list": [1, 2], "empty": {}})
    assert encoded == ("recData%5Bdata%5D%5Brt%5D=523&recData%5Bdata%5D%5Bok%5D=true"
                       "&recData%5Bdata%5D%5Bgone%5D=&recData%5Bscope%5D=trial"
                       "&list%5B%5D=1&list%5B%5D=2")

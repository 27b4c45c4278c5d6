"""The webhook's secret (its URL path) is in no log line: gunicorn's access and error logs and
Django's request log, written by a real gunicorn serving real requests (issue 11, low items)."""
import json
import subprocess
import sys

import pytest
import requests

from tests.subprocesses import ROOT, child_env, free_port, wait_for

pytestmark = pytest.mark.django_db(transaction=True)


def _up(url: str) -> bool:
    try:
        return requests.get(f"{url}/health", timeout=2).status_code == 200
    except requests.ConnectionError:
        return False


@pytest.fixture
def gunicorn(settings, tmp_path):
    port, logs = free_port(), tmp_path / "logs"
    logs.mkdir()
    command = [sys.executable, "-m", "gunicorn", "mirror.wsgi", "--bind", f"127.0.0.1:{port}",
               "--workers", "1", "--access-logfile", str(logs / "access.log"),
               "--error-logfile", str(logs / "error.log")]
    with (logs / "stderr.log").open("wb") as stderr:
        server = subprocess.Popen(command, cwd=ROOT, env=child_env(settings, tmp_path / "var"),
                                  stdout=stderr, stderr=stderr)
        url = f"http://127.0.0.1:{port}"
        try:
            wait_for(lambda: _up(url) or server.poll() is not None)
            assert server.poll() is None, (logs / "stderr.log").read_text()
            yield url, logs
        finally:
            server.terminate()
            server.wait(timeout=30)


def test_no_log_line_holds_the_webhook_secret(gunicorn, connection):
    url, logs = gunicorn
    hook = f"{url}/hooks/labvanced/{connection.webhook_token}"
    answers = [
        requests.post(f"{hook}/setPlayerSessionStartedTime", timeout=10,
                      json={"expSessionNr": 7, "start_time": "2026-03-02 09:30:00+01"}),
        requests.post(f"{hook}/recordTrial", json={"expSessionNr": 8, "trialNr": 1,
                                                   "recData": {"data": {}}}, timeout=10),
        requests.post(f"{hook}/noSuchRoute", data=json.dumps({}), timeout=10),
        requests.post(f"{hook}/recordTrial", data="{broken", timeout=10,
                      headers={"Content-Type": "application/json"}),
    ]
    assert [answer.status_code for answer in answers] == [200, 409, 404, 400]
    text = {name: (logs / name).read_text() for name in ("access.log", "error.log",
                                                            "stderr.log")}
    assert "/hooks/labvanced/<secret>/recordTrial" in text["access.log"]
    for name, content in text.items():
        assert connection.webhook_token not in content, f"{name} holds the secret"

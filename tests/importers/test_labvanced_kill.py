"""A real `mirror_import` process killed with SIGKILL mid-import, then run again."""
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection as db

from importers.models import ImportRun
from mirror.actions.models import Session
from tests.importers.helpers import mirror_import, state

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.django_db(transaction=True)


def _database_url() -> str:
    """The test database, for a child process to share it."""
    config = db.settings_dict
    if config["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{config['NAME']}"
    return (f"postgres://{config['USER']}:{config['PASSWORD'] or ''}@{config['HOST']}:"
            f"{config['PORT'] or 5432}/{config['NAME']}")


def _wait_for(condition, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_sigkill_then_resume_equals_a_clean_run(connection, fake, settings, tmp_path):
    fake.set_delay(0.5)  # slow upstream, so the kill lands between sessions
    env = {**os.environ, "DATABASE_URL": _database_url(),
           "MIRROR_DATA_ROOT": str(settings.MIRROR_DATA_ROOT),
           "MIRROR_VAR_DIR": str(tmp_path / "var")}
    child = subprocess.Popen([sys.executable, "manage.py", "mirror_import", "gaze-study"],
                             cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
    try:
        _wait_for(lambda: Session.objects.count() >= 2)
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
    killed = ImportRun.objects.get()
    assert killed.status == "running" and killed.pid == child.pid  # it never got to say so
    assert 2 <= Session.objects.count() < 5

    fake.set_delay(0)
    out, _ = mirror_import("gaze-study")  # the dead process no longer holds the connection
    assert "succeeded" in out
    killed.refresh_from_db()
    assert killed.status == "abandoned"
    resumed = state(connection.repository)
    assert not list(connection.repository.directory.rglob(".partial-*"))

    Session.objects.all().delete()
    settings.MIRROR_DATA_ROOT = tmp_path / "clean"
    mirror_import("gaze-study")
    assert state(connection.repository) == resumed

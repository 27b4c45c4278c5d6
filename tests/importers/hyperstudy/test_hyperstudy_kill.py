"""A real `mirror_import` of a HyperStudy experiment killed with SIGKILL mid-import, run
again: the resumed mirror equals a clean run's."""
import signal
import subprocess
import sys
import time

import pytest

from importers.models import ImportRun
from mirror.actions.models import Session
from tests.importers.helpers import mirror_import, state
from tests.subprocesses import ROOT, child_env, wait_for

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def clock():
    """A child process cannot share a simulated clock: real time, and limits far away."""
    return time.time


@pytest.fixture
def fake_options():
    return {"per_minute": None, "per_hour": None}


def test_sigkill_then_resume_equals_a_clean_run(connection, fake, settings, tmp_path):
    fake.slow_next(0.4, 10_000, match="/storage/")  # slow recordings: the kill lands mid-way
    env = child_env(settings, tmp_path / "var")
    child = subprocess.Popen([sys.executable, "manage.py", "mirror_import", "dyads"],
                             cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
    try:
        wait_for(lambda: Session.objects.count() >= 1)
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
    killed = ImportRun.objects.get()
    assert killed.status == "running"
    assert 1 <= Session.objects.count() < 10

    fake.reset_faults()
    out, _ = mirror_import("dyads")
    assert "succeeded" in out
    resumed = state(connection.repository)
    assert not list(connection.repository.directory.rglob(".partial-*"))

    Session.objects.all().delete()
    ImportRun.objects.all().delete()
    settings.MIRROR_DATA_ROOT = tmp_path / "clean"
    mirror_import("dyads")
    assert state(connection.repository) == resumed

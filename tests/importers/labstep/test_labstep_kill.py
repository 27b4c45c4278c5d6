"""A real `mirror_import` of a Labstep workspace killed with SIGKILL mid-import, run again."""
import signal
import subprocess
import sys

import pytest

from importers.models import ImportRun
from mirror.actions.models import Session
from tests.importers.helpers import mirror_import, state
from tests.subprocesses import ROOT, child_env, wait_for

pytestmark = pytest.mark.django_db(transaction=True)


def test_sigkill_then_resume_equals_a_clean_run(connection, fake, settings, tmp_path):
    fake.set_delay(0.3)  # a slow upstream, so the kill lands between experiments
    env = child_env(settings, tmp_path / "var")
    child = subprocess.Popen([sys.executable, "manage.py", "mirror_import", "eln"],
                             cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
    try:
        wait_for(lambda: Session.objects.count() >= 1)
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
    killed = ImportRun.objects.get()
    assert killed.status == "running" and killed.pid == child.pid
    assert 1 <= Session.objects.count() < 4

    fake.set_delay(0)
    out, _ = mirror_import("eln")
    assert "succeeded" in out
    killed.refresh_from_db()
    assert killed.status == "abandoned"
    resumed = state(connection.repository)
    assert not list(connection.repository.directory.rglob(".partial-*"))

    Session.objects.all().delete()
    settings.MIRROR_DATA_ROOT = tmp_path / "clean"
    mirror_import("eln")
    assert state(connection.repository) == resumed

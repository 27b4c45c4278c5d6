"""A real `mirror_import` process killed with SIGKILL mid-import, and the run that resumes it:
shared by every importer's kill test."""
import signal
import subprocess
import sys

from importers.models import ImportRun
from mirror.actions.models import Session
from tests.importers.helpers import mirror_import, state
from tests.subprocesses import ROOT, child_env, wait_for


def kill_mid_import(name: str, settings, tmp_path, *, until) -> ImportRun:
    """Start `mirror_import NAME` in a child process, SIGKILL it once `until()` holds; the
    run it leaves says `running` (it never got to say otherwise)."""
    child = subprocess.Popen([sys.executable, "manage.py", "mirror_import", name], cwd=ROOT,
                             env=child_env(settings, tmp_path / "var"),
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for(until)
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
    killed = ImportRun.objects.get()
    assert (killed.status, killed.pid) == ("running", child.pid), killed.error
    return killed


def assert_resume_equals_a_clean_run(name: str, repository, settings, tmp_path,
                                     killed: ImportRun) -> None:
    """Run the import again (it resumes, and marks the killed run abandoned), then once more
    from nothing into another data root: both leave the same records and files, and no
    partial file."""
    out, _ = mirror_import(name)  # the dead process no longer holds the connection
    assert "succeeded" in out
    killed.refresh_from_db()
    assert killed.status == "abandoned"
    resumed = state(repository)
    leftovers = list(repository.directory.rglob(".partial-*"))
    assert not leftovers, f"half-written files left: {leftovers}"
    Session.objects.all().delete()
    ImportRun.objects.all().delete()
    settings.MIRROR_DATA_ROOT = tmp_path / "clean"
    mirror_import(name)
    assert state(repository) == resumed

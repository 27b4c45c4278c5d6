"""A real `mirror_import` process killed with SIGKILL mid-import, then run again."""
import pytest

from mirror.actions.models import Session
from tests.importers.killing import assert_resume_equals_a_clean_run, kill_mid_import

pytestmark = pytest.mark.django_db(transaction=True)


def test_sigkill_then_resume_equals_a_clean_run(connection, fake, settings, tmp_path):
    fake.set_delay(0.5)  # slow upstream, so the kill lands between sessions
    killed = kill_mid_import("gaze-study", settings, tmp_path,
                             until=lambda: Session.objects.count() >= 2)
    assert 2 <= Session.objects.count() < 5
    fake.set_delay(0)
    assert_resume_equals_a_clean_run("gaze-study", connection.repository, settings, tmp_path,
                                     killed)

"""A real `mirror_import` of a Labstep workspace killed with SIGKILL mid-import, run again."""
import pytest

from mirror.actions.models import Session
from tests.importers.killing import assert_resume_equals_a_clean_run, kill_mid_import

pytestmark = pytest.mark.django_db(transaction=True)


def test_sigkill_then_resume_equals_a_clean_run(connection, fake, settings, tmp_path):
    fake.set_delay(0.3)  # a slow upstream, so the kill lands between experiments
    killed = kill_mid_import("eln", settings, tmp_path, until=lambda: Session.objects.count() >= 1)
    assert 1 <= Session.objects.count() < 4
    fake.set_delay(0)
    assert_resume_equals_a_clean_run("eln", connection.repository, settings, tmp_path,
                                     killed)

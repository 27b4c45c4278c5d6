"""A real `mirror_import` of a HyperStudy experiment killed with SIGKILL mid-import, run
again: the resumed mirror equals a clean run's."""
import time

import pytest

from mirror.actions.models import Session
from tests.importers.killing import assert_resume_equals_a_clean_run, kill_mid_import

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
    killed = kill_mid_import("dyads", settings, tmp_path,
                             until=lambda: Session.objects.count() >= 1)
    assert 1 <= Session.objects.count() < 10
    fake.reset_faults()
    assert_resume_equals_a_clean_run("dyads", connection.repository, settings, tmp_path,
                                     killed)

"""The benchmark's seeding command builds the issue's shape, scaled down, with bulk inserts."""
import pytest
from django.core.management import call_command

from bench.seed import SESSIONS_PER_SUBJECT, seed
from mirror.actions.models import Session
from mirror.data.models import Dataset, FileRecord

pytestmark = pytest.mark.django_db


def test_seed_makes_the_shape_at_a_tiny_scale(data_root):
    """Subjects × 100 sessions, 10 datasets a session, two file records each; real files for
    the showcase session."""
    summary = seed(scale=0.01, log=lambda line: None)
    assert summary.subjects == 2
    assert Session.objects.count() == summary.sessions == 2 * SESSIONS_PER_SUBJECT
    assert Dataset.objects.count() == summary.datasets == 10 * summary.sessions
    assert FileRecord.objects.count() == summary.file_records == 2 * summary.datasets
    showcase = Dataset.objects.filter(session_id=summary.showcase)
    for dataset in showcase:
        record = dataset.file_records.get(data_repository__globus_is_personal=False)
        path = data_root / record.data_repository.name / record.relative_path
        assert path.stat().st_size == dataset.file_size


def test_seed_refuses_a_database_with_sessions(data_root):
    seed(scale=0.005, log=lambda line: None)
    with pytest.raises(RuntimeError, match="empty database"):
        seed(scale=0.005, log=lambda line: None)


def test_command_reports_what_it_made(settings, data_root, capsys):
    """`manage.py bench_seed` is the app's command once MIRROR_BENCH=1 installs `bench`."""
    settings.INSTALLED_APPS = [*settings.INSTALLED_APPS, "bench"]
    call_command("bench_seed", "--scale", "0.005")
    assert "seeded 100 sessions, 1,000 datasets, 2,000 file records" in capsys.readouterr().out

"""A fake Labvanced on loopback and a connection pointing at it."""
import pytest

from importers.models import Connection
from mirror.data.models import DataRepository
from mirror.people.models import Lab
from tests.fakes.labvanced import FakeLabvanced

TOKEN = "lv-secret-token-123"
EXP = 4107


@pytest.fixture
def fake():
    with FakeLabvanced(token=TOKEN) as server:
        yield server


@pytest.fixture
def connection(db, fake):
    lab = Lab.objects.create(name="gazelab")
    repository = DataRepository.objects.create(name="gazelab_labvanced")
    lab.repositories.add(repository)
    return Connection.objects.create(
        name="gaze-study", source="labvanced", base_url=fake.base_url, credential=TOKEN,
        target=str(EXP), lab=lab, repository=repository,
        settings={"requests_per_second": None, "timeout": 5, "backoff": 0.05})

"""A fake Labstep on loopback and a connection mirroring its active workspace (1801)."""
import pytest

from importers.models import Connection
from mirror.data.models import DataRepository
from mirror.people.models import Lab
from tests.fakes.labstep import FakeLabstep

API_KEY = "ls-secret-apikey-123"
WORKSPACE = 1801


@pytest.fixture
def fake():
    with FakeLabstep(api_key=API_KEY) as server:
        yield server


@pytest.fixture
def connection(db, fake):
    lab = Lab.objects.create(name="notebook")
    repository = DataRepository.objects.create(name="notebook_labstep")
    lab.repositories.add(repository)
    return Connection.objects.create(
        name="eln", source="labstep", base_url=fake.base_url, credential=API_KEY,
        target=str(WORKSPACE), lab=lab, repository=repository,
        settings={"requests_per_second": None, "timeout": 5, "backoff": 0.05})

"""A fake Labstep on loopback and a connection mirroring its active workspace (1801)."""
import pytest

from tests.fakes.labstep import FakeLabstep
from tests.importers.helpers import make_connection

API_KEY = "ls-secret-apikey-123"
WORKSPACE = 1801


@pytest.fixture
def fake():
    with FakeLabstep(api_key=API_KEY) as server:
        yield server


@pytest.fixture
def connection(db, fake):
    return make_connection("eln", "labstep", lab="notebook", target=str(WORKSPACE),
                           base_url=fake.base_url, credential=API_KEY,
                           settings={"requests_per_second": None, "timeout": 5,
                                     "backoff": 0.05})

"""A fake Labvanced on loopback and a connection pointing at it."""
import pytest

from tests.fakes.labvanced import FakeLabvanced
from tests.importers.helpers import make_connection

TOKEN = "lv-secret-token-123"
EXP = 4107


@pytest.fixture
def fake():
    with FakeLabvanced(token=TOKEN) as server:
        yield server


@pytest.fixture
def connection(db, fake):
    return make_connection("gaze-study", "labvanced", lab="gazelab", target=str(EXP),
                           base_url=fake.base_url, credential=TOKEN,
                           settings={"requests_per_second": None, "timeout": 5,
                                     "backoff": 0.05})

"""A fake HyperStudy on loopback, with its own simulated clock shared by the importer's
request budget (a minute's window passes without a minute's wait), and a connection."""
import pytest

from importers.hyperstudy import client as api
from tests.fakes.hyperstudy import FakeHyperStudy
from tests.fakes.hyperstudy_limits import ManualClock
from tests.importers.helpers import make_connection

API_KEY = "hst_test_importer_key_0123456789"
EXPERIMENT = "exp_hs_001"


@pytest.fixture
def clock(monkeypatch):
    clock = ManualClock()
    monkeypatch.setattr(api, "CLOCK", clock)
    monkeypatch.setattr(api, "SLEEP", clock.advance)
    return clock


@pytest.fixture
def fake_options():
    return {}


@pytest.fixture
def fake(clock, fake_options):
    with FakeHyperStudy(api_key=API_KEY, clock=clock, **fake_options) as server:
        yield server


@pytest.fixture
def connection(db, fake):
    return make_connection("dyads", "hyperstudy", lab="dyadlab", target=EXPERIMENT,
                           base_url=fake.api_url, credential=API_KEY,
                           settings={"timeout": 5, "backoff": 0.05})

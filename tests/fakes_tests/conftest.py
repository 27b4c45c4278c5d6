"""A running fake Labvanced per test; each test gets fresh switches and an empty request log."""
import pytest
import requests

from tests.fakes.labvanced import FakeLabvanced

TOKEN = "t0k"
EXP = 4107


@pytest.fixture
def fake():
    with FakeLabvanced(token=TOKEN) as server:
        yield server


@pytest.fixture
def get(fake):
    """GET a fake path with the right token (`auth=False` sends none)."""
    def _get(path: str, *, auth: bool = True, **kwargs) -> requests.Response:
        headers = fake.auth_headers() if auth else {}
        kwargs.setdefault("timeout", 5)
        return requests.get(fake.base_url + path, headers=headers, **kwargs)
    return _get

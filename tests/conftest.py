"""Shared fixtures: an isolated data root, API clients with tokens, and a small lab."""
import pytest
from django.contrib.auth.hashers import MD5PasswordHasher
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from mirror.core.verified_logins import verified_logins
from tests import factories


@pytest.fixture(autouse=True)
def data_root(tmp_path, settings):
    """Every test writes dataset files (and ONE cache tables) under its own temporary folder."""
    settings.MIRROR_DATA_ROOT = tmp_path / "data"
    settings.MIRROR_CACHE_TABLES_ROOT = tmp_path / "cache-tables"
    return settings.MIRROR_DATA_ROOT


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Real hashing costs ~0.3 s a user; tests check logic, not key stretching."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def forget_verified_logins():
    """Each test starts with no HTTP Basic login remembered by this process."""
    verified_logins.clear()


@pytest.fixture
def password_checks(monkeypatch) -> list:
    """Every password hash the server computes to check a login (what a cache of verified
    logins saves); a live server is a thread of this process, so it counts there too."""
    calls = []
    original = MD5PasswordHasher.verify
    monkeypatch.setattr(MD5PasswordHasher, "verify",
                        lambda self, *args: calls.append(1) or original(self, *args))
    return calls


@pytest.fixture
def user(db):
    return factories.make_user("alice", password="alice-password-1")


@pytest.fixture
def api(user):
    """An API client logged in with alice's token, as ONE is."""
    client = APIClient()
    token, _ = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


@pytest.fixture
def anonymous(db):
    return APIClient()


@pytest.fixture
def lab_world(user):
    """A lab, a repository on disk, two subjects, three sessions with downloadable datasets."""
    return factories.make_world(user)

"""The real ONE client against a real live server, in a temporary HOME with our params file.

ONE cannot discover the file server, so `manage.py one_params --write --password-env VAR` first
writes the params file, pointing HTTP_DATA_SERVER at the live server's /data with alice's
data-server login, as a user would: files need a login by default (MIRROR_FILES_AUTH=basic), and
ONE's downloader answers the server's 401 challenge with HTTP_DATA_SERVER_LOGIN/PWD.
"""
import json
from dataclasses import dataclass, field
from io import StringIO
from pathlib import Path

import one.params
import pytest
from django.core.management import call_command
from django.core.signals import request_started
from one.api import ONE

from mirror.core.one_params import params_key
from tests import factories

PASSWORD = "alice-password-1"
PASSWORD_VARIABLE = "MIRROR_COMPAT_PASSWORD"


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    """Every ONE login hashes a password on the server; MD5 keeps the suite fast."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def one_home(tmp_path, monkeypatch) -> Path:
    """A temporary HOME, so ONE reads and writes its params there and nowhere else."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("APPDATA", raising=False)
    assert one.params.get_params_dir() == home / ".one"
    return home


@dataclass
class ServerLog:
    """The requests the live server received, as `METHOD /path?query`, and which of them carried
    an HTTP Basic login (ONE's downloader asks without one first and answers the 401)."""

    lines: list = field(default_factory=list)
    with_basic_login: list = field(default_factory=list)

    def matching(self, method: str, prefix: str, *, basic_login: bool = False) -> list[str]:
        lines = self.with_basic_login if basic_login else self.lines
        return [line.split(" ", 1)[1] for line in lines
                if line.startswith(f"{method} {prefix}")]


@pytest.fixture
def server_log():
    """Record what reaches the live server (including file downloads, which are not REST)."""
    log = ServerLog()

    def record(sender, environ, **kwargs):
        query = environ.get("QUERY_STRING")
        line = f"{environ['REQUEST_METHOD']} {environ['PATH_INFO']}" + (f"?{query}" if query
                                                                          else "")
        log.lines.append(line)
        if environ.get("HTTP_AUTHORIZATION", "").lower().startswith("basic "):
            log.with_basic_login.append(line)

    request_started.connect(record, weak=False)
    yield log
    request_started.disconnect(record)


@pytest.fixture
def world(live_server, user):
    """Two subjects with two sessions each, every session with a real trials table on disk."""
    return factories.make_world(user)


@pytest.fixture
def cache_dir(tmp_path) -> Path:
    return tmp_path / "one_cache"


@pytest.fixture
def write_params(live_server, one_home, cache_dir, monkeypatch):
    """Run `manage.py one_params --write` for the live server, with the data-server password
    from an environment variable unless `password` is None; returns the params file."""
    def write(username: str = "alice", password: str | None = PASSWORD) -> Path:
        args = ["--write", "--base-url", live_server.url, "--username", username,
                "--cache-dir", str(cache_dir)]
        if password is not None:
            monkeypatch.setenv(PASSWORD_VARIABLE, password)
            args += ["--password-env", PASSWORD_VARIABLE]
        call_command("one_params", *args, stdout=StringIO())
        path = one_home / ".one" / f".{params_key(live_server.url)}"
        assert json.loads(path.read_text())["HTTP_DATA_SERVER"] == f"{live_server.url}/data"
        return path
    return write


@pytest.fixture
def make_one(live_server, one_home, cache_dir, server_log):
    """Build a remote ONE for alice: silent, no REST cache, a fresh download cache."""
    def make(**kwargs):
        kwargs.setdefault("username", "alice")
        return ONE(base_url=live_server.url, silent=True, cache_dir=cache_dir, cache_rest=None,
                   **kwargs)
    return make


@pytest.fixture
def one_client(make_one, write_params, live_server, one_home, world):
    """ONE logged in with a password, reading the params file we wrote."""
    params_file = write_params()
    client = make_one(password=PASSWORD)
    assert client.alyx.base_url == live_server.url
    assert client.alyx._par.HTTP_DATA_SERVER == f"{live_server.url}/data"
    stored = json.loads(params_file.read_text())  # ONE cached its token in our file
    assert stored["HTTP_DATA_SERVER"] == f"{live_server.url}/data"
    assert list(stored["TOKEN"]) == ["alice"]
    return client

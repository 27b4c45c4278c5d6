"""ONE client params for this server: the pure builder, the file writer, and the command."""
import json
import stat
from io import StringIO
from pathlib import Path

import one.params
import pytest
from django.core.management import CommandError, call_command

from mirror.core.one_params import one_params, one_snippet, params_key, params_write


@pytest.fixture
def home(tmp_path, monkeypatch) -> Path:
    """A temporary HOME: ONE (via Path.home()) and our writer both look here."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    assert Path.home() == home
    return home


def test_one_params_builds_what_one_needs():
    """The data server is the base URL plus the files prefix; no credentials are filled in."""
    params = one_params(base_url="http://127.0.0.1:8000/", username="alice",
                        files_prefix="data", files_auth="none")
    assert params == {
        "ALYX_URL": "http://127.0.0.1:8000",
        "ALYX_LOGIN": "alice",
        "HTTP_DATA_SERVER": "http://127.0.0.1:8000/data",
        "HTTP_DATA_SERVER_LOGIN": None,
        "HTTP_DATA_SERVER_PWD": None,
    }
    assert list(params) == list(one.params.default().as_dict())


def test_one_params_defaults_to_an_empty_login_like_one():
    params = one_params(base_url="https://mirror.example.org", username=None,
                        files_prefix="/files/", files_auth="basic")
    assert params["ALYX_LOGIN"] == ""
    assert params["HTTP_DATA_SERVER"] == "https://mirror.example.org/files"


@pytest.mark.parametrize("base_url", ["", "127.0.0.1:8000", "ftp://host", "http://"])
def test_one_params_refuses_urls_one_cannot_use(base_url):
    with pytest.raises(ValueError, match="http://host:port"):
        one_params(base_url=base_url, username="", files_prefix="data", files_auth="none")


def test_one_params_refuses_unknown_files_auth():
    with pytest.raises(ValueError, match="'none' or 'basic'"):
        one_params(base_url="http://h", username="", files_prefix="data", files_auth="token")


@pytest.mark.parametrize("url", ["http://127.0.0.1:8000", "https://alyx.example.org/",
                                 "http://localhost:41234", "https://Host-Name.org:8443/alyx"])
def test_params_key_is_ones_key(url):
    """Our key rule is ONE's own, so ONE finds the file we write."""
    assert params_key(url) == one.params._key_from_url(url)


def test_params_write_is_read_by_one(home, tmp_path):
    """ONE's own params reader returns our data server and cache dir, with no setup run."""
    params = one_params(base_url="http://127.0.0.1:8765", username="alice",
                        files_prefix="data", files_auth="none")
    path = params_write(params, cache_dir=tmp_path / "cache")
    assert path == home / ".one" / ".127.0.0.1_8765"
    assert json.loads(path.read_text()) == params
    caches = json.loads((home / ".one" / ".caches").read_text())
    assert caches == {"CLIENT_MAP": {"127.0.0.1_8765": str(tmp_path / "cache")},
                      "DEFAULT": "127.0.0.1_8765"}

    read = one.params.get(client="http://127.0.0.1:8765", silent=True)
    assert read.HTTP_DATA_SERVER == "http://127.0.0.1:8765/data"
    assert read.ALYX_LOGIN == "alice"
    assert read.CACHE_DIR == str(tmp_path / "cache")


def test_basic_file_auth_makes_the_username_the_data_server_login():
    params = one_params(base_url="http://h:1", username="alice", files_prefix="data",
                        files_auth="basic", password="pw")
    assert params["HTTP_DATA_SERVER_LOGIN"] == "alice"
    assert params["HTTP_DATA_SERVER_PWD"] == "pw"
    public = one_params(base_url="http://h:1", username="alice", files_prefix="data",
                        files_auth="none", password="pw")
    assert public["HTTP_DATA_SERVER_LOGIN"] is None and public["HTTP_DATA_SERVER_PWD"] is None


def test_params_write_keeps_token_and_data_password_but_never_the_alyx_password(home, tmp_path):
    """Rewriting keeps ONE's cached token, the cache dir and, for the same login, the stored
    data-server password; ALYX_PWD is dropped, never written."""
    params = one_params(base_url="http://127.0.0.1:8765", username="alice",
                        files_prefix="data", files_auth="basic", password="first")
    path = params_write(params, cache_dir=tmp_path / "cache")
    stored = json.loads(path.read_text())
    assert stored["HTTP_DATA_SERVER_PWD"] == "first"
    stored.update(TOKEN={"alice": {"token": "abc"}}, ALYX_PWD="alyx-secret")
    path.write_text(json.dumps(stored))

    params_write({**params, "HTTP_DATA_SERVER_PWD": None})
    rewritten = json.loads(path.read_text())
    assert "alyx-secret" not in path.read_text() and "ALYX_PWD" not in rewritten
    assert rewritten["TOKEN"] == {"alice": {"token": "abc"}}
    assert rewritten["HTTP_DATA_SERVER_PWD"] == "first"
    caches = json.loads((home / ".one" / ".caches").read_text())
    assert caches["CLIENT_MAP"]["127.0.0.1_8765"] == str(tmp_path / "cache")

    params_write(one_params(base_url="http://127.0.0.1:8765", username="bob",
                            files_prefix="data", files_auth="basic"))
    assert json.loads(path.read_text())["HTTP_DATA_SERVER_PWD"] is None  # not alice's for bob


def test_params_file_is_readable_by_its_owner_alone(home):
    """It holds a password and ONE's token: 0600, also when it existed with a looser mode."""
    params = one_params(base_url="http://127.0.0.1:8765", username="alice",
                        files_prefix="data", files_auth="basic", password="pw")
    directory = home / ".one"
    path = params_write(params)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(directory.stat().st_mode) == 0o700
    path.chmod(0o644)
    params_write(params)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_one_reads_the_data_server_login_we_write(home, tmp_path):
    params_write(one_params(base_url="http://127.0.0.1:8765", username="alice",
                            files_prefix="data", files_auth="basic", password="pw"),
                 cache_dir=tmp_path / "cache")
    read = one.params.get(client="http://127.0.0.1:8765", silent=True)
    assert (read.HTTP_DATA_SERVER_LOGIN, read.HTTP_DATA_SERVER_PWD) == ("alice", "pw")


def test_params_write_defaults_the_cache_to_ones_download_folder(home):
    params_write(one_params(base_url="http://127.0.0.1:9", username="", files_prefix="data",
                            files_auth="none"))
    caches = json.loads((home / ".one" / ".caches").read_text())
    expected = home / "Downloads" / "ONE" / "127.0.0.1_9"
    assert caches["CLIENT_MAP"] == {"127.0.0.1_9": str(expected)}
    assert expected.is_dir()


def test_one_snippet_names_the_server_and_user():
    params = one_params(base_url="http://h:1", username="bob", files_prefix="data",
                        files_auth="none")
    assert one_snippet(params) == ("from one.api import ONE; "
                                   "one = ONE(base_url='http://h:1', username='bob')")


def _run(*args) -> str:
    out = StringIO()
    call_command("one_params", *args, stdout=out)
    return out.getvalue()


def _printed_params(output: str) -> dict:
    return json.loads(output[:output.index("}") + 1])


def test_command_prints_params_from_settings(settings, home):
    """Without --write nothing is written; the params, the file name and a snippet are shown."""
    settings.MIRROR_PUBLIC_URL = "http://mirror.test:8080"
    settings.MIRROR_FILES_AUTH = "none"
    output = _run("--username", "alice")
    assert _printed_params(output)["HTTP_DATA_SERVER"] == "http://mirror.test:8080/data"
    assert _printed_params(output)["ALYX_LOGIN"] == "alice"
    assert str(home / ".one" / ".mirror.test_8080") in output
    assert "ONE(base_url='http://mirror.test:8080', username='alice')" in output
    assert "HTTP Basic" not in output
    assert not (home / ".one").exists()


def test_command_writes_params_and_explains_basic_auth(settings, home):
    settings.MIRROR_FILES_AUTH = "basic"
    output = _run("--base-url", "http://127.0.0.1:8000", "--username", "alice", "--write")
    assert "ONE's downloads get 401 until you run this again with --password-env" in output
    path = home / ".one" / ".127.0.0.1_8000"
    assert f"Wrote {path}" in output
    assert json.loads(path.read_text()) == _printed_params(output)
    assert _printed_params(output)["HTTP_DATA_SERVER_LOGIN"] == "alice"


def test_command_stores_the_password_from_the_environment_and_never_prints_it(
        settings, home, monkeypatch):
    settings.MIRROR_FILES_AUTH = "basic"
    monkeypatch.setenv("MIRROR_PASSWORD", "alice-password-1")
    output = _run("--base-url", "http://127.0.0.1:8000", "--username", "alice", "--write",
                  "--password-env", "MIRROR_PASSWORD")
    assert "alice-password-1" not in output
    assert _printed_params(output)["HTTP_DATA_SERVER_PWD"] == "********"
    assert "with your data-server password" in output
    path = home / ".one" / ".127.0.0.1_8000"
    assert json.loads(path.read_text())["HTTP_DATA_SERVER_PWD"] == "alice-password-1"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


@pytest.mark.parametrize(("files_auth", "args", "message"), [
    ("basic", ["--username", "alice", "--write", "--password-env", "UNSET_VARIABLE"],
     "UNSET_VARIABLE is not set"),
    ("basic", ["--username", "alice", "--password-env", "MIRROR_PASSWORD"], "needs --write"),
    ("basic", ["--write", "--password-env", "MIRROR_PASSWORD"], "needs --username"),
    ("none", ["--username", "alice", "--write", "--password-env", "MIRROR_PASSWORD"],
     "need no login"),
])
def test_command_refuses_a_password_it_cannot_use(settings, home, monkeypatch, files_auth,
                                                  args, message):
    settings.MIRROR_FILES_AUTH = files_auth
    monkeypatch.setenv("MIRROR_PASSWORD", "pw")
    monkeypatch.delenv("UNSET_VARIABLE", raising=False)
    with pytest.raises(CommandError, match=message):
        _run(*args)
    assert not (home / ".one").exists()


def test_command_reports_a_bad_base_url():
    with pytest.raises(CommandError, match="http://host:port"):
        _run("--base-url", "localhost:8000")


def test_one_params_endpoint_tells_anyone_where_files_are(anonymous, settings):
    settings.MIRROR_PUBLIC_URL = "http://mirror.example.org:8300"
    body = anonymous.get("/one-params").json()
    assert body == {"ALYX_URL": "http://mirror.example.org:8300",
                    "HTTP_DATA_SERVER": "http://mirror.example.org:8300/data",
                    "HTTP_DATA_SERVER_LOGIN": None, "files_auth": "basic"}


def test_one_params_endpoint_names_your_login_never_a_password(api, settings):
    body = api.get("/one-params").json()
    assert body["HTTP_DATA_SERVER_LOGIN"] == "alice"
    assert not any("PWD" in key or "TOKEN" in key for key in body)
    assert "alice-password-1" not in json.dumps(body)
    settings.MIRROR_FILES_AUTH = "none"
    body = api.get("/one-params").json()
    assert body["HTTP_DATA_SERVER_LOGIN"] is None and body["files_auth"] == "none"


def test_every_url_in_the_index_answers(api):
    call_command("mirror_one_cache", stdout=StringIO())  # /cache/info is 404 until a build
    index = api.get("/", HTTP_ACCEPT="application/json").json()
    assert "one-params" in index and "data" not in index
    for name, url in index.items():
        path = url.split("://", 1)[1].split("/", 1)[1]
        response = api.get(f"/{path}")
        expected = 405 if name == "auth-token" else 200  # POST only; the rest GET
        assert response.status_code in (expected, 302), (name, response.status_code)

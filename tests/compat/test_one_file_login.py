"""The real ONE client and the file login: Basic by default (the password `one_params` stored),
none when MIRROR_FILES_AUTH=none, one password check for a whole download, 429 when throttled."""
import datetime
import hashlib
import json
import stat
from urllib.error import HTTPError

import pytest

from mirror.data.models import Dataset
from tests.compat.conftest import PASSWORD


def test_one_downloads_with_the_stored_login_checking_the_password_once(
        make_one, write_params, world, password_checks, server_log, one_home):
    """Several files, each asked anonymously then with the login: one hash for them all."""
    params_file = write_params()
    one = make_one(password=PASSWORD)
    checks_after_login = len(password_checks)  # POST /auth-token checked it once
    session = world.sessions[0]
    for sibling in world.sessions[1:3]:
        one.load_dataset(sibling.id, "_ibl_trials.table.csv", download_only=True)
    one.load_dataset(session.id, "_ibl_trials.table.csv", download_only=True)
    assert len(server_log.matching("GET", "/data/", basic_login=True)) == 3
    assert len(password_checks) - checks_after_login == 1
    stored = json.loads(params_file.read_text())  # ONE rewrote it with its token
    assert stored["HTTP_DATA_SERVER_LOGIN"] == "alice" and list(stored["TOKEN"]) == ["alice"]
    assert stat.S_IMODE(params_file.stat().st_mode) == 0o600


def test_without_a_stored_password_one_gets_401_with_its_hint(make_one, write_params, world):
    write_params(password=None)
    one = make_one(password=PASSWORD)
    with pytest.raises(HTTPError, match="HTTP_DATA_SERVER_PWD") as raised:
        one.load_dataset(world.sessions[0].id, "_ibl_trials.table.csv", download_only=True)
    assert raised.value.code == 401


def test_files_auth_none_needs_no_data_server_login(make_one, write_params, world, settings,
                                                    server_log):
    """The explicit public choice: one_params writes no login and ONE downloads anonymously."""
    settings.MIRROR_FILES_AUTH = "none"
    params_file = write_params(password=None)
    assert json.loads(params_file.read_text())["HTTP_DATA_SERVER_LOGIN"] is None
    one = make_one(password=PASSWORD)
    session = world.sessions[0]
    path = one.load_dataset(session.id, "_ibl_trials.table.csv", download_only=True)
    dataset = Dataset.objects.get(session=session, name="_ibl_trials.table.csv")
    assert hashlib.md5(path.read_bytes()).hexdigest() == dataset.hash
    assert server_log.matching("GET", "/data/", basic_login=True) == []


def test_a_wrong_stored_password_ends_in_429_not_a_401_loop(make_one, write_params, world,
                                                            settings):
    settings.AXES_FAILURE_LIMIT = 2
    settings.AXES_COOLOFF_TIME = datetime.timedelta(seconds=900)
    write_params(password="not-the-password")
    one = make_one(password=PASSWORD)
    codes = []
    for sibling in world.sessions[:3]:
        with pytest.raises(HTTPError) as raised:
            one.load_dataset(sibling.id, "_ibl_trials.table.csv", download_only=True)
        codes.append(raised.value.code)
    assert codes == [401, 429, 429]
    assert 0 < int(raised.value.headers["Retry-After"]) <= 900

"""Login throttling: failures per username and per client address end in 429 with Retry-After,
on every endpoint that checks a password, counted in the database that all app servers share."""
import datetime

import pytest
from axes.models import AccessAttempt
from django.db.models import F
from django.test import Client

from tests import factories

LIMIT = 3
WINDOW = 900
RIGHT = {"username": "alice", "password": "alice-password-1"}
WRONG = {"username": "alice", "password": "wrong"}


@pytest.fixture(autouse=True)
def small_limit(settings):
    settings.AXES_FAILURE_LIMIT = LIMIT
    settings.AXES_COOLOFF_TIME = datetime.timedelta(seconds=WINDOW)


def _login(client, credentials, address="10.0.0.1", **headers):
    return client.post("/auth-token", credentials, REMOTE_ADDR=address, **headers)


def _fail_until_locked(client, *, addresses, usernames):
    """LIMIT - 1 failures answer 400; the failure that reaches the limit answers 429."""
    pairs = list(zip(addresses, usernames, strict=True))
    for address, username in pairs[:-1]:
        response = _login(client, {"username": username, "password": "wrong"}, address)
        assert response.status_code == 400, response.content
    address, username = pairs[-1]
    return _login(client, {"username": username, "password": "wrong"}, address)


def _assert_throttled(response, *, at_most=WINDOW):
    assert response.status_code == 429, response.content
    assert 0 < int(response["Retry-After"]) <= at_most
    assert "Too many failed logins" in response.content.decode()


def _pass_time(seconds):
    """The clock moves on: every recorded failure becomes `seconds` older."""
    AccessAttempt.objects.update(attempt_time=F("attempt_time") - datetime.timedelta(
        seconds=seconds))


def test_failures_for_one_username_from_many_addresses_lock_the_username(anonymous, user):
    locked = _fail_until_locked(anonymous, addresses=[f"10.0.0.{i}" for i in range(LIMIT)],
                                usernames=["alice"] * LIMIT)
    _assert_throttled(locked)
    assert locked.json()["detail"].startswith("Too many failed logins")
    # the right password from a fresh address is refused too: the username is locked
    _assert_throttled(_login(anonymous, RIGHT, "10.9.9.9"))
    # another user is not affected
    factories.make_user("bob", password="bob-password-1")
    ok = _login(anonymous, {"username": "bob", "password": "bob-password-1"}, "10.9.9.9")
    assert ok.status_code == 200


def test_failures_from_one_address_for_many_usernames_lock_the_address(anonymous, user):
    """Password spraying: one address trying a password on many accounts."""
    locked = _fail_until_locked(anonymous, addresses=["10.0.0.7"] * LIMIT,
                                usernames=[f"user{i}" for i in range(LIMIT)])
    _assert_throttled(locked)
    _assert_throttled(_login(anonymous, RIGHT, "10.0.0.7"))
    assert _login(anonymous, RIGHT, "10.0.0.8").status_code == 200


def test_a_correct_login_works_after_the_window(anonymous, user):
    _fail_until_locked(anonymous, addresses=["10.0.0.1"] * LIMIT, usernames=["alice"] * LIMIT)
    _pass_time(WINDOW - 300)
    _assert_throttled(_login(anonymous, RIGHT), at_most=300)  # Retry-After counts down
    _pass_time(300)
    response = _login(anonymous, RIGHT)
    assert response.status_code == 200 and "token" in response.json()


def test_refused_attempts_during_a_lockout_do_not_extend_it(anonymous, user):
    _fail_until_locked(anonymous, addresses=["10.0.0.1"] * LIMIT, usernames=["alice"] * LIMIT)
    for _ in range(5):
        _assert_throttled(_login(anonymous, WRONG))
    _pass_time(WINDOW)
    assert _login(anonymous, RIGHT).status_code == 200


def test_successful_logins_are_never_counted(anonymous, user):
    """ONE logs in again whenever its token is refused; that never throttles anyone."""
    for _ in range(LIMIT * 3):
        assert _login(anonymous, RIGHT).status_code == 200
    assert not AccessAttempt.objects.exists()


def test_json_login_is_throttled_too(anonymous, user):
    for _ in range(LIMIT):
        response = anonymous.post("/auth-token", WRONG, format="json", REMOTE_ADDR="10.0.0.1")
    _assert_throttled(response)


def test_a_locked_out_login_hashes_no_password(anonymous, user, monkeypatch):
    """The lockout is checked before the password: guessing costs the server nothing more."""
    _fail_until_locked(anonymous, addresses=["10.0.0.1"] * LIMIT, usernames=["alice"] * LIMIT)
    from django.contrib.auth.hashers import MD5PasswordHasher

    calls = []
    original = MD5PasswordHasher.verify
    monkeypatch.setattr(MD5PasswordHasher, "verify",
                        lambda self, *args: calls.append(1) or original(self, *args))
    _assert_throttled(_login(anonymous, RIGHT))
    assert calls == []


def test_forwarded_header_is_ignored_unless_a_setting_trusts_it(anonymous, user, settings):
    """A client-set X-Forwarded-For does not give it a fresh address for every guess."""
    for i in range(LIMIT):
        response = _login(anonymous, {"username": f"u{i}", "password": "x"}, "10.0.0.1",
                          HTTP_X_FORWARDED_FOR=f"192.0.2.{i}")
    _assert_throttled(response)
    settings.MIRROR_CLIENT_IP_HEADER = "X-Forwarded-For"
    response = _login(anonymous, RIGHT, "10.0.0.1", HTTP_X_FORWARDED_FOR="10.0.0.1, 192.0.2.99")
    assert response.status_code == 200  # the proxy's right-most entry is a fresh address
    assert AccessAttempt.objects.filter(ip_address="10.0.0.1").exists()


@pytest.mark.parametrize("login_url", ["/admin/login/", "/auth/login/"])
def test_admin_and_browsable_api_logins_are_throttled(db, user, login_url):
    client = Client()
    for _ in range(LIMIT - 1):
        response = client.post(login_url, WRONG, REMOTE_ADDR="10.0.0.1")
        assert response.status_code == 200  # the form again, with its error
    response = client.post(login_url, WRONG, REMOTE_ADDR="10.0.0.1")
    _assert_throttled(response)
    _assert_throttled(client.post(login_url, RIGHT, REMOTE_ADDR="10.0.0.1"))


def test_odd_usernames_and_headers_are_counted_not_500(anonymous, user):
    """A huge username and a NUL in the user agent are stored cleaned, never a 500 (PostgreSQL
    refuses NUL characters and over-long values); a NUL username is refused by the form."""
    for username in ("a\0b", "x" * 5000):
        response = anonymous.post("/auth-token", {"username": username, "password": "p"},
                                  format="json", REMOTE_ADDR="10.0.0.2",
                                  HTTP_USER_AGENT="agent\0x")
        assert response.status_code == 400, response.content
    attempt = AccessAttempt.objects.get()
    assert attempt.username == "x" * 255 and attempt.user_agent == "agentx"


def test_no_password_reaches_the_attempt_records(anonymous, user):
    _login(anonymous, {"username": "alice", "password": "my-secret-guess"})
    attempt = AccessAttempt.objects.get()
    stored = " ".join(str(value) for value in vars(attempt).values())
    assert "my-secret-guess" not in stored


def test_clients_without_an_address_do_not_share_one_lockout(anonymous, user):
    """Behind a unix socket (no usable REMOTE_ADDR) every client would be the same "address":
    a few wrong passwords for made-up names must not lock everybody out."""
    factories.make_user("bob", password="bob-password-1")
    locked = _fail_until_locked(anonymous, addresses=[""] * LIMIT,
                                usernames=[f"nobody{i}" for i in range(LIMIT)])
    assert locked.status_code == 400, locked.content
    bob = {"username": "bob", "password": "bob-password-1"}
    assert _login(anonymous, bob, "").status_code == 200
    # the username is still counted: guessing one account's password stays throttled
    _fail_until_locked(anonymous, addresses=[""] * LIMIT, usernames=["alice"] * LIMIT)
    _assert_throttled(_login(anonymous, RIGHT, ""))

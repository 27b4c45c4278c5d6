"""HTTP Basic on /data: one password check per download of many files, throttled guessing (429
with Retry-After, not another 401), and no verified login outliving a change to its account."""
import datetime

import pytest
from axes.models import AccessAttempt
from django.db import connection
from django.test.utils import CaptureQueriesContext

from mirror.core.verified_logins import verified_logins
from tests.test_file_serving import _url, basic

RIGHT = basic("alice", "alice-password-1")
LIMIT = 3


@pytest.fixture(autouse=True)
def small_limit(settings):
    settings.AXES_FAILURE_LIMIT = LIMIT
    settings.AXES_COOLOFF_TIME = datetime.timedelta(seconds=900)


def _get(client, world, authorization, address="10.0.0.1", dataset=0):
    return client.get(_url(world.datasets[dataset]), HTTP_AUTHORIZATION=authorization,
                      REMOTE_ADDR=address)


def test_a_download_of_many_files_checks_the_password_once(anonymous, lab_world,
                                                           password_checks):
    for round_ in range(4):
        for index in range(len(lab_world.datasets)):
            assert _get(anonymous, lab_world, RIGHT, dataset=index).status_code == 200, round_
    assert len(lab_world.datasets) * 4 > 10
    assert len(password_checks) == 1


def test_a_remembered_login_costs_the_one_query_a_check_always_made(
        anonymous, lab_world, django_assert_num_queries, settings):
    """A hit reads the user's row (active, same password hash) and nothing more; an anonymous
    download with MIRROR_FILES_AUTH=none is the baseline."""
    _get(anonymous, lab_world, RIGHT)
    settings.MIRROR_FILES_AUTH = "none"
    with CaptureQueriesContext(connection) as public:
        assert _get(anonymous, lab_world, "").status_code == 200
    settings.MIRROR_FILES_AUTH = "basic"
    with django_assert_num_queries(len(public.captured_queries) + 1):
        assert _get(anonymous, lab_world, RIGHT).status_code == 200


def test_the_cache_lifetime_is_honoured(anonymous, lab_world, password_checks, settings):
    settings.MIRROR_VERIFIED_LOGIN_SECONDS = 0
    for _ in range(3):
        assert _get(anonymous, lab_world, RIGHT).status_code == 200
    assert len(password_checks) == 3


def test_a_changed_password_stops_working_at_once(anonymous, lab_world, user):
    assert _get(anonymous, lab_world, RIGHT).status_code == 200
    user.set_password("a-new-password-2")
    user.save()
    assert _get(anonymous, lab_world, RIGHT).status_code == 401
    new = basic("alice", "a-new-password-2")
    assert _get(anonymous, lab_world, new).status_code == 200


def test_a_deactivated_user_stops_at_once(anonymous, lab_world, user):
    assert _get(anonymous, lab_world, RIGHT).status_code == 200
    user.is_active = False
    user.save()
    assert _get(anonymous, lab_world, RIGHT).status_code == 401


def test_no_password_is_kept_in_memory(anonymous, lab_world):
    assert _get(anonymous, lab_world, RIGHT).status_code == 200
    kept = repr(verified_logins._entries)
    assert "alice-password-1" not in kept and "alice" not in kept


def test_wrong_passwords_end_in_429_with_retry_after_not_a_401_loop(anonymous, lab_world,
                                                                    password_checks):
    wrong = basic("alice", "guess")
    for _ in range(LIMIT - 1):
        assert _get(anonymous, lab_world, wrong).status_code == 401
    locked = _get(anonymous, lab_world, wrong)
    assert locked.status_code == 429
    assert 0 < int(locked["Retry-After"]) <= 900
    assert "WWW-Authenticate" not in locked  # ONE's urllib would answer a challenge again
    checks = len(password_checks)
    again = _get(anonymous, lab_world, RIGHT, address="10.0.0.2")  # the username is locked
    assert again.status_code == 429 and "Retry-After" in again
    assert len(password_checks) == checks  # refused without hashing


def test_guesses_from_one_address_lock_that_address(anonymous, lab_world):
    for index in range(LIMIT):
        response = _get(anonymous, lab_world, basic(f"user{index}", "guess"), address="10.0.0.9")
    assert response.status_code == 429
    assert _get(anonymous, lab_world, RIGHT, address="10.0.0.9").status_code == 429
    assert _get(anonymous, lab_world, RIGHT, address="10.0.0.10").status_code == 200


def test_the_challenge_itself_is_not_a_failure(anonymous, lab_world):
    """ONE's urllib asks without credentials first, then answers the 401: never counted."""
    for _ in range(LIMIT * 2):
        assert _get(anonymous, lab_world, "").status_code == 401
    assert not AccessAttempt.objects.exists()
    assert _get(anonymous, lab_world, RIGHT).status_code == 200


@pytest.mark.parametrize("authorization", [
    "Basic !!!", "Basic " + "QQ==" * 3, basic("alice", "")[:-2], "Basic " + "gA==",
    basic("", "pw"), "Bearer abc", "Basic", basic("ali\0ce", "pw"), basic("alice", "p\0w"),
])
def test_malformed_credentials_are_a_challenge_not_500(anonymous, lab_world, authorization):
    assert _get(anonymous, lab_world, authorization).status_code == 401

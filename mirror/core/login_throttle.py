"""Password guessing is throttled per username and per client address, by django-axes.

Every password check goes through `django.contrib.auth.authenticate()` (POST /auth-token, HTTP
Basic on /data, the admin and browsable-API login pages), where axes' backend, first in
AUTHENTICATION_BACKENDS, refuses a locked-out username or address before any password is hashed.
Failures are counted in the database (axes' AccessAttempt table), so every app server behind a
load balancer sees the same counts. MIRROR_LOGIN_FAILURE_LIMIT failures within
MIRROR_LOGIN_LOCKOUT_SECONDS lock the username and the address until that window has passed since
their last failure; refused attempts during a lockout are not counted, so the lockout ends when
`Retry-After` says. Successful logins are never counted, so ONE logging in often is never held.
This module holds the project's side: a username and request details the database accepts, the
429 with `Retry-After`, and how long is left.
"""
import math

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_cool_off, get_failure_limit
from axes.models import AccessBase
from django.http import HttpResponse
from django.utils import timezone
from rest_framework.exceptions import Throttled

USERNAME_MAX_LENGTH = 255  # axes' AccessAttempt.username


def _storable(value) -> str:
    """Text PostgreSQL can store: no NUL character (it refuses them)."""
    return str(value).replace("\0", "")


def attempted_username(request, credentials) -> str | None:
    """The username a login tried (AXES_USERNAME_CALLABLE), cut to what axes stores."""
    username = (credentials or {}).get("username")
    if username is None:
        return None
    return _storable(username)[:USERNAME_MAX_LENGTH]


class LoginAttempts(AxesDatabaseHandler):
    """Axes' database handler, with request details cleaned of what PostgreSQL refuses.

    A user agent, path or Accept header with a NUL would otherwise make the failure's INSERT
    raise (a 500) instead of being counted.
    """

    @staticmethod
    def _clean(request):
        if request is not None:
            for name in ("axes_user_agent", "axes_path_info", "axes_http_accept"):
                if getattr(request, name, None) is not None:
                    setattr(request, name, _storable(getattr(request, name)))

    def is_allowed(self, request, credentials=None) -> bool:
        self._clean(request)
        return super().is_allowed(request, credentials)

    def user_login_failed(self, sender, credentials, request=None, **kwargs):
        self._clean(request)
        return super().user_login_failed(sender, credentials, request, **kwargs)


def seconds_until_unlocked(request, credentials=None) -> int:
    """Whole seconds until every lockout on this username and address has run out (at least 1).

    Per lockout parameter, the failures still inside the window are added up from the newest;
    the row that brings the sum to the limit is the one whose expiry lifts the lockout.
    """
    handler = LoginAttempts()
    limit, cool_off = get_failure_limit(request, credentials), get_cool_off(request)
    unlocked_at = timezone.now()
    for attempts in handler.get_user_attempts(request, credentials):
        failures = 0
        rows = attempts.order_by("-attempt_time").values_list("attempt_time",
                                                              "failures_since_start")
        for attempt_time, count in rows:
            failures += count
            if failures >= limit:
                unlocked_at = max(unlocked_at, attempt_time + cool_off)
                break
    return max(1, math.ceil((unlocked_at - timezone.now()).total_seconds()))


def lockout_message(seconds: int) -> str:
    return (f"Too many failed logins for this username or from this address: try again in "
            f"{seconds} seconds.")


def lockout_response(request, original_response=None, credentials=None) -> HttpResponse:
    """AXES_LOCKOUT_CALLABLE: 429 with Retry-After, for the admin, login pages and /data."""
    if original_response is not None and original_response.status_code == 429:
        return original_response  # the view answered it already (/data)
    seconds = seconds_until_unlocked(request, credentials)
    response = HttpResponse(lockout_message(seconds), status=429,
                            content_type="text/plain; charset=utf-8")
    response["Retry-After"] = str(seconds)
    return response


def throttled(request, credentials=None) -> Throttled:
    """The same for a REST view: DRF's 429, which sets Retry-After from `wait`."""
    seconds = seconds_until_unlocked(request, credentials)
    return Throttled(wait=seconds, detail=lockout_message(seconds))


def lockout_parameters(request_or_attempt, credentials=None) -> list[str]:
    """What failures are counted by (AXES_LOCKOUT_PARAMETERS): the username and the address,
    each on its own, leaving out either one that is unknown.

    A client with no usable address (a unix socket without the proxy header) would otherwise be
    counted under one empty address shared by every such client, so that a few wrong passwords
    for made-up names locked everybody out.
    """
    if isinstance(request_or_attempt, AccessBase):  # a stored attempt
        address, username = request_or_attempt.ip_address, request_or_attempt.username
    else:  # a request (Django's or DRF's)
        address = getattr(request_or_attempt, "axes_ip_address", None)
        username = attempted_username(request_or_attempt, credentials)
    parameters = [name for name, value in (("username", username), ("ip_address", address))
                  if value]
    return parameters or ["username"]

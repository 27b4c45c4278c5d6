"""Who may read files under /data: MIRROR_FILES_AUTH `basic` (the default) or `none`.

`basic` is HTTP Basic with a 401 challenge, the only login ONE's downloader sends
(HTTP_DATA_SERVER_LOGIN / HTTP_DATA_SERVER_PWD in its params). A verified login is remembered
briefly (mirror.core.verified_logins), so a download of many files checks the password once;
a failed one counts towards the login throttle (mirror.core.login_throttle), and a throttled
one answers 429 with Retry-After, not a challenge that ONE would answer with the same password.
`none` serves every file to anyone, for a mirror of public data.
"""
import base64
import binascii

from django.conf import settings
from django.contrib.auth import authenticate
from django.http import HttpResponse

from mirror.core import login_throttle
from mirror.core.verified_logins import verified_logins


def _basic_credentials(request) -> tuple[str, str] | None:
    header = request.META.get("HTTP_AUTHORIZATION", "")
    if not header[:6].lower() == "basic ":
        return None
    try:
        username, colon, password = base64.b64decode(header[6:], validate=True).decode() \
            .partition(":")
    except (binascii.Error, ValueError):
        return None
    if not (colon and username) or "\0" in username:  # no database stores a NUL in a name
        return None
    return username, password


def _challenge() -> HttpResponse:
    response = HttpResponse("Log in with your mirror username and password.", status=401,
                            content_type="text/plain")
    response["WWW-Authenticate"] = 'Basic realm="mirror data", charset="UTF-8"'
    return response


def files_refusal(request) -> HttpResponse | None:
    """None if the request may read files; else the 401 challenge or the 429 to answer."""
    if settings.MIRROR_FILES_AUTH == "none":
        return None
    credentials = _basic_credentials(request)
    if credentials is None:
        return _challenge()
    username, password = credentials
    if verified_logins.holds(username, password):
        return None
    user = authenticate(request, username=username, password=password)
    if getattr(request, "axes_locked_out", False):
        return login_throttle.lockout_response(request, credentials={"username": username})
    if user is None:
        return _challenge()
    verified_logins.remember(username, password, user)
    return None

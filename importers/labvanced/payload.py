"""What the webhook accepts from Labvanced's player, checked before anything is stored (pure).

The player posts from a participant's browser, so every body is untrusted: it is parsed with a
bound on nesting, NUL characters are dropped (PostgreSQL refuses them), and each field is held
to the type and range it has in Labvanced's player. Any other body is a `Refused` with the HTTP
status and a message the webhook answers with; nothing about it reaches the database.
"""
import json
import re

from importers.core import clean
from importers.labvanced.parse import parse_local_time

MAX_INT = 2**31 - 1  # the database's integer columns
MAX_TEXT = 255
BRACKETS = re.compile(r"[^\[\]]+")


class Refused(Exception):
    """A webhook call that is answered `{"success": false, "error": <message>}` with `status`."""

    status = 400

    def __init__(self, message: str, *, retry_after: int | None = None):
        super().__init__(message)
        self.retry_after = retry_after


class BadPayload(Refused):
    """The player sent something this route cannot use (400)."""


class WrongStudy(Refused):
    """The call names another study than the connection's (403)."""

    status = 403


class NotOpen(Refused):
    """The session is not one the webhook opened and still runs (409)."""

    status = 409


class TooLarge(Refused):
    """A session's cap (trials, table size, files, metadata) would be passed (413)."""

    status = 413


class Busy(Refused):
    """The database could not serve the call now (503, with Retry-After)."""

    status = 503


class OverQuota(Refused):
    """The connection's hourly quota is used up (429, with Retry-After)."""

    status = 429


def json_body(body: bytes) -> dict:
    """A JSON object body, nested at most clean.MAX_JSON_DEPTH deep, without NUL characters."""
    try:
        payload = json.loads(body or b"{}")
    except (ValueError, UnicodeDecodeError) as error:
        raise BadPayload(f"the body is not valid JSON ({error})") from None
    except RecursionError:
        raise BadPayload(f"the body is nested deeper than {clean.MAX_JSON_DEPTH} levels") \
            from None
    return _object(payload, "the JSON body")


def form_body(form) -> dict:
    """jQuery's `recData[data][rt]=523` → {"recData": {"data": {"rt": "523"}}}."""
    result: dict = {}
    for key, value in form.items():
        parts = BRACKETS.findall(key) or [key]
        if len(parts) > clean.MAX_JSON_DEPTH:
            raise BadPayload(f"'{parts[0]}' is nested deeper than {clean.MAX_JSON_DEPTH} levels")
        node = result
        for part in parts[:-1]:
            node = node.setdefault(part, {})
            if not isinstance(node, dict):
                raise BadPayload(f"'{part}' is sent both as a value and as an object")
        if isinstance(node.get(parts[-1]), dict):
            raise BadPayload(f"'{parts[-1]}' is sent both as a value and as an object")
        node[parts[-1]] = value
    return _object(result, "the form body")


def _object(payload, what: str) -> dict:
    if not isinstance(payload, dict):
        raise BadPayload(f"{what} must be an object")
    try:
        return clean.json_value(payload)
    except clean.TooDeep as error:
        raise BadPayload(f"{what} is {error}") from None


def whole_number(payload: dict, name: str, *, required: bool = False, default=None,
                 low: int = 0, high: int = MAX_INT) -> int | None:
    """An integer field (a JSON number or digits, as form bodies send) from `low` to `high`."""
    value = payload.get(name)
    if value in (None, ""):
        if required:
            raise BadPayload(f"'{name}' is missing")
        return default
    text = str(value).strip()
    if isinstance(value, (bool, dict, list)) or not (text.isascii() and text.isdigit()) \
            or len(text) > 10 or not low <= int(text) <= high:
        raise BadPayload(f"'{name}' must be a whole number from {low} to {high}")
    return int(text)


def session_key(payload: dict) -> str:
    """`expSessionNr`, Labvanced's key of the session, as text."""
    return str(whole_number(payload, "expSessionNr", required=True, low=1))


def check_study(payload: dict, target: str) -> None:
    """Refuse a call for another study than the one the webhook URL belongs to."""
    given = payload.get("expId")
    if given not in (None, "") and str(given) != str(target):
        raise WrongStudy(f"this webhook URL is for study {target}, not {str(given)[:40]}")


def obj(payload: dict, name: str) -> dict:
    """An object field (`var_data`), empty when absent."""
    value = payload.get(name)
    if value in (None, ""):
        return {}
    if not isinstance(value, dict):
        raise BadPayload(f"'{name}' must be an object")
    return value


def trial_data(payload: dict) -> dict:
    """`recData.data`: the trial's recorded variables."""
    data = obj(payload, "recData").get("data")
    if not isinstance(data, dict):
        raise BadPayload("'recData.data' must be an object of recorded variables")
    return data


def short_text(payload: dict, name: str) -> str:
    """A name-like field (task name, block name): text of a scalar, at most MAX_TEXT long."""
    value = payload.get(name)
    if isinstance(value, (dict, list)):
        raise BadPayload(f"'{name}' must be a text or a number")
    return clean.text(value, MAX_TEXT)


def local_time(payload: dict, name: str):
    """A Labvanced time (`2021-06-17 12:03:14+02`) as the participant's wall-clock time."""
    value = payload.get(name)
    if isinstance(value, (dict, list)):
        raise BadPayload(f"'{name}' must be a time, e.g. 2021-06-17 12:03:14+02")
    try:
        return parse_local_time(str(value or ""))
    except ValueError as error:
        raise BadPayload(str(error)) from None

"""What a browser checks on a CORS answer, and how jQuery form-encodes nested data.

The webhook posts come from the participant's browser (reference A.2), so a receiver that a browser
would block is broken even if curl succeeds. These checks are the browser's (Fetch spec) plus the
Labvanced docs' stricter header list, which only warns because browsers do not enforce it.
"""
from urllib.parse import urlencode

LABVANCED_ORIGIN = "https://www.labvanced.com"
SIMPLE_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data", "text/plain")


def needs_preflight(content_type: str) -> bool:
    """A cross-origin POST is preflighted unless its content type is CORS-safelisted."""
    return content_type.split(";")[0].strip().lower() not in SIMPLE_TYPES


def _tokens(value: str | None) -> set[str]:
    return {part.strip().lower() for part in (value or "").split(",") if part.strip()}


def origin_problems(headers, origin: str = LABVANCED_ORIGIN) -> list[str]:
    allowed = headers.get("Access-Control-Allow-Origin")
    if allowed not in ("*", origin):
        return [f"Access-Control-Allow-Origin is {allowed!r}, the browser needs {origin!r} or '*'"]
    return []


def preflight_problems(status: int, headers, request_headers: str,
                       origin: str = LABVANCED_ORIGIN) -> tuple[list[str], list[str]]:
    """(failures a browser enforces, warnings against the Labvanced docs) for an OPTIONS answer."""
    failures = [] if 200 <= status < 300 else [f"preflight answered {status}, not 2xx"]
    failures += origin_problems(headers, origin)
    allowed = _tokens(headers.get("Access-Control-Allow-Headers"))
    missing = _tokens(request_headers) - allowed
    if missing and "*" not in allowed:
        failures.append(f"Access-Control-Allow-Headers lacks {', '.join(sorted(missing))}")
    methods = _tokens(headers.get("Access-Control-Allow-Methods"))
    lacking = {"post", "options"} - methods
    if not lacking or "*" in methods:
        return failures, []
    return failures, [f"Access-Control-Allow-Methods lacks {', '.join(sorted(lacking)).upper()}"
                      " (the Labvanced docs ask for it; browsers do not enforce it)"]


def jquery_param(data: dict) -> str:
    """`$.param` of nested data: `recData[data][rt]=523`, `a[]=1`, null -> '', {} -> nothing."""
    pairs: list[tuple[str, str]] = []

    def add(key: str, value) -> None:
        if isinstance(value, dict):
            for name, item in value.items():
                add(f"{key}[{name}]" if key else str(name), item)
        elif isinstance(value, list):
            for index, item in enumerate(value):
                add(f"{key}[{index if isinstance(item, dict | list) else ''}]", item)
        elif isinstance(value, bool):
            pairs.append((key, "true" if value else "false"))
        else:
            pairs.append((key, "" if value is None else str(value)))

    add("", data)
    return urlencode(pairs)

"""HyperStudy's REST API v3 (reference §C): the fetch functions, HTTP only.

Every answer is an envelope `{status, data, metadata}`. Data lists page by `limit`/`offset`
and are read while `metadata.pagination.hasMore` says so (`total` is known to be wrong, and
`nextOffset` is absent on the last page). The stated limits, 1,000 requests an hour per key
and 100 a minute per endpoint, are kept before they bite (importers.core.pacing); a 429
that comes anyway is waited out (`Retry-After`). Errors are keyed on the HTTP status (the
401 code differs between the docs and the SDK); a missing scope (403) names the scope.
"""
import json
import time
from collections.abc import Iterator
from urllib.parse import urlsplit

from importers.core.errors import BadSourceData, SourceError
from importers.core.hosts import link_problem
from importers.core.http import MAX_JSON_BYTES, SourceClient
from importers.core.pacing import RequestBudget, Window
from importers.core.settings import connection_setting

DEFAULTS = {
    "page_size": 1000,  # HyperStudy's default and most
    "requests_per_hour": 1000,  # per key, as HyperStudy states
    "requests_per_minute": 100,  # per endpoint
    "timeout": 60,
    "retries": 4,
    "backoff": 0.5,
    "max_json_bytes": MAX_JSON_BYTES,  # an answer larger is refused, not held
    "max_retry_after": 3700,  # an hour's budget spent: wait for the next hour, then go on
}
MAX_PAGES = 1_000_000
# How the budget reads time and waits (tests put a simulated clock here).
CLOCK, SLEEP = time.monotonic, time.sleep


def setting(connection, name: str):
    return connection_setting(connection, name, DEFAULTS)


def endpoint_of(url: str) -> str:
    """The endpoint a per-endpoint budget counts: `/data/<type>` (a data type's every scope
    and id), the recording mint, or the path for the rest."""
    path = urlsplit(url).path
    parts = path.split("/data/", 1)
    if len(parts) == 2:
        rest = parts[1].split("/")
        if rest[0] == "ratings" and len(rest) > 1:
            return f"/data/ratings/{rest[1]}"
        if rest[0] == "recordings" and len(rest) > 1 and rest[1] == "download":
            return "/data/recordings/download"
        return f"/data/{rest[0]}"
    return path


def make_client(connection, **overrides) -> SourceClient:
    budget = RequestBudget([
        Window(int(setting(connection, "requests_per_hour")), 3600),
        Window(int(setting(connection, "requests_per_minute")), 60, endpoint_of)],
        clock=CLOCK, sleep=SLEEP)
    options = {"connection_name": connection.name,
               "headers": {"X-API-Key": connection.credential, "Accept": "application/json"},
               "timeout": float(setting(connection, "timeout")),
               "retries": int(setting(connection, "retries")),
               "backoff": float(setting(connection, "backoff")),
               "max_json_bytes": int(setting(connection, "max_json_bytes")),
               "max_retry_after": float(setting(connection, "max_retry_after")),
               "budget": budget, "sleep": SLEEP}
    options.update(overrides)
    return SourceClient(**options)


def url(connection, path: str) -> str:
    return f"{connection.base_url.rstrip('/')}/{path.lstrip('/')}"


def _scope_fix(error: SourceError, connection) -> SourceError:
    """A 403 names the scope the key lacks (from the envelope's details, else its message)."""
    required = None
    try:
        details = json.loads(error.said).get("error", {}).get("details") or {}
        required = ", ".join(details.get("required") or []) or None
    except (ValueError, AttributeError):
        pass
    scope = required or "the scope the message names"
    return SourceError(connection=error.connection, url=error.url, status=403, said=error.said,
                       fix=f"add {scope} to the API key's scopes in HyperStudy (or make a key "
                       f"with it), then `manage.py mirror_connection {connection.name} "
                       "--credential-env VARIABLE`")


def _envelope(answer, what: str) -> tuple:
    if not isinstance(answer, dict) or answer.get("status") != "success" or "data" not in answer:
        raise BadSourceData(what, "the answer is not HyperStudy's {status, data, metadata} "
                            "envelope: check the base URL (…/api/v3)")
    metadata = answer.get("metadata") if isinstance(answer.get("metadata"), dict) else {}
    return answer["data"], metadata


def get(client: SourceClient, connection, path: str, params=None) -> tuple:
    """(data, metadata) of one GET."""
    try:
        answer = client.get_json(url(connection, path), params=params)
    except SourceError as error:
        raise _scope_fix(error, connection) if error.status == 403 else error from None
    return _envelope(answer, path)


def one(data) -> dict:
    """A single object, whichever form HyperStudy sent it in (an object, or a list of one)."""
    if isinstance(data, list) and len(data) == 1:
        data = data[0]
    if not isinstance(data, dict):
        raise BadSourceData("single object", "the answer's data is not one object")
    return data


def records(client: SourceClient, connection, data_type: str, scope: str, scope_id: str,
            warnings: list[str], **params) -> Iterator[dict]:
    """Every record of a data type, page by page while `hasMore`; `_warnings` are added to
    `warnings` (HyperStudy says with them that results may be incomplete)."""
    limit = int(setting(connection, "page_size"))
    offset = 0
    path = f"data/{data_type}/{scope}/{scope_id}"
    for _ in range(MAX_PAGES):
        data, metadata = get(client, connection, path,
                             params={**params, "limit": limit, "offset": offset})
        for warning in metadata.get("_warnings") or []:
            text = f"{data_type}: {warning}"
            if text not in warnings:
                warnings.append(text)
        if not isinstance(data, list):
            raise BadSourceData(path, "a data page's `data` is not a list")
        yield from (item for item in data if isinstance(item, dict))
        pagination = metadata.get("pagination") or {}
        if not pagination.get("hasMore"):
            return
        following = pagination.get("nextOffset")
        following = following if isinstance(following, int) else offset + len(data)
        if following <= offset:
            raise BadSourceData(path, f"hasMore, but the next offset ({following}) does not "
                                "move past this page")
        offset = following
    raise BadSourceData(path, f"more than {MAX_PAGES} pages")


def recording_link(client: SourceClient, connection, recording: dict) -> str:
    """Where a recording's bytes are: `downloadPath` minted to a signed URL (asked each time:
    signed URLs expire), else `downloadUrl`, else `url`."""
    if recording.get("downloadPath"):
        data, _ = get(client, connection, str(recording["downloadPath"]))
        link = one(data).get("url")
    else:
        link = recording.get("downloadUrl") or recording.get("url")
    if not isinstance(link, str) or not link.startswith(("http://", "https://")):
        raise BadSourceData(f"recording {recording.get('recordingId')}", "has no download URL")
    problem = link_problem(link, connection.base_url)
    if problem:
        raise BadSourceData(f"recording {recording.get('recordingId')}",
                            f"its download link {problem}")
    return link


def download_recording(client: SourceClient, connection, recording: dict, handle, *,
                       max_bytes: int) -> int:
    """Stream a recording without the API key; an expired link (403) is minted again, once;
    a size that differs from the declared `fileSize` is an error."""
    for attempt in range(2):
        link = recording_link(client, connection, recording)
        try:
            written = client.download(link, handle, bare=True, max_bytes=max_bytes)
            break
        except SourceError as error:
            if error.status != 403 or attempt == 1 or not recording.get("downloadPath"):
                raise
    declared = recording.get("fileSize")
    if isinstance(declared, int) and declared != written:
        raise BadSourceData(f"recording {recording.get('recordingId')}",
                            f"{written} bytes came, {declared} were declared")
    return written

"""The HTTP side of the fake Labvanced: routing, auth, forced faults and the bytes on the wire.

Kept apart from `labvanced.py` (lifecycle, switches, CLI) so each stays readable. Every error body,
forced or not, has one shape: `{"error": "<what went wrong>", "status": <code>}` (upstream's shape
is unknown, reference E); `html=True` faults answer an HTML page instead, as a proxy in front would.
"""
import hmac
import re
from urllib.parse import parse_qs, urlsplit

from tests.fakes.labvanced_faults import ForcedError, RecordedRequest
from tests.fakes.loopback import FakeHandler, Response, error_response, json_response

HTML_ERROR = "<html><head><title>{0}</title></head><body><h1>{0}</h1></body></html>"


def path_pattern(template: str) -> re.Pattern:
    """`/api/{exp_id}/download/{rec_session_id}` -> a regex with integer named groups."""
    parts = re.split(r"\{(\w+)\}", template)
    regex = "".join(re.escape(p) if i % 2 == 0 else rf"(?P<{p}>\d+)" for i, p in enumerate(parts))
    return re.compile(f"^{regex}$")


def echoed(error: ForcedError, sent: str) -> str:
    """The error text, with the credential received in it if the fault says so."""
    _, _, token = sent.partition(" ")
    token = token or sent
    message = f"forced {error.status} by the fake"
    if error.echo == "full":
        return f"{message}: invalid credential '{sent}'"
    if error.echo == "token":
        return f"{message}: invalid token {token}"
    if error.echo == "cut":
        return f"{message}: invalid token {token[:12]}…"
    if error.echo == "padded":
        return f"{message}: {'x' * (270 - len(message))} token={token} rejected"
    return message


def forced_response(error: ForcedError, sent: str = "") -> Response:
    headers = {"Retry-After": str(error.retry_after)} if error.retry_after is not None else {}
    text = echoed(error, sent)
    if error.html:
        title = f"{error.status} Error: {text}" if error.echo else f"{error.status} Error"
        page = HTML_ERROR.format(title).encode("utf-8")
        return Response(error.status, page, {"Content-Type": "text/html", **headers})
    return error_response(error.status, text, **headers)


def is_authorized(fake, headers) -> bool:
    """Constant-time token check in the configured header and scheme (scheme case-insensitive)."""
    if fake.token is None:
        return True
    value = headers.get(fake.auth_header) or ""
    if fake.auth_scheme:
        scheme, _, value = value.partition(" ")
        if scheme.lower() != fake.auth_scheme.lower():
            return False
    return hmac.compare_digest(value.strip().encode(), fake.token.encode())


def route(fake, path: str) -> tuple[str, dict[str, int]]:
    for kind, template in (("sessions", fake.sessions_path), ("download", fake.download_path)):
        match = path_pattern(template).match(path)
        if match:
            return kind, {k: int(v) for k, v in match.groupdict().items()}
    return "unknown", {}


def answer(fake, method: str, target: str, headers, body: bytes | None = None
           ) -> tuple[RecordedRequest, Response]:
    """Log the request, then decide its answer: forced fault, auth, not found, or data."""
    url = urlsplit(target)
    query = parse_qs(url.query)
    kind, ids = route(fake, url.path)
    authorized = is_authorized(fake, headers)
    record = fake.log.add(RecordedRequest(method, url.path, query, fake.log.redact(headers),
                                          kind, authorized))
    forced = fake.faults.take_error(url.path)
    if forced:
        return record, forced_response(forced, headers.get(fake.auth_header) or "")
    if method != "GET":
        return record, error_response(405, f"{method} is not allowed here", Allow="GET")
    if kind == "unknown":
        return record, error_response(404, f"no route for {url.path}")
    if not authorized:
        challenge = fake.auth_scheme or "Token"
        return record, error_response(401, "missing or invalid API token",
                                      **{"WWW-Authenticate": challenge})
    if kind == "sessions":
        return record, _session_list(fake, ids["exp_id"], query)
    return record, _download(fake, ids["exp_id"], ids["rec_session_id"])


def _session_list(fake, exp_id: int, query: dict[str, list[str]]) -> Response:
    sessions = fake.store.sessions(exp_id)
    if sessions is None:
        return error_response(404, f"experiment {exp_id} not found")
    try:
        page = int(query.get("page", ["1"])[0])
        size = int(query["limit"][0]) if "limit" in query else fake.page_size
    except ValueError:
        return error_response(400, "page and limit must be integers")
    if size is None:
        return json_response(200, sessions)
    if page < 1 or size < 1:
        return error_response(400, "page and limit must be positive")
    return json_response(200, sessions[(page - 1) * size:page * size])


def _download(fake, exp_id: int, rec_id: int) -> Response:
    if exp_id not in fake.store.experiments():
        return error_response(404, f"experiment {exp_id} not found")
    data = fake.store.zip_bytes(exp_id, rec_id)
    if data is None:
        return error_response(404, f"session {rec_id} not found in experiment {exp_id}")
    headers = {"Content-Type": "application/zip",
               "Content-Disposition": f'attachment; filename="{rec_id}.zip"'}
    mode = fake.faults.truncated.get(rec_id)
    if mode == "body":
        return Response(200, data[: len(data) // 2], headers)
    if mode == "connection":
        return Response(200, data[: len(data) // 2], headers, declared_length=len(data),
                        close=True)
    return Response(200, data, headers)


class Handler(FakeHandler):
    """The shared handler (`tests.fakes.loopback`), named for the Server header."""

    server_version = "FakeLabvanced/1.0"

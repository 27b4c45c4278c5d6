"""The HTTP side of the fake Labstep: routing, the `apikey` check, forced faults, entity endpoints.

Order of business per request: log it (secrets redacted), then a forced fault if one is armed,
then auth (every `/api/` path; signed URLs need none), then the route. Success is always exactly
200, as the SDK raises on anything else. Errors are `{"error": "<text>"}` (upstream's shape is
undocumented, reference B.1); forced 502/503/504 answer an nginx HTML page, as the gateway in
front of a real API does. File transfers live in `labstep_transfer.py`.
"""
import hmac
import json
import re
from http import HTTPStatus
from urllib.parse import parse_qs, urlsplit

from tests.fakes.faults import ForcedError, RecordedRequest
from tests.fakes.labstep_errors import labstep_error, nginx_error
from tests.fakes.labstep_paging import page_size
from tests.fakes.labstep_store import ENTITIES, OLDEST_FIRST, parse_ts
from tests.fakes.labstep_transfer import download_link, serve_signed, too_large, upload
from tests.fakes.loopback import FakeHandler, Response, json_response

GATEWAY_STATUSES = (502, 503, 504)
LEGACY_GET = {"protocol"}  # entities the SDK fetches as GET /api/generic/<entity>/<id>
ROUTES = [  # (kind, method, pattern)
    ("user-info", "GET", r"/api/generic/user/info"),
    ("download", "POST", r"/api/generic/file/download/(?P<id>[^/]+)"),
    ("upload", "POST", r"/api/generic/file/upload"),
    ("collection", None, r"/api/generic/(?P<entity>[a-z-]+)"),
    ("member", None, r"/api/generic/(?P<entity>[a-z-]+)/(?P<id>[^/]+)"),
    ("signed", "GET", r"/_signed/(?P<token>[^/]+)"),
]
_COMPILED = [(kind, method, re.compile(f"^{pattern}$")) for kind, method, pattern in ROUTES]


def forced_response(error: ForcedError) -> Response:
    headers = {"Retry-After": str(error.retry_after)} if error.retry_after is not None else {}
    phrase = HTTPStatus(error.status).phrase
    if error.html or (error.html is None and error.status in GATEWAY_STATUSES):
        return nginx_error(error.status, phrase, **headers)
    return labstep_error(error.status, phrase, **headers)


def route(method: str, path: str) -> tuple[str, dict[str, str]]:
    for kind, wanted, pattern in _COMPILED:
        match = pattern.match(path)
        if match and (wanted is None or wanted == method):
            return kind, match.groupdict()
        if match:
            return "wrong-method", {"allow": wanted}
    return "unknown", {}


def is_authorized(fake, headers) -> bool:
    if fake.api_key is None:
        return True
    return hmac.compare_digest((headers.get("apikey") or "").encode(), fake.api_key.encode())


def answer(fake, method: str, target: str, headers, body: bytes | None
           ) -> tuple[RecordedRequest, Response]:
    url = urlsplit(target)
    query = parse_qs(url.query, keep_blank_values=True)
    kind, args = route(method, url.path)
    authorized = is_authorized(fake, headers)
    record = fake.log.add(RecordedRequest(method, url.path, query, fake.log.redact(headers),
                                          _kind(kind, args, query), authorized))
    forced = fake.faults.take_error(url.path)
    if forced:
        return record, forced_response(forced)
    if body is None:  # over the upload limit: the gateway refuses it before the API sees it
        return record, too_large(hang_up=True)
    if kind == "signed":
        return record, serve_signed(fake, args["token"], headers)
    if url.path.startswith("/api/") and not authorized:
        return record, labstep_error(401, "Unauthorized")
    params = {k: v[-1] for k, v in query.items()}
    response = _dispatch(fake, method, kind, {**args, "path": url.path}, params, body, headers)
    if response.status == 200 and fake.faults.take("malformed", url.path):
        response.body = response.body[: max(1, len(response.body) // 2)]
    return record, response


def _kind(kind: str, args: dict, query: dict) -> str:
    """The log's name for a request: list / get / legacy-get / edit, or the route's kind."""
    if kind == "collection":
        return "get" if "get_single" in query else "list"
    if kind == "member":
        return "legacy-get" if args.get("entity") in LEGACY_GET else "edit"
    return kind


def _dispatch(fake, method, kind, args, params, body, headers) -> Response:
    if kind == "wrong-method":
        return labstep_error(405, "Method Not Allowed", Allow=args["allow"])
    if kind == "user-info":
        return json_response(200, fake.store.user_info())
    if kind == "download":
        return download_link(fake, args["id"])
    if kind == "upload":
        return upload(fake, headers, body)
    entity = args.get("entity")
    if kind == "collection" and entity in ENTITIES and method == "GET":
        return _get_one(fake, entity, params) if "get_single" in params \
            else _list(fake, entity, params)
    if kind == "member" and entity in ENTITIES:
        if method == "PUT":
            return _edit(fake, entity, args["id"], body)
        if method == "GET" and entity in LEGACY_GET:
            return _legacy_get(fake, entity, args["id"])
    if kind in ("collection", "member") and entity in ENTITIES:
        return labstep_error(405, f"{method} {entity} is not modelled by the fake")
    return labstep_error(404, f'No route found for "{method} {args["path"]}"')


def _list(fake, entity: str, params: dict[str, str]) -> Response:
    """A cursor page. Soft-deleted rows are left out unless `is_deleted` asks for them: the
    SDK's `getEntities` never sends `is_deleted`, so its lists never show deleted rows, while
    its `getEntity` always sends `is_deleted=both` (see `_get_one`)."""
    if "get_count" in params:
        return labstep_error(400, "get_count is not modelled by the fake (its shape is unknown)")
    try:
        count = page_size(params.get("count"), fake.default_count)
        rows = fake.store.query(entity, params)
        page, next_cursor = fake.cursors.page(entity, rows, count, params.get("cursor", "-1"),
                                              descending=entity not in OLDEST_FIRST)
    except ValueError as exc:
        return labstep_error(400, str(exc))
    items = [fake.store.view(entity, row) for row in page]
    return json_response(200, {"items": items, "next_cursor": next_cursor, "total": len(rows)})


def _get_one(fake, entity: str, params: dict[str, str]) -> Response:
    """`get_single=1&id=` (or `guid=`); soft-deleted rows only with `is_deleted=both` (or 1),
    which the SDK always sends except for entity-state and notification."""
    by = "id" if "id" in params else "guid" if "guid" in params else None
    if by is None:
        return labstep_error(400, "get_single needs id or guid")
    try:
        visible = fake.store.deleted_test(params.get("is_deleted", "0"))
    except ValueError as exc:
        return labstep_error(400, str(exc))
    row = fake.store.find(entity, params[by], by=by)
    if row is None or not visible(row):
        return labstep_error(404, f"{entity} {params[by]} not found")
    return json_response(200, fake.store.view(entity, row))


def _legacy_get(fake, entity: str, ident: str) -> Response:
    """The legacy path form has no is_deleted switch; the fake serves deleted rows too."""
    row = fake.store.find(entity, ident)
    if row is None:
        return labstep_error(404, f"{entity} {ident} not found")
    return json_response(200, fake.store.view(entity, row))


def _edit(fake, entity: str, ident: str, body: bytes | None) -> Response:
    row = fake.store.find(entity, ident, by="id" if ident.isdigit() else "guid")
    if row is None:
        return labstep_error(404, f"{entity} {ident} not found")
    try:
        fields = json.loads(body or b"{}")
        if not isinstance(fields, dict):
            raise ValueError("the body must be a JSON object")
        for name in ("deleted_at", "started_at", "ended_at", "locked_at"):
            if fields.get(name) is not None:
                parse_ts(fields[name])
    except ValueError as exc:
        return labstep_error(400, str(exc))
    return json_response(200, fake.store.view(entity, fake.store.edit(entity, row, fields)))


class Handler(FakeHandler):
    server_version = "nginx"
    sys_version = ""

    def version_string(self) -> str:
        return self.server_version

"""The HTTP side of the fake HyperStudy: routing, the order of checks, the rate-limit gate.

The API lives under `/api/v3` (point the SDK's `base_url` at `fake.api_url`); anything else
but the storage bucket (`/storage/...`, hyperstudy_recordings.py) is Express's HTML "Cannot GET".
Per API request, in order: log it (key redacted), count it for the rate limits (any request
with a valid key but `/health`, whatever it is then answered), a forced fault if one is armed,
`/health` (no key needed), the key (401), the rate limits (429 + Retry-After), an unknown route
(404), the key's scopes (403), the route's own 400/404s, and finally the one-shot
malformed-JSON switch on a 200.

An "endpoint", for the per-minute limit, is `/data/<dataType>` for data endpoints (so
`/data/events` and `/data/chat` have separate budgets, the recording mint is
`/data/recordings/download`) and the route template otherwise (`/experiments/{id}`). With
`endpoint_key="route"` all data types share one budget, `/data/{dataType}/{scope}/{scopeId}`:
whether upstream counts per data type is unknown (reference E).
"""
import re
from urllib.parse import parse_qs, unquote, urlsplit

from tests.fakes import hyperstudy_catalog as catalog
from tests.fakes.faults import RecordedRequest
from tests.fakes.hyperstudy_auth import authenticate, require
from tests.fakes.hyperstudy_data import data_answer
from tests.fakes.hyperstudy_envelope import ApiError, error, express_not_found, forced
from tests.fakes.hyperstudy_recordings import STORAGE, mint, serve_object
from tests.fakes.hyperstudy_store import DATA_TYPES
from tests.fakes.loopback import FakeHandler, Response

API = "/api/v3"
DATA_ROUTE = "/data/{dataType}/{scope}/{scopeId}"
ROUTES = [  # kind, endpoint (route template), pattern (after /api/v3), scope needed
    ("health", "/health", r"/health", None),
    ("mint", "/data/recordings/download/{roomId}/{recordingId}",
     r"/data/recordings/download/(?P<room>[^/]+)/(?P<id>[^/]+)", "read:recordings"),
    ("check-access", "/data/check-access/{scope}/{id}",
     r"/data/check-access/(?P<scope>[^/]+)/(?P<id>[^/]+)", None),
    ("variables", "/data/variables/{scope}/{id}",
     r"/data/variables/(?P<scope>[^/]+)/(?P<id>[^/]+)", "read:events"),
    ("counts", "/data/counts/{scope}/{id}", r"/data/counts/(?P<scope>[^/]+)/(?P<id>[^/]+)",
     "read:events"),
    ("data", DATA_ROUTE, r"/data/(?P<type>ratings/[^/]+|[^/]+)/(?P<scope>[^/]+)/(?P<id>[^/]+)",
     None),
    ("experiments", "/experiments", r"/experiments", "read:experiments"),
    ("experiments", "/experiments/shared", r"/experiments/shared", "read:experiments"),
    ("experiment", "/experiments/{id}", r"/experiments/(?P<id>[^/]+)(?:/(?P<part>config|export))?",
     "read:experiments"),
    ("deployments", "/deployments", r"/deployments", "read:experiments"),
    ("deployment", "/deployments/{id}", r"/deployments/(?P<id>[^/]+)", "read:experiments"),
    ("sessions", "/deployments/{id}/sessions", r"/deployments/(?P<id>[^/]+)/sessions",
     "read:experiments"),
]
_COMPILED = [(kind, endpoint, re.compile(f"^{pattern}$"), needs)
             for kind, endpoint, pattern, needs in ROUTES]


def route(method: str, path: str) -> tuple[str, str, dict[str, str], str | None]:
    """(kind, endpoint template, path arguments, scope needed); kind "unknown" if none."""
    if method == "GET":
        for kind, endpoint, pattern, needs in _COMPILED:
            match = pattern.match(path)
            if match:
                return kind, endpoint, {k: unquote(v) for k, v in match.groupdict().items()
                                        if v is not None}, needs
    return "unknown", path, {}, None


def endpoint_of(fake, kind: str, endpoint: str, args: dict[str, str]) -> str:
    if fake.endpoint_key == "route":
        return endpoint
    if kind == "data":
        return f"/data/{args['type']}"
    if kind == "mint":
        return "/data/recordings/download"
    return endpoint


def answer(fake, method: str, target: str, headers, body: bytes | None
           ) -> tuple[RecordedRequest, Response]:
    url = urlsplit(target)
    query = parse_qs(url.query, keep_blank_values=True)
    params = {k: v[-1] for k, v in query.items()}
    path = url.path
    inside = path.startswith(API + "/")
    kind = "storage" if path.startswith(STORAGE) else "outside"
    endpoint, args, needs = path, {}, None
    if inside:
        kind, endpoint, args, needs = route(method, path[len(API):])
    key = fake.keys.find(headers.get("X-API-Key"))
    record = fake.log.add(RecordedRequest(method, path, query, fake.log.redact(headers), kind,
                                          key is not None))
    wait = None  # every keyed API request counts, even one a forced fault then answers
    if inside and key is not None and kind != "health":
        wait = fake.limiter.hit(key.key, endpoint_of(fake, kind, endpoint, args))
    fault = fake.faults.take_error(path)
    if fault:
        return record, forced(fault, fake.auth_error_code)
    if kind == "storage":
        return record, serve_object(fake, path, params, headers)
    if not inside:
        return record, express_not_found(method, path)
    try:
        response = _api(fake, method, kind, args, needs, params, path, headers, wait)
    except ApiError as exc:
        response = error(exc, fake.auth_error_code)
    if response.status == 200 and fake.faults.take("malformed", path):
        response.body = response.body[: max(1, len(response.body) // 2)]
    if kind == "data" and args.get("type") == "events" and response.status == 200:
        fake.after_events_served()
    return record, response


def _api(fake, method, kind, args, needs, params, path, headers, wait) -> Response:
    if kind == "health":
        return catalog.health(fake)
    key = authenticate(fake.keys, headers)
    if wait is not None:
        raise ApiError(429, "Rate limit exceeded. Try again later.",
                       {"retryAfter": wait, "limits": {"perMinutePerEndpoint":
                                                       fake.limiter.per_minute,
                                                       "perHourPerKey": fake.limiter.per_hour}},
                       headers={"Retry-After": str(wait)})
    if kind == "unknown":
        raise ApiError(404, f"Route not found: {method} {path}")
    if kind == "data":
        spec = DATA_TYPES.get(args["type"])
        needs = spec.needs if spec else None
    require(key, needs)
    return _dispatch(fake, kind, args, params, path)


def _dispatch(fake, kind, args, params, path) -> Response:
    if kind == "data":
        return data_answer(fake, args["type"], args["scope"], args["id"], path, params)
    if kind == "mint":
        return mint(fake, args["room"], args["id"])
    if kind == "check-access":
        return catalog.check_access(fake, args["scope"], args["id"])
    if kind == "variables":
        return catalog.variables(fake, args["scope"], args["id"])
    if kind == "counts":
        return catalog.counts(fake, args["scope"], args["id"], params)
    if kind == "experiments":
        return catalog.experiments(fake, params, shared=path.endswith("/shared"))
    if kind == "experiment":
        return catalog.experiment(fake, args["id"], args.get("part"))
    if kind == "deployments":
        return catalog.deployments(fake, params)
    if kind == "deployment":
        return catalog.deployment(fake, args["id"])
    return catalog.sessions(fake, args["id"])


class Handler(FakeHandler):
    server_version = "Google Frontend"
    sys_version = ""

    def version_string(self) -> str:
        return self.server_version

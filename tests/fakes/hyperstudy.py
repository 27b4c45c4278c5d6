"""A fake HyperStudy REST API v3 on a real loopback HTTP server, faithful enough for the SDK.

`hyperstudy==0.4.1`, unchanged, runs against it (tests/fakes_tests/test_fake_hyperstudy_sdk.py),
so an importer tested here is tested against what the SDK sends and expects (reference C, D
15-22): `X-API-Key`, the `{status, data, metadata}` envelope, offset pages whose `nextOffset` is
left out on the last page and whose `total` is wrong, the participant scope's `roomId`, scoped
keys (403), rate limits the fake counts itself (429 + Retry-After), `metadata._warnings`,
one-element lists for single objects, and recordings behind minted, expiring signed URLs.

    with FakeHyperStudy(api_key="k") as fake:
        hs = hyperstudy.HyperStudy(api_key="k", base_url=fake.api_url)
        events = hs.get_events("exp_hs_001", output="dict", progress=False)

Seed data: `hyperstudy_seed.py`; `seed_big()` adds an experiment of generated events. Live mode:
`add_events(n)`, or `live_events(k)` to append k events after every events answer. Standalone:
`python -m tests.fakes.hyperstudy --port 8767 --api-key k --fail 500:2@/data/events`; a running
fake is steered with `POST /_fake/control {"op": "fail_next", "args": {"status": 429}}` and its
log read with `GET /_fake/requests`.
"""
import argparse
import dataclasses
import time
from collections.abc import Callable, Iterable

from tests.fakes.content import Content
from tests.fakes.faults import Faults, RecordedRequest, RequestLog, fail_spec
from tests.fakes.hyperstudy_auth import ALL_READ, Keys
from tests.fakes.hyperstudy_data import TOTAL_MODES
from tests.fakes.hyperstudy_envelope import AUTH_ERROR_CODES
from tests.fakes.hyperstudy_http import API, Handler, answer
from tests.fakes.hyperstudy_limits import HOUR, MINUTE, RateLimiter
from tests.fakes.hyperstudy_live import add_events
from tests.fakes.hyperstudy_recordings import Signer, content_of
from tests.fakes.hyperstudy_seed import EXPERIMENT_ID, seed, seed_big
from tests.fakes.hyperstudy_store import HyperStudyStore
from tests.fakes.loopback import LoopbackFake, Response

DEFAULT_KEY = "hst_test_fake_key"
ENDPOINT_KEYS = ("data-type", "route")
# One-shot switches taking a count, also command-line flags (--malform-next 2).
COUNTED_SWITCHES = ("malform_next", "cut_next_download", "expire_next_signed_url", "warn_next")
CONTROL_OPS = ("fail_next", "slow_next", "set_delay", "malform_next", "cut_next_download",
               "expire_next_signed_url", "expire_signed_urls", "set_signed_url_ttl",
               "warn_next", "add_missing_index", "add_events", "live_events", "add_key",
               "revoke_key", "set_limits", "reset_limits", "reset_faults", "seed_big",
               "max_per_minute", "max_per_hour", "requests_in_last_hour")


class FakeHyperStudy(LoopbackFake):
    """The fake server: construct, `start()` (or `with`), point the SDK at `api_url`.

    `api_key` (None disables auth) gets `scopes`; more keys with `add_key`. `auth_error_code` is
    the 401's `error.code` ("AUTHENTICATION_ERROR" as in the SDK's fixtures, or "UNAUTHORIZED"
    as in the docs). `max_page_size` caps `limit`. `per_minute` (per key and endpoint) and
    `per_hour` (per key) are the rate limits, None for none. `clock` (epoch seconds) drives the
    limits, signed-URL and key expiry, live-event timestamps and `metadata.timestamp`."""

    name = "fake-hyperstudy"
    handler = Handler
    control_ops = CONTROL_OPS

    def __init__(self, *, api_key: str | None = DEFAULT_KEY, scopes: Iterable[str] = ALL_READ,
                 host: str = "127.0.0.1", port: int = 0,
                 auth_error_code: str = AUTH_ERROR_CODES[0], max_page_size: int = 1000,
                 per_minute: int | None = 100, per_hour: int | None = 1000,
                 endpoint_key: str = "data-type", total_mode: str = "page",
                 signed_url_ttl: float = 900.0, delay: float = 0.0, fail=(),
                 clock: Callable[[], float] = time.time, control_prefix: str = "/_fake/"):
        if auth_error_code not in AUTH_ERROR_CODES:
            raise ValueError(f"auth_error_code must be one of {AUTH_ERROR_CODES}")
        if endpoint_key not in ENDPOINT_KEYS or total_mode not in TOTAL_MODES:
            raise ValueError(f"endpoint_key in {ENDPOINT_KEYS}, total_mode in {TOTAL_MODES}")
        super().__init__(host=host, port=port, control_prefix=control_prefix,
                         faults=Faults(delay=delay, default_retry_after=1),
                         log=RequestLog({"x-api-key"}))
        self.clock, self.auth_error_code = clock, auth_error_code
        self.max_page_size, self.endpoint_key, self.total_mode = (max_page_size, endpoint_key,
                                                                  total_mode)
        self.keys = Keys(clock)
        self.keys.enabled = api_key is not None
        if api_key is not None:
            self.keys.add(api_key, scopes)
        self.api_key = api_key
        self.limiter = RateLimiter(clock, per_minute=per_minute, per_hour=per_hour)
        self.signer = Signer(clock, signed_url_ttl)
        self.store = seed(HyperStudyStore())
        self.missing_indexes: list[tuple[str, str, str | None]] = []
        self.live_per_call, self.live_room = 0, None
        for spec in fail:
            self.fail_next(*spec[:3], match=spec[3] if len(spec) > 3 else None)

    def answer(self, method: str, target: str, headers, body: bytes | None
               ) -> tuple[RecordedRequest, Response]:
        return answer(self, method, target, headers, body)

    @property
    def api_url(self) -> str:
        """What the SDK's `base_url` must be: the server plus `/api/v3`."""
        return self.base_url + API

    def auth_headers(self, key: str | None = None) -> dict[str, str]:
        return {"X-API-Key": key if key is not None else self.api_key or ""}

    # Keys and limits.
    def add_key(self, key: str, scopes: Iterable[str] = ALL_READ, *,
                expires_in: float | None = None) -> None:
        """Another key, e.g. `add_key("k2", ["read:events"])` (no recordings: 403 there)."""
        self.keys.add(key, scopes, expires_in=expires_in)

    def revoke_key(self, key: str) -> None:
        self.keys.revoke(key)

    def set_limits(self, per_minute: int | None = 100, per_hour: int | None = 1000) -> None:
        self.limiter.per_minute, self.limiter.per_hour = per_minute, per_hour

    def reset_limits(self) -> None:
        """Close every rate-limit window now (the measurements are kept)."""
        self.limiter.reset()

    def max_per_minute(self, endpoint: str | None = None, *, key: str | None = None) -> int:
        """Most requests in any 60 s to `endpoint` (as the limiter names it, e.g.
        "/data/events"), or to the busiest endpoint; refused ones count."""
        endpoints = [endpoint] if endpoint else self.limiter.endpoints()
        return max((self.limiter.max_in_window(MINUTE, key=key, endpoint=e) for e in endpoints),
                   default=0)

    def max_per_hour(self, *, key: str | None = None) -> int:
        return self.limiter.max_in_window(HOUR, key=key)

    def requests_in_last_hour(self, *, key: str | None = None) -> int:
        return self.limiter.in_last(HOUR, key=key)

    # Fault switches (all usable while the server runs).
    def fail_next(self, status: int, count: int = 1, retry_after: int | None = None, *,
                  match: str | None = None, html: bool | None = None) -> None:
        """Next `count` requests whose path contains `match` answer `status` in the error
        envelope (a 429 with Retry-After, 1 s unless given); html=None: Google's HTML page for
        502/503/504. Storage GETs count too (match "/storage/")."""
        super().fail_next(status, count, retry_after, match=match, html=html)

    def malform_next(self, count: int = 1, *, match: str | None = None) -> None:
        """The next `count` 200 JSON answers (paths containing `match`) are cut in half."""
        self.faults.arm("malformed", count, match=match)

    def cut_next_download(self, count: int = 1, *, keep: float = 0.5,
                          recording_id: str | None = None) -> None:
        """The next `count` storage GETs (of `recording_id`) declare the full Content-Length,
        send only `keep` of the bytes and hang up."""
        self.faults.arm("cut_download", count, match=_recording_match(recording_id), value=keep)

    def expire_next_signed_url(self, count: int = 1, *, recording_id: str | None = None) -> None:
        """The next `count` signed URLs minted (mint endpoint or legacy listing) are expired."""
        self.faults.arm("expired_url", count, match=_recording_match(recording_id))

    def expire_signed_urls(self) -> None:
        """Every signed URL handed out so far expires now."""
        self.signer.expire_all()

    def set_signed_url_ttl(self, seconds: float) -> None:
        self.signer.ttl = seconds

    def warn_next(self, count: int = 1, *, match: str | None = None) -> None:
        """The next `count` data answers (paths containing `match`) hit a missing index."""
        self.faults.arm("warning", count, match=match)

    def add_missing_index(self, data_type: str = "events", scope: str = "experiment",
                          param: str | None = None) -> None:
        """From now on, `data_type` at `scope` (with `param` set, if given) hits a missing
        Firestore index: 200, `data: []`, total 0, a MISSING_INDEX `_warnings` entry."""
        self.missing_indexes.append((data_type, scope, param))

    def reset_faults(self) -> None:
        """Clear every switch, missing index, live mode and the delay; keep data and the log."""
        self.faults.clear()
        self.missing_indexes.clear()
        self.live_per_call = 0

    # Upstream changes a test makes.
    def add_events(self, n: int = 1, *, room_id: str | None = None,
                   lag_ms: int = 0) -> list[dict]:
        """`n` new events stamped now (minus `lag_ms`: late arrivals), round-robin over the
        participants of `room_id` (default: the active rooms); returns them."""
        return add_events(self.store, n, self.clock, room_id=room_id, lag_ms=lag_ms)

    def live_events(self, per_call: int = 1, *, room_id: str | None = None) -> None:
        """Live mode: after each successful events answer, `per_call` new events arrive
        (0 stops it)."""
        self.live_per_call, self.live_room = per_call, room_id

    def after_events_served(self) -> None:
        if self.live_per_call:
            self.add_events(self.live_per_call, room_id=self.live_room)

    def seed_big(self, events: int, rooms: int = 100, participants: int = 2,
                 experiment_id: str = "exp_big_001") -> dict:
        """An experiment of `events` generated events over `rooms` rooms; returns its ids."""
        big = seed_big(self.store, events, rooms, participants=participants,
                       experiment_id=experiment_id)
        return {"experiment_id": big.experiment_id, "room_ids": list(big.room_ids)}

    def grow_big(self, events: int, experiment_id: str = "exp_big_001") -> None:
        """`events` more generated events in a big experiment, continuing its timeline (the
        next indices: every room gets its share, each stamped after the last)."""
        with self.store.lock:
            big = self.store.big[experiment_id]
            self.store.big[experiment_id] = dataclasses.replace(big, count=big.count + events)

    # Reading state back (tests).
    def recording_content(self, recording_id: str) -> Content:
        """The bytes a recording serves (`.md5()`, `.read()`, `.size`)."""
        return content_of(self.store.recording(recording_id))

    def events(self, experiment_id: str = EXPERIMENT_ID) -> list[dict]:
        """The seed experiment's stored events (not a big experiment's)."""
        with self.store.lock:
            return [dict(e) for e in self.store.records["events"]
                    if e["experimentId"] == experiment_id]

    def calls(self, kind: str = "data", data_type: str | None = None) -> list[RecordedRequest]:
        """Logged requests of one kind ("data", "mint", "storage", "health", "experiments",
        "experiment", "deployments", "deployment", "sessions", "check-access", "variables",
        "counts", "unknown", "outside"), data ones optionally of one data type."""
        prefix = f"{API}/data/{data_type}/"
        return [r for r in self.requests_of(kind)
                if data_type is None or r.path.startswith(prefix)]


def _recording_match(recording_id: str | None) -> str | None:
    return None if recording_id is None else f"/{recording_id}"


def _parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Fake HyperStudy API v3 server (loopback).")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--api-key", default=DEFAULT_KEY, help="'' disables auth")
    parser.add_argument("--scopes", default=",".join(ALL_READ), help="the key's, comma-separated")
    parser.add_argument("--key", action="append", default=[], metavar="KEY=SCOPE[,SCOPE]",
                        help="another key with its scopes")
    parser.add_argument("--auth-error-code", choices=AUTH_ERROR_CODES, default=AUTH_ERROR_CODES[0])
    parser.add_argument("--max-page-size", type=int, default=1000)
    parser.add_argument("--per-minute", type=int, default=100, help="0: no limit")
    parser.add_argument("--per-hour", type=int, default=1000, help="0: no limit")
    parser.add_argument("--endpoint-key", choices=ENDPOINT_KEYS, default="data-type")
    parser.add_argument("--total-mode", choices=TOTAL_MODES, default="page")
    parser.add_argument("--signed-url-ttl", type=float, default=900.0)
    parser.add_argument("--delay", type=float, default=0.0)
    parser.add_argument("--fail", action="append", default=[],
                        metavar="STATUS[:COUNT[:RETRY_AFTER]][@PATH_TEXT]")
    for op in COUNTED_SWITCHES:
        parser.add_argument("--" + op.replace("_", "-"), type=int, default=0, metavar="COUNT")
    parser.add_argument("--missing-index", action="append", default=[],
                        metavar="DATATYPE:SCOPE[:PARAM]")
    parser.add_argument("--live-events", type=int, default=0, metavar="PER_CALL")
    parser.add_argument("--big", metavar="EVENTS[:ROOMS]")
    return parser.parse_args(argv)


def main(argv=None) -> None:
    args = _parse_args(argv)
    fake = FakeHyperStudy(
        api_key=args.api_key or None, scopes=args.scopes.split(","), host=args.host,
        port=args.port, auth_error_code=args.auth_error_code, max_page_size=args.max_page_size,
        per_minute=args.per_minute or None, per_hour=args.per_hour or None,
        endpoint_key=args.endpoint_key, total_mode=args.total_mode,
        signed_url_ttl=args.signed_url_ttl, delay=args.delay,
        fail=[fail_spec(spec) for spec in args.fail])
    _switch_on(fake, args)
    rooms = len(fake.store.rooms)
    fake.start().serve_until_interrupted(
        f"fake HyperStudy at {fake.api_url} experiment={EXPERIMENT_ID} rooms={rooms}")


def _switch_on(fake: FakeHyperStudy, args: argparse.Namespace) -> None:
    """Everything the command line asks for beyond the constructor's arguments."""
    for spec in args.key:
        key, _, scopes = spec.partition("=")
        fake.add_key(key, scopes.split(","))
    for op in COUNTED_SWITCHES:
        if getattr(args, op):
            getattr(fake, op)(getattr(args, op))
    for spec in args.missing_index:
        fake.add_missing_index(*spec.split(":"))
    fake.live_events(args.live_events)
    if args.big:
        fake.seed_big(*map(int, args.big.split(":")))


if __name__ == "__main__":
    main()

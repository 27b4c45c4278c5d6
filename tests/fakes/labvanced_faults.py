"""Fault switches and the request log of the fake Labvanced: the unkind parts a test turns on.

Real services rate-limit, time out, hand out broken files and drop sessions; an importer only earns
trust by surviving those. Every switch here can be set at construction, flipped at runtime from a
test, or passed on the command line, and every request is recorded (secrets redacted) so a test can
assert what the importer did: "no download on the second run", "waited Retry-After seconds".
"""
import threading
import time
from dataclasses import dataclass, field

REDACTED = "<redacted>"
SECRET_HEADERS = {"authorization", "cookie", "x-api-key", "apikey", "proxy-authorization"}
TRUNCATE_MODES = ("body", "connection")
ECHO_MODES = (None, "full", "token", "cut", "padded")


@dataclass
class ForcedError:
    """One queued error answer: `match` limits it to paths containing that text (None: any).

    `echo` sends the credential back in the error text, as careless platforms do ("invalid
    token <what you sent>"): `full` the whole auth header value, `token` the bare token, `cut`
    its first 12 characters followed by "…", `padded` the token 290 characters into the JSON
    body (so that a token of more than ten characters straddles a 300-character cut)."""

    status: int
    retry_after: int | None = None
    match: str | None = None
    html: bool = False
    echo: str | None = None


@dataclass
class RecordedRequest:
    """What the importer sent, minus secrets; `authorized` says whether its credentials passed."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    kind: str
    authorized: bool
    at: float = field(default_factory=time.monotonic)
    wall: float = field(default_factory=time.time)
    status: int = 0


class Faults:
    """The switches; thread-safe because each request is handled on its own thread."""

    def __init__(self, *, delay: float = 0.0):
        self.delay = delay
        self.truncated: dict[int, str] = {}
        self._errors: list[ForcedError] = []
        self._slow: list[tuple[float, str | None]] = []
        self._lock = threading.Lock()

    def fail_next(self, status: int, count: int = 1, *, retry_after: int | None = None,
                  match: str | None = None, html: bool = False, echo: str | None = None) -> None:
        """Answer the next `count` requests (matching `match`) with `status` instead of data."""
        if status == 429 and retry_after is None:
            retry_after = 1
        if echo not in ECHO_MODES:
            raise ValueError(f"echo must be one of {ECHO_MODES}, not {echo!r}")
        with self._lock:
            self._errors += [ForcedError(status, retry_after, match, html, echo)
                             for _ in range(count)]

    def slow_next(self, seconds: float, count: int = 1, *, match: str | None = None) -> None:
        """Hold the next `count` answers back `seconds` before the status line (a read timeout)."""
        with self._lock:
            self._slow += [(seconds, match)] * count

    def truncate(self, rec_id: int, mode: str = "body") -> None:
        """Cut the session's zip in half: `body` sends a short but well-framed response,
        `connection` promises the full Content-Length and hangs up half-way."""
        if mode not in TRUNCATE_MODES:
            raise ValueError(f"truncate mode must be one of {TRUNCATE_MODES}, not {mode!r}")
        with self._lock:
            self.truncated[rec_id] = mode

    def pending(self) -> int:
        with self._lock:
            return len(self._errors)

    def clear(self) -> None:
        with self._lock:
            self._errors.clear()
            self._slow.clear()
            self.truncated.clear()
        self.delay = 0.0

    def take_error(self, path: str) -> ForcedError | None:
        with self._lock:
            return _pop_matching(self._errors, path, lambda e: e.match)

    def take_delay(self, path: str) -> float:
        with self._lock:
            slow = _pop_matching(self._slow, path, lambda s: s[1])
        return self.delay + (slow[0] if slow else 0.0)


def _pop_matching(queue: list, path: str, match_of):
    for index, item in enumerate(queue):
        match = match_of(item)
        if match is None or match in path:
            return queue.pop(index)
    return None


class RequestLog:
    """Every request the fake saw, in arrival order."""

    def __init__(self, secret_headers: set[str] | None = None):
        self.secret_headers = {h.lower() for h in (secret_headers or set())} | SECRET_HEADERS
        self._records: list[RecordedRequest] = []
        self._lock = threading.Lock()

    def redact(self, headers) -> dict[str, str]:
        return {k: REDACTED if k.lower() in self.secret_headers else v for k, v in headers.items()}

    def add(self, record: RecordedRequest) -> RecordedRequest:
        with self._lock:
            self._records.append(record)
        return record

    def all(self) -> list[RecordedRequest]:
        with self._lock:
            return list(self._records)

    def clear(self) -> None:
        with self._lock:
            self._records.clear()

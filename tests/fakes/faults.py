"""Fault switches and the request log every fake shares: the unkind parts a test turns on.

Real services rate-limit, time out, hand out broken files and drop records; an importer only earns
trust by surviving those. Every switch can be set at construction, flipped at runtime from a test,
or passed on the command line, and every request is recorded (secrets redacted) so a test can
assert what the importer did: "no download on the second run", "waited Retry-After seconds".
Switches fire on the next `count` requests whose path contains `match` (None: any request).
"""
import threading
import time
from dataclasses import dataclass, field

REDACTED = "<redacted>"
SECRET_HEADERS = {"authorization", "cookie", "x-api-key", "apikey", "proxy-authorization"}
ECHO_MODES = (None, "full", "token", "cut", "padded")


@dataclass
class ForcedError:
    """One queued error answer: `match` limits it to paths containing that text (None: any).

    `html` asks for an HTML page instead of the fake's JSON error (a proxy in front answering);
    None lets the fake choose. `echo` sends the credential back in the error text, as careless
    platforms do ("invalid token <what you sent>"): `full` the whole auth header value, `token`
    the bare token, `cut` its first 12 characters followed by "…", `padded` the token 290
    characters into the JSON body (so that a token of more than ten characters straddles a
    300-character cut)."""

    status: int
    retry_after: int | None = None
    match: str | None = None
    html: bool | None = False
    echo: str | None = None


@dataclass
class RecordedRequest:
    """What the client sent, minus secrets; `authorized` says whether its credentials passed."""

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
    """The switches; thread-safe because each request is handled on its own thread.

    `default_retry_after` is what a 429 carries when the test gives no Retry-After (None: no
    header at all). Besides errors and slow answers, any fake can queue its own one-shot switches
    by name with `arm` and consume them with `take` (e.g. "cut the next download")."""

    def __init__(self, *, delay: float = 0.0, default_retry_after: int | None = 1):
        self.delay = delay
        self.default_retry_after = default_retry_after
        self._errors: list[ForcedError] = []
        self._slow: list[tuple[float, str | None]] = []
        self._armed: dict[str, list[tuple[str | None, object]]] = {}
        self._lock = threading.Lock()

    def fail_next(self, status: int, count: int = 1, *, retry_after: int | None = None,
                  match: str | None = None, html: bool | None = False,
                  echo: str | None = None) -> None:
        """Answer the next `count` requests (matching `match`) with `status` instead of data."""
        if status == 429 and retry_after is None:
            retry_after = self.default_retry_after
        if echo not in ECHO_MODES:
            raise ValueError(f"echo must be one of {ECHO_MODES}, not {echo!r}")
        with self._lock:
            self._errors += [ForcedError(status, retry_after, match, html, echo)
                             for _ in range(count)]

    def slow_next(self, seconds: float, count: int = 1, *, match: str | None = None) -> None:
        """Hold the next `count` answers back `seconds` before the status line (a read timeout)."""
        with self._lock:
            self._slow += [(seconds, match)] * count

    def arm(self, kind: str, count: int = 1, *, match: str | None = None,
            value: object = True) -> None:
        """Queue `count` one-shot switches of a fake-specific `kind`."""
        with self._lock:
            self._armed.setdefault(kind, []).extend([(match, value)] * count)

    def take(self, kind: str, path: str) -> object | None:
        """The value of the first armed `kind` switch matching `path` (consumed), else None."""
        with self._lock:
            hit = _pop_matching(self._armed.get(kind, []), path, lambda a: a[0])
        return None if hit is None else hit[1]

    def pending(self) -> int:
        with self._lock:
            return len(self._errors)

    def clear(self) -> None:
        with self._lock:
            self._errors.clear()
            self._slow.clear()
            self._armed.clear()
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


def fail_spec(text: str) -> tuple:
    """`STATUS[:COUNT[:RETRY_AFTER]][@PATH_TEXT]` -> (status, count, retry_after, match)."""
    spec, _, match = text.partition("@")
    numbers = [int(x) for x in spec.split(":")]
    status, count, retry_after = numbers + [1, None][len(numbers) - 1:]
    return status, count, retry_after, match or None

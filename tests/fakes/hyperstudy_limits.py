"""HyperStudy's rate limits, enforced and measured by the fake (reference C.3, D 19).

Upstream allows 1,000 requests an hour per API key and 100 a minute per endpoint, answering 429
with `Retry-After: <seconds>` beyond that; no `X-RateLimit-*` headers are documented, so none are
sent. Enforcement uses fixed windows (a window opens with its first request and closes `window`
seconds later, as express-rate-limit's memory store does), and a refused request still counts, so
a client that hammers through a 429 stays refused until the window ends.

Measurement is separate and strict: every request is kept with its time, and `max_in_window`
slides a window over them, so a test can assert that a client never sent more than N requests in
*any* 60 s, whatever the enforcement windows happened to be.

Every time comes from an injectable clock (seconds since the epoch): tests pass a `ManualClock`
and `advance()` it instead of sleeping.
"""
import bisect
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

MINUTE, HOUR = 60.0, 3600.0


class ManualClock:
    """A clock that stands still until `advance(seconds)`; starts at `start` (epoch seconds)."""

    def __init__(self, start: float = 1_718_618_400.0):  # 2024-06-17T10:00:00Z, room_003 live
        self.now = start
        self._lock = threading.Lock()

    def __call__(self) -> float:
        with self._lock:
            return self.now

    def advance(self, seconds: float) -> float:
        with self._lock:
            self.now += seconds
            return self.now


@dataclass
class _Window:
    opened: float
    count: int = 0


class RateLimiter:
    """`hit(key, endpoint)` -> None when allowed, else the Retry-After seconds (an int >= 1).

    `per_minute` applies to each (key, endpoint), `per_hour` to each key over all endpoints;
    None switches a limit off."""

    def __init__(self, clock: Callable[[], float] = time.time, *,
                 per_minute: int | None = 100, per_hour: int | None = 1000):
        self.clock, self.per_minute, self.per_hour = clock, per_minute, per_hour
        self._windows: dict[tuple, _Window] = {}
        self._seen: dict[tuple, list[float]] = {}  # (key, endpoint) -> every arrival time
        self._lock = threading.Lock()

    def hit(self, key: str, endpoint: str) -> int | None:
        now = self.clock()
        with self._lock:
            self._seen.setdefault((key, endpoint), []).append(now)
            waits = [self._count(("hour", key), now, HOUR, self.per_hour),
                     self._count(("minute", key, endpoint), now, MINUTE, self.per_minute)]
        refused = [w for w in waits if w is not None]
        return max(refused) if refused else None

    def _count(self, name: tuple, now: float, length: float, limit: int | None) -> int | None:
        window = self._windows.get(name)
        if window is None or now >= window.opened + length:
            window = self._windows[name] = _Window(now)
        window.count += 1
        if limit is None or window.count <= limit:
            return None
        return max(1, math.ceil(window.opened + length - now))

    def reset(self) -> None:
        """Forget the enforcement windows (the measurements are kept)."""
        with self._lock:
            self._windows.clear()

    # Measurements (tests assert a client stayed inside the limits).
    def times(self, *, key: str | None = None, endpoint: str | None = None) -> list[float]:
        with self._lock:
            return sorted(t for (k, e), seen in self._seen.items() for t in seen
                          if key in (None, k) and endpoint in (None, e))

    def endpoints(self) -> list[str]:
        with self._lock:
            return sorted({e for _, e in self._seen})

    def max_in_window(self, seconds: float, *, key: str | None = None,
                      endpoint: str | None = None) -> int:
        """The most requests seen in any half-open window of `seconds` (refused ones too)."""
        times = self.times(key=key, endpoint=endpoint)
        best = 0
        for index, start in enumerate(times):
            best = max(best, bisect.bisect_left(times, start + seconds) - index)
        return best

    def in_last(self, seconds: float, *, key: str | None = None) -> int:
        times = self.times(key=key)
        return len(times) - bisect.bisect_right(times, self.clock() - seconds)

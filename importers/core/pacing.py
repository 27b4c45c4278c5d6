"""Request budgets a platform states (e.g. HyperStudy: 1,000 an hour per key, 100 a minute per
endpoint), kept before they bite: a request waits until every window it counts in has room.

Sliding windows over the times of the requests already sent: a budget of N per T seconds lets
a request go when fewer than N were sent in the last T seconds. Each window is shared by the
requests its key groups (all of them, or one endpoint's), and a margin keeps clear of the
edge, since the platform's clock and ours do not start a window at the same moment.
"""
import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Window:
    limit: int
    seconds: float
    key: Callable[[str], str] = lambda url: "all"  # which requests share the window


class RequestBudget:
    def __init__(self, windows: list[Window], *, margin: float = 0.9,
                 clock=time.monotonic, sleep=time.sleep):
        self.windows = windows
        self.margin = margin
        self._clock, self._sleep = clock, sleep
        self._sent: dict[tuple[int, str], deque] = defaultdict(deque)
        self._lock = threading.Lock()
        self.waited = 0.0  # seconds spent waiting, for the run's summary and benchmarks

    def _allowed(self, window: Window) -> int:
        return max(1, int(window.limit * self.margin))

    def _wait_needed(self, url: str, now: float) -> float:
        wait = 0.0
        for index, window in enumerate(self.windows):
            sent = self._sent[index, window.key(url)]
            while sent and sent[0] <= now - window.seconds:
                sent.popleft()
            if len(sent) >= self._allowed(window):
                wait = max(wait, sent[len(sent) - self._allowed(window)] + window.seconds - now)
        return wait

    def take(self, url: str) -> None:
        """Block until `url` may be requested, then count it."""
        with self._lock:
            while (wait := self._wait_needed(url, self._clock())) > 0:
                self.waited += wait
                self._sleep(wait)
            now = self._clock()
            for index, window in enumerate(self.windows):
                self._sent[index, window.key(url)].append(now)

"""A bounded, thread-safe store of values a process keeps between requests (least recently used
dropped first), for mirror.core.kept_counts and kept_positions."""
import threading
from collections import OrderedDict

from django.conf import settings


class Kept:
    """At most `settings.<size_setting>` values (read on each store, so tests can change it)."""

    def __init__(self, size_setting: str):
        self.size_setting = size_setting
        self._lock = threading.Lock()
        self._values: OrderedDict = OrderedDict()

    def get(self, key):
        with self._lock:
            value = self._values.get(key)
            if value is not None:
                self._values.move_to_end(key)
            return value

    def put(self, key, value) -> None:
        with self._lock:
            self._values[key] = value
            self._values.move_to_end(key)
            while len(self._values) > getattr(settings, self.size_setting):
                self._values.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._values.clear()

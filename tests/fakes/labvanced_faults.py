"""The Labvanced-only fault switch (a truncated session zip) on top of the shared `faults` module.

Everything generic (forced errors, slow answers, the request log) lives in `tests.fakes.faults`
and is re-exported here so Labvanced code keeps one import site.
"""
from tests.fakes.faults import Faults, ForcedError, RecordedRequest, RequestLog

__all__ = ["TRUNCATE_MODES", "ForcedError", "LabvancedFaults", "RecordedRequest", "RequestLog"]

TRUNCATE_MODES = ("body", "connection")


class LabvancedFaults(Faults):
    """The shared switches plus `truncated`: session id -> how its zip is cut."""

    def __init__(self, *, delay: float = 0.0):
        super().__init__(delay=delay)
        self.truncated: dict[int, str] = {}

    def truncate(self, rec_id: int, mode: str = "body") -> None:
        """Cut the session's zip in half: `body` sends a short but well-framed response,
        `connection` promises the full Content-Length and hangs up half-way."""
        if mode not in TRUNCATE_MODES:
            raise ValueError(f"truncate mode must be one of {TRUNCATE_MODES}, not {mode!r}")
        with self._lock:
            self.truncated[rec_id] = mode

    def clear(self) -> None:
        super().clear()
        with self._lock:
            self.truncated.clear()

"""Every request's database work is bounded in time; a statement stopped for it answers 503.

PostgreSQL stops a statement itself: settings.py adds `-c statement_timeout=…` to libpq's
`options` (sent when connecting, so no query per request), from MIRROR_STATEMENT_TIMEOUT;
manage.py sets that to 0 for its commands, except runserver (migrations, imports and bench
seeding run long statements on purpose).

SQLite has no such setting, so each connection gets a progress handler (sqlite3 calls it every
PROGRESS_STEPS virtual-machine steps) that interrupts the running statement once the deadline
of the request being served has passed. The middleware sets that deadline when a request starts
and clears it when the response is ready: outside requests (commands, jobs) nothing is
interrupted. On SQLite the limit is the request's, over all its statements, on PostgreSQL each
statement's. Neither reaches inside one step: a Python function SQLite calls (Django's REGEXP)
runs to its end, which is why `django=` refuses regular expressions.
"""
import contextvars
import logging
import sqlite3
import time

from django.conf import settings
from django.db import OperationalError
from django.http import JsonResponse

logger = logging.getLogger(__name__)

#: SQLite steps between two looks at the clock: a few microseconds of work, a negligible cost.
PROGRESS_STEPS = 10_000
_deadline: contextvars.ContextVar[float | None] = contextvars.ContextVar(
    "mirror_statement_deadline", default=None)


def _past_deadline() -> bool:
    deadline = _deadline.get()
    return deadline is not None and time.monotonic() > deadline


def install_sqlite_handler(sender, connection, **kwargs) -> None:
    """connection_created: let SQLite ask, now and then, whether the request ran out of time."""
    if connection.vendor == "sqlite":
        connection.connection.set_progress_handler(_past_deadline, PROGRESS_STEPS)


def _cancelled(exc: BaseException) -> bool:
    """Whether `exc` is a statement stopped by the timeout (not any other database error)."""
    if not isinstance(exc, OperationalError):
        return False
    cause = exc.__cause__
    if isinstance(cause, sqlite3.OperationalError):
        return str(cause) == "interrupted" and _past_deadline()
    return getattr(cause, "sqlstate", None) == "57014"  # query_canceled, in any language


class StatementTimeoutMiddleware:
    """Sets the request's deadline (SQLite) and turns a statement stopped by the timeout, on
    either database, into a 503 naming the limit instead of a 500."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        seconds = settings.MIRROR_STATEMENT_TIMEOUT
        token = _deadline.set(time.monotonic() + seconds if seconds > 0 else None)
        try:
            return self.get_response(request)
        finally:
            _deadline.reset(token)

    def process_exception(self, request, exception):
        if not _cancelled(exception):
            return None
        seconds = settings.MIRROR_STATEMENT_TIMEOUT
        logger.warning("Stopped a request's database work after %s s: %s %s", seconds,
                       request.method, request.path)
        detail = (f"The database stopped this request's query after {seconds:g} s "
                  "(MIRROR_STATEMENT_TIMEOUT). Narrow the filters or ask for smaller pages.")
        return JsonResponse({"detail": detail, "status_code": 503}, status=503)

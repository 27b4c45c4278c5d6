"""An import run's lifecycle: one at a time per connection, a heartbeat, and an honest ending."""
import datetime
import logging
import os
import socket
from contextlib import contextmanager

from django.db import IntegrityError, transaction
from django.utils import timezone

from importers.core.counts import Counts
from importers.core.scrub import Scrubber, connection_secrets
from importers.core.summary import run_summary
from importers.core.writer import Writer
from importers.models import ImportRun
from mirror.data.services import sweep_partials

logger = logging.getLogger(__name__)
STALE_AFTER = datetime.timedelta(minutes=15)


class ImportBusy(Exception):
    """Another run of the same connection is writing."""


def _process_gone(pid: int | None) -> bool:
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def _abandon_dead(connection) -> None:
    """A run whose process is gone no longer holds the connection: on this machine we can see
    that at once; elsewhere, after 15 minutes without a heartbeat."""
    running = ImportRun.objects.filter(connection=connection, status=ImportRun.RUNNING)
    cutoff = timezone.now() - STALE_AFTER
    here = socket.gethostname()
    dead = [run for run in running if (run.heartbeat_at and run.heartbeat_at < cutoff)
            or (run.host == here and _process_gone(run.pid))]
    if dead:
        ImportRun.objects.filter(pk__in=[run.pk for run in dead]).update(
            status=ImportRun.ABANDONED, finished_at=timezone.now(),
            error="Its process died (killed, or no sign of life for 15 minutes). "
                  "The next run resumes from what was committed.")
    for run in dead:  # the half-written files it left: nothing will ever commit them
        if run.host and run.pid:
            removed = sweep_partials(connection.repository, host=run.host, pid=run.pid)
            logger.info("[%s] run %s died; %d unfinished files removed", connection.name,
                        run.pk, removed)


def _start(connection, *, dry_run: bool, origin: str) -> ImportRun:
    _abandon_dead(connection)
    try:
        with transaction.atomic():
            return ImportRun.objects.create(connection=connection, dry_run=dry_run,
                                            origin=origin, heartbeat_at=timezone.now(),
                                            host=socket.gethostname(), pid=os.getpid())
    except IntegrityError:
        running = ImportRun.objects.filter(connection=connection,
                                           status=ImportRun.RUNNING).first()
        since = f" since {running.started_at:%Y-%m-%d %H:%M:%S}" if running else ""
        raise ImportBusy(f"An import of '{connection.name}' is already running{since}; wait for "
                         "it to finish (or, if its process died, for 15 minutes).") from None


class RunContext:
    """Handed to a source's run(): counts, and a heartbeat to call after each batch."""

    def __init__(self, run: ImportRun):
        self.run, self.counts = run, Counts()

    def beat(self) -> None:
        self.run.heartbeat_at = timezone.now()
        for name, value in self.counts.as_dict().items():
            setattr(self.run, name, value)
        self.run.counts = self.counts.by_kind()
        ImportRun.objects.filter(pk=self.run.pk).update(
            heartbeat_at=self.run.heartbeat_at, counts=self.run.counts, **self.counts.as_dict())


@contextmanager
def import_run(connection, *, dry_run: bool = False, origin: str = "api"):
    """Open a run, yield a RunContext, and record how it ended, whatever happens.

    The recorded error is scrubbed of the connection's secrets, whatever raised it
    (importers.core.scrub): /import-runs shows it to every user.
    """
    run = _start(connection, dry_run=dry_run, origin=origin)
    context = RunContext(run)
    logger.info("[%s] import started on %s (pid %s)", connection.name, socket.gethostname(),
                os.getpid())
    try:
        yield context
    except BaseException as error:  # an interrupted run is failed too, never left "running"
        run.status = ImportRun.FAILED
        run.error = str(error) or f"Interrupted ({type(error).__name__})."
        raise
    else:
        run.status = ImportRun.PARTIAL if context.counts.failed else ImportRun.SUCCEEDED
    finally:
        for name, value in context.counts.as_dict().items():
            setattr(run, name, value)
        run.counts = context.counts.by_kind()
        run.error = Scrubber(connection_secrets(connection))(run.error)
        run.finished_at = timezone.now()
        run.save()
        # the command prints the summary (importers.core.summary); a log reader gets it too
        logger.debug("[%s] %s", connection.name, run_summary(run))


@contextmanager
def rolled_back_if(dry_run: bool):
    """A dry run does everything in one transaction that is then rolled back, so its counts
    are those of a real run (records made early in the run are found later in it)."""
    if not dry_run:
        yield
        return
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


def run_import(connection, work, *, dry_run: bool = False, origin: str = "api") -> ImportRun:
    """The frame of every source's `run()`: a recorded run, one writer, and a dry run rolled
    back; `work(context, writer)` does the source's part. Returns the finished ImportRun."""
    with import_run(connection, dry_run=dry_run, origin=origin) as context:
        writer = Writer(connection=connection, counts=context.counts, now=timezone.now(),
                        dry_run=dry_run)
        with rolled_back_if(dry_run):
            work(context, writer)
    return context.run

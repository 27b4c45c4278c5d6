"""`manage.py mirror_import <connection> [--since DATE] [--dry-run] [--from-file EXPORT]`."""
import argparse
import datetime

from django.core.management.base import BaseCommand, CommandError

from importers.core.counts import summary_of
from importers.core.errors import BadSourceData, SourceError
from importers.core.runs import ImportBusy
from importers.core.scrub import Scrubber, connection_secrets
from importers.core.summary import run_summary
from importers.models import Connection, ImportRun, base_url_problem
from importers.registry import runner_for
from mirror.core.migrations_check import require_migrated


def _date(text: str) -> datetime.datetime:
    """--since's value. argparse turns an ArgumentTypeError into its one-line usage error (any
    other exception raised here would print a traceback first)."""
    try:
        since = datetime.datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a date: use YYYY-MM-DD or "
                                         "YYYY-MM-DDTHH:MM") from None
    if since.tzinfo is not None:  # sessions start on the participant's wall clock, no offset
        raise argparse.ArgumentTypeError(f"'{text}' has a UTC offset: give the participants' "
                                         "local date/time without one, e.g. 2026-01-01T09:00")
    return since


class Command(BaseCommand):
    help = "Mirror one connection's source into the database (safe to run again)."

    def add_arguments(self, parser):
        parser.add_argument("connection", help="The connection's name (see the admin, or "
                            "`manage.py mirror_connection --list`).")
        parser.add_argument("--since", type=_date, help="Only sessions started on or after this "
                            "local date/time (no deletion check).")
        parser.add_argument("--dry-run", action="store_true",
                            help="Count what would change; write nothing.")
        parser.add_argument("--from-file", help="Import a hand-downloaded export (.zip or "
                            "folder) instead of calling the platform's API.")

    def handle(self, *args, connection, since, dry_run, from_file, **options):
        require_migrated()
        target = Connection.objects.filter(name=connection).first()
        if target is None:
            names = ", ".join(Connection.objects.values_list("name", flat=True)) or "none yet"
            raise CommandError(f"No connection '{connection}' (known: {names}); create one with "
                               "`manage.py mirror_connection`.")
        problem = None if from_file else base_url_problem(target.base_url)
        if problem:
            raise CommandError(f"Connection {target.name}: {problem}; fix it with `manage.py "
                               f"mirror_connection {target.name} --base-url …`.")
        scrub = Scrubber(connection_secrets(target))
        try:
            run = runner_for(target.source)(connection=target, since=since, dry_run=dry_run,
                                            from_file=from_file, stream=self.stderr._out)
        except ImportBusy as error:  # no run of ours was recorded
            raise CommandError(str(error)) from None
        except (SourceError, BadSourceData, FileNotFoundError, NotImplementedError) as error:
            raise CommandError(scrub(self._failed(target, str(error)))) from None
        except Exception as error:  # unforeseen: its message may quote a secret, a traceback too
            raise CommandError(scrub(self._failed(target, (
                f"{type(error).__name__}: {error} (the run's record has the same message; "
                "report it as a bug)")))) from None
        self.stdout.write(f"{target.name}: {run_summary(run)}")
        if run.error:
            self.stderr.write(scrub(run.error))
        if run.status != ImportRun.SUCCEEDED:
            raise CommandError(f"Import {run.status}: see the messages above.")

    @staticmethod
    def _failed(connection, reason: str) -> str:
        """Why the run failed, then what it had done (its own record's counts)."""
        run = ImportRun.objects.filter(connection=connection).order_by("-started_at").first()
        done = f"\n{connection.name}: before it stopped: {summary_of(run.counts)}." \
            if run is not None and run.status == ImportRun.FAILED else ""
        return f"{reason}{done}"

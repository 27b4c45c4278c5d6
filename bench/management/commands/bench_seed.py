"""`manage.py bench_seed --scale N`: fill an empty database with a lab-scale data set."""
import time

from django.core.management.base import BaseCommand, CommandError

from bench.seed import seed


class Command(BaseCommand):
    help = ("Fill an empty, migrated database with a deterministic lab: 20,000 sessions and "
            "200,000 datasets per unit of --scale (MIRROR_BENCH=1 installs this command).")

    def add_arguments(self, parser):
        parser.add_argument("--scale", type=float, default=1.0,
                            help="1 = 20k sessions, 200k datasets, 400k file records.")

    def handle(self, *args, scale: float, **options):
        started = time.perf_counter()
        try:
            summary = seed(scale=scale, log=self.stdout.write)
        except RuntimeError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            f"seeded {summary.sessions:,} sessions, {summary.datasets:,} datasets, "
            f"{summary.file_records:,} file records, {summary.subjects} subjects in "
            f"{time.perf_counter() - started:.0f} s; showcase session {summary.showcase}")

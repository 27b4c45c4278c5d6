"""Benchmark: import a generated HyperStudy experiment (default 1,000,000 events over 100 rooms
of 2 participants) from the fake HyperStudy on loopback into a fresh database.

Then `--new-events` more events (1,000 unless given) arrive, spread over every room and each
stamped after the last, and it runs again: a sync, which asks for records from the first run's
watermark less the overlap (`overlap_seconds`, the importer's default unless given), so it
reads only the overlap's event pages and the new ones.
Prints, for each run, wall time, requests to the fake (by kind, and the event pages among the
data ones), the rows of every `_hyperstudy_events.table.csv` mirrored afterwards, and peak
memory: tracemalloc's peak of Python allocations during the run (the fake's serving threads
included; SQLite's own memory is not traced; tracing slows the run, --no-trace to time it
without) and this process's max RSS so far.
Rate limits are off: the fake enforces none and the connection's `requests_per_hour` and
`requests_per_minute` are 10**9, so pacing does not dominate (the limits are tested in
tests/importers/hyperstudy). Usage: `python bench/hyperstudy_import.py [--events N]
[--rooms R] [--participants P] [--new-events K] [--page-size L] [--overlap-seconds S] [--no-trace]`
(SQLite under a temporary MIRROR_VAR_DIR, or DATABASE_URL).
"""
import argparse
import csv
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.importing import (  # noqa: E402 (after the path is set)
    database_name,
    fresh_mirror,
    measured_run,
    peak_rss_mb,
)

EVENTS_TABLE = "_hyperstudy_events.table.csv"
UNLIMITED = 10**9


def event_rows(repository) -> tuple[int, int]:
    """(rows, tables): every mirrored events table's data rows, read from the repository."""
    from mirror.data.models import FileRecord

    rows = tables = 0
    for copy in FileRecord.objects.filter(dataset__name=EVENTS_TABLE, exists=True,
                                          data_repository=repository):
        with repository.file(copy.relative_path).open(newline="", encoding="utf-8") as handle:
            rows += sum(1 for _ in csv.reader(handle)) - 1  # less the header
        tables += 1
    return rows, tables


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--rooms", type=int, default=100)
    parser.add_argument("--participants", type=int, default=2)
    parser.add_argument("--new-events", type=int, default=1_000,
                        help="events that arrive between the full import and the sync")
    parser.add_argument("--page-size", type=int, help="the importer's default unless given")
    parser.add_argument("--overlap-seconds", type=float, help="the importer's default unless given")
    parser.add_argument("--no-trace", action="store_true", help="no tracemalloc")
    args = parser.parse_args()
    lab, repository = fresh_mirror("hyperstudy")
    from importers.hyperstudy.importer import run
    from importers.models import Connection
    from tests.fakes.hyperstudy import FakeHyperStudy

    options = {"requests_per_hour": UNLIMITED, "requests_per_minute": UNLIMITED}
    if args.page_size:
        options["page_size"] = args.page_size
    if args.overlap_seconds is not None:
        options["overlap_seconds"] = args.overlap_seconds
    with FakeHyperStudy(api_key="bench", per_minute=None, per_hour=None) as fake:
        made = fake.seed_big(args.events, rooms=args.rooms, participants=args.participants)
        connection = Connection.objects.create(
            name="bench", source="hyperstudy", base_url=fake.api_url, credential=fake.api_key,
            target=made["experiment_id"], lab=lab, repository=repository, settings=options)
        print(f"database: {database_name()}; {args.events:,} events, {args.rooms} rooms of "
              f"{args.participants} participants; settings {options}; "
              f"peak RSS before: {peak_rss_mb():.0f} MB")
        for label in ("import (full)", "import (sync)"):
            if label == "import (sync)":
                fake.grow_big(args.new_events, made["experiment_id"])
            done = measured_run(run, connection, fake, trace=not args.no_trace)
            pages = sum(1 for r in fake.requests if "/data/events/" in r.path)
            rows, tables = event_rows(repository)
            print(f"{label}: {done.wall:.1f} s, status {done.result.status}; "
                  f"{done.requests()}; event pages {pages}; event rows {rows:,} in {tables} "
                  f"tables; files written {done.files_written()}; traced peak {done.traced()}; "
                  f"max RSS {peak_rss_mb():.0f} MB")
            for note in done.result.counts.get("notes", []):
                print(f"  note: {note}")


if __name__ == "__main__":
    main()

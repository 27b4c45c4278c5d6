"""Benchmark: import a generated Labstep workspace (default 500 experiments, 2,000 attachments
of 64 KiB) from the fake Labstep on loopback into a fresh database.

Then imports it again (nothing changed upstream: no download, no write). Prints, for each run,
wall time, requests to the fake (by kind) and peak memory: tracemalloc's peak of Python
allocations during the run (the fake's serving threads included) and this process's max RSS.
Usage: `python bench/labstep_import.py [--experiments N] [--attachments M] [--bytes B]`
(SQLite under a temporary MIRROR_VAR_DIR, or DATABASE_URL).
"""
import argparse
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--experiments", type=int, default=500)
    parser.add_argument("--attachments", type=int, default=2000)
    parser.add_argument("--bytes", type=int, default=64 * 1024)
    args = parser.parse_args()
    lab, repository = fresh_mirror("labstep")
    from importers.labstep.importer import run
    from importers.models import Connection
    from tests.fakes.labstep import FakeLabstep

    with FakeLabstep(api_key="bench") as fake:
        made = fake.seed_big_workspace(args.experiments, args.attachments, args.bytes)
        connection = Connection.objects.create(
            name="bench", source="labstep", base_url=fake.base_url, credential="bench",
            target=str(made["group_id"]), lab=lab, repository=repository,
            settings={"requests_per_second": None})
        print(f"database: {database_name()}; {args.experiments} experiments, "
              f"{args.attachments} attachments of {args.bytes:,} bytes; peak RSS before: "
              f"{peak_rss_mb():.0f} MB")
        for label in ("import (new)", "import (unchanged)"):
            done = measured_run(run, connection, fake)
            print(f"{label}: {done.wall:.1f} s, status {done.result.status}; "
                  f"{done.requests()}; files written {done.files_written()}; "
                  f"traced peak {done.traced()}; max RSS {peak_rss_mb():.0f} MB")


if __name__ == "__main__":
    main()

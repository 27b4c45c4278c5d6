"""Benchmark: import a generated Labstep workspace (default 500 experiments, 2,000 attachments
of 64 KiB) from the fake Labstep on loopback into a fresh database.

Then imports it again (nothing changed upstream: no download, no write). Prints, for each run,
wall time, requests to the fake (by kind) and peak memory: tracemalloc's peak of Python
allocations during the run (the fake's serving threads included) and this process's max RSS.
Usage: `python bench/labstep_import.py [--experiments N] [--attachments M] [--bytes B]`
(SQLite under a temporary MIRROR_VAR_DIR, or DATABASE_URL).
"""
import argparse
import collections
import os
import resource
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
MB = 1024 * 1024


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--experiments", type=int, default=500)
    parser.add_argument("--attachments", type=int, default=2000)
    parser.add_argument("--bytes", type=int, default=64 * 1024)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="mirror-bench-labstep-"))
    os.environ["MIRROR_VAR_DIR"] = str(work / "var")
    os.environ.setdefault("MIRROR_DATA_ROOT", str(work / "data"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mirror.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    from importers.labstep.importer import run
    from importers.models import Connection
    from mirror.data.models import DataRepository
    from mirror.people.models import Lab
    from tests.fakes.labstep import FakeLabstep

    call_command("migrate", verbosity=0)
    lab = Lab.objects.create(name="benchlab")
    repository = DataRepository.objects.create(name="benchlab_labstep")
    with FakeLabstep(api_key="bench") as fake:
        made = fake.seed_big_workspace(args.experiments, args.attachments, args.bytes)
        connection = Connection.objects.create(
            name="bench", source="labstep", base_url=fake.base_url, credential="bench",
            target=str(made["group_id"]), lab=lab, repository=repository,
            settings={"requests_per_second": None})
        database = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
        print(f"database: {database}; {args.experiments} experiments, {args.attachments} "
              f"attachments of {args.bytes:,} bytes; peak RSS before: {peak_rss_mb():.0f} MB")
        for label in ("import (new)", "import (unchanged)"):
            fake.clear_requests()
            tracemalloc.start()
            began = time.perf_counter()
            result = run(connection=connection)
            wall = time.perf_counter() - began
            _, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            kinds = collections.Counter(r.kind for r in fake.requests)
            print(f"{label}: {wall:.1f} s, status {result.status}; {sum(kinds.values())} "
                  f"requests ({', '.join(f'{k} {n}' for k, n in sorted(kinds.items()))}); "
                  f"files written {result.counts.get('files', {}).get('written', 0)}; "
                  f"traced peak {peak / MB:.1f} MB; max RSS {peak_rss_mb():.0f} MB")


if __name__ == "__main__":
    main()

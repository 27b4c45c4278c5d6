"""Benchmark: import a synthetic Labvanced study (default 1,000 sessions x 200 trials).

Serves the study from the fake Labvanced server on loopback, imports it over REST into a fresh
database (SQLite under a temporary MIRROR_VAR_DIR, or DATABASE_URL), then imports it again
(nothing changed upstream) and from a GUI export. Prints wall time and peak memory (max RSS of this
process) for each step. Usage: `python bench/labvanced_import.py [--sessions N] [--trials M]`.
"""
import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.importing import peak_rss_mb  # noqa: E402 (after the path is set)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=1000)
    parser.add_argument("--trials", type=int, default=200)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="mirror-bench-"))
    os.environ["MIRROR_VAR_DIR"] = str(work / "var")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mirror.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    from importers.labvanced.importer import run
    from importers.models import Connection
    from mirror.data.models import DataRepository
    from mirror.people.models import Lab
    from tests.fakes.labvanced import FakeLabvanced
    from tests.fakes.labvanced_bigstudy import generate_study
    from tests.fakes.labvanced_export import build_gui_export

    started = time.perf_counter()
    generate_study(work / "study", exp_id=9001, sessions=args.sessions, trials=args.trials,
                   timeseries_every=0)
    print(f"generated {args.sessions} sessions x {args.trials} trials in "
          f"{time.perf_counter() - started:.1f} s")
    call_command("migrate", verbosity=0)
    lab = Lab.objects.create(name="benchlab")
    repository = DataRepository.objects.create(name="benchlab_labvanced")
    with FakeLabvanced(token="bench", fixtures=work / "study") as fake:
        connection = Connection.objects.create(
            name="bench", source="labvanced", base_url=fake.base_url, credential="bench",
            target="9001", lab=lab, repository=repository,
            settings={"requests_per_second": None})
        database = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
        print(f"database: {database}; peak RSS before import: {peak_rss_mb():.0f} MB")
        for label in ("REST import (new)", "REST import (unchanged)"):
            began = time.perf_counter()
            result = run(connection=connection)
            print(f"{label}: {time.perf_counter() - began:.1f} s, status {result.status}, "
                  f"{result.created} created, {result.unchanged} unchanged, "
                  f"{result.failed} failed; peak RSS {peak_rss_mb():.0f} MB")
        export = build_gui_export(work / "export", exp_id=9001, fixtures=work / "study")
    began = time.perf_counter()
    result = run(connection=connection, from_file=export)
    print(f"export import (same data): {time.perf_counter() - began:.1f} s, status "
          f"{result.status}, {result.created} created, {result.updated} updated, "
          f"{result.unchanged} unchanged; peak RSS {peak_rss_mb():.0f} MB")


if __name__ == "__main__":
    main()

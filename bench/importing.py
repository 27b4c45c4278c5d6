"""What the import benchmarks share: a fresh mirror in a temporary folder, and one measured
run of an importer against a fake platform (wall time, the fake's requests, peak memory)."""
import collections
import os
import resource
import tempfile
import time
import tracemalloc
from dataclasses import dataclass
from pathlib import Path

MB = 1024 * 1024


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def fresh_mirror(source: str):
    """Django on a new database and data root under a temporary folder (SQLite there, or
    DATABASE_URL), migrated; returns (lab, repository) for the benchmark's connection."""
    work = Path(tempfile.mkdtemp(prefix=f"mirror-bench-{source}-"))
    os.environ["MIRROR_VAR_DIR"] = str(work / "var")
    os.environ.setdefault("MIRROR_DATA_ROOT", str(work / "data"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mirror.settings")
    import django

    django.setup()
    from django.core.management import call_command

    from mirror.data.models import DataRepository
    from mirror.people.models import Lab

    call_command("migrate", verbosity=0)
    return (Lab.objects.create(name="benchlab"),
            DataRepository.objects.create(name=f"benchlab_{source}"))


def database_name() -> str:
    from django.conf import settings

    return settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]


@dataclass
class Measured:
    result: object  # the finished ImportRun
    wall: float
    traced_peak: float | None  # bytes; None when not traced
    kinds: collections.Counter

    def requests(self) -> str:
        """`N requests (kind n, …)`."""
        return (f"{sum(self.kinds.values())} requests "
                f"({', '.join(f'{k} {n}' for k, n in sorted(self.kinds.items()))})")

    def files_written(self) -> int:
        return self.result.counts.get("files", {}).get("written", 0)

    def traced(self) -> str:
        return "off" if self.traced_peak is None else f"{self.traced_peak / MB:.1f} MB"


def measured_run(run, connection, fake, *, trace: bool = True) -> Measured:
    """One `run(connection=…)`, with the fake's request log cleared first."""
    fake.clear_requests()
    if trace:
        tracemalloc.start()
    began = time.perf_counter()
    result = run(connection=connection)
    wall = time.perf_counter() - began
    peak = tracemalloc.get_traced_memory()[1] if trace else None
    tracemalloc.stop()
    return Measured(result, wall, peak, collections.Counter(r.kind for r in fake.requests))

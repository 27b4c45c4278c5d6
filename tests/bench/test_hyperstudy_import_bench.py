"""bench/hyperstudy_import.py runs end to end on a tiny experiment (its figures are the closing
notes', never asserted here: timings belong to benchmarks, not tests)."""
import re
import subprocess
import sys

from tests.subprocesses import ROOT


def test_the_hyperstudy_import_benchmark_runs_and_reports(tmp_path):
    # 500 events 10 ms apart in pages of 50: 10 event pages; then 20 more arrive, and the
    # sync, half a second of overlap, reads the last 51 events again and the 20 (2 pages).
    done = subprocess.run(
        [sys.executable, "bench/hyperstudy_import.py", "--events", "500", "--rooms", "3",
         "--new-events", "20", "--page-size", "50", "--overlap-seconds", "0.5"], cwd=ROOT,
        capture_output=True, text=True, timeout=300,
        env={"PATH": "/usr/bin:/bin", "MIRROR_DATA_ROOT": str(tmp_path / "data"),
             "HOME": str(tmp_path)})
    assert done.returncode == 0, done.stderr[-2000:]
    full, sync = [line for line in done.stdout.splitlines() if line.startswith("import (")]
    pages = [int(re.search(r"event pages (\d+);", line).group(1)) for line in (full, sync)]
    assert "status succeeded" in full and "status succeeded" in sync
    assert pages[0] == 10 and pages[1] <= 2
    # 3 rooms × 2 participants: 6 events tables, every event once, after either run; the
    # sync rewrites only them
    assert "event rows 500 in 6 tables" in full and "event rows 520 in 6 tables" in sync
    assert "files written 6;" in sync

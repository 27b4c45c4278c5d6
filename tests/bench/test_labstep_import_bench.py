"""bench/labstep_import.py runs end to end on a tiny workspace (its figures are the closing
notes', never asserted here: timings belong to benchmarks, not tests)."""
import subprocess
import sys

from tests.subprocesses import ROOT


def test_the_labstep_import_benchmark_runs_and_reports(tmp_path):
    done = subprocess.run(
        [sys.executable, "bench/labstep_import.py", "--experiments", "4", "--attachments", "8",
         "--bytes", "1000"], cwd=ROOT, capture_output=True, text=True, timeout=300,
        env={"PATH": "/usr/bin:/bin", "MIRROR_DATA_ROOT": str(tmp_path / "data"),
             "HOME": str(tmp_path)})
    assert done.returncode == 0, done.stderr[-2000:]
    new, unchanged = [line for line in done.stdout.splitlines() if line.startswith("import (")]
    # 8 attachments, and each experiment's data-field table and protocols document
    assert "status succeeded" in new and "signed 8" in new and "files written 16;" in new
    assert "signed" not in unchanged and "files written 0;" in unchanged

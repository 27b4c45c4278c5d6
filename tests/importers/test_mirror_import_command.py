"""`manage.py mirror_import` from a shell: bad options are one usage line, never a traceback."""
import subprocess
import sys

import pytest

from tests.subprocesses import ROOT


@pytest.mark.parametrize("since, words", [
    ("yesterday", "is not a date: use YYYY-MM-DD"),
    ("2026-01-01T09:00+01:00", "has a UTC offset: give the participants' local date/time"),
])
def test_a_bad_since_is_one_usage_error(since, words):
    result = subprocess.run([sys.executable, "manage.py", "mirror_import", "gaze-study",
                             "--since", since], cwd=ROOT, capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert f"error: argument --since: '{since}'" in result.stderr and words in result.stderr

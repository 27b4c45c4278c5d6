"""A server with DEBUG off refuses the development SECRET_KEY; commands run with a warning."""
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

from mirror.core.secret_key import DEVELOPMENT_KEY, weakness

ROOT = Path(__file__).resolve().parents[2]
STRONG = secrets.token_urlsafe(50)


def _run(command: list[str], timeout: float = 60, **env) -> subprocess.CompletedProcess:
    clean = {key: value for key, value in os.environ.items()
             if key not in {"DEBUG", "SECRET_KEY"}}
    return subprocess.run(command, cwd=ROOT, env={**clean, **env}, capture_output=True,
                          text=True, timeout=timeout)


def _import_wsgi(**env) -> subprocess.CompletedProcess:
    return _run([sys.executable, "-c", "import mirror.wsgi"], **env)


@pytest.mark.parametrize("env", [{}, {"SECRET_KEY": DEVELOPMENT_KEY},
                                 {"SECRET_KEY": "django-insecure-" + STRONG},
                                 {"SECRET_KEY": "short-key"}, {"DEBUG": "0"}],
                         ids=["unset", "development", "insecure", "short", "debug-off"])
def test_wsgi_application_refuses_a_weak_key_with_debug_off(env):
    result = _import_wsgi(**env)
    assert result.returncode != 0
    assert "refuses to start" in result.stderr and "SECRET_KEY" in result.stderr


@pytest.mark.parametrize("env", [{"SECRET_KEY": STRONG}, {"DEBUG": "1"}], ids=["key", "debug"])
def test_wsgi_application_starts_with_a_key_or_in_development(env):
    result = _import_wsgi(**env)
    assert result.returncode == 0, result.stderr


def test_gunicorn_refuses_to_start_without_a_key():
    gunicorn = Path(sys.executable).with_name("gunicorn")
    result = _run([str(gunicorn), "mirror.wsgi", "--bind", "127.0.0.1:0", "--workers", "1"],
                  DEBUG="0")
    assert result.returncode != 0
    assert "refuses to start" in result.stdout + result.stderr


def test_commands_run_and_warn_without_a_key():
    result = _run([sys.executable, "manage.py", "check"])
    assert result.returncode == 0, result.stderr
    assert "mirror.W001" in result.stderr and "refuses to start" in result.stderr
    clean = _run([sys.executable, "manage.py", "check"], SECRET_KEY=STRONG)
    assert clean.returncode == 0 and "mirror.W001" not in clean.stdout + clean.stderr


@pytest.mark.parametrize("key, weak", [(DEVELOPMENT_KEY, True), ("", True),
                                       ("django-insecure-" + STRONG, True), ("a" * 60, True),
                                       ("x1" * 10, True), (STRONG, False)])
def test_weakness(key, weak):
    assert (weakness(key) is not None) == weak


def test_runserver_refuses_a_weak_key_in_one_line_and_exits():
    """Not a traceback and an autoreloader waiting for a change: an error and exit status 1."""
    result = _run([sys.executable, "manage.py", "runserver", "127.0.0.1:0"], timeout=30,
                  DEBUG="0", SECRET_KEY="short-key")
    assert result.returncode == 1
    assert result.stderr.startswith("Error: SECRET_KEY is too weak")
    assert "Traceback" not in result.stderr and "refuses to start" in result.stderr

"""Production settings as the README documents them pass Django's deploy check."""
import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _check_deploy(extra_env: dict) -> subprocess.CompletedProcess:
    env = {key: value for key, value in os.environ.items()
           if key not in {"DEBUG", "HTTPS", "SECRET_KEY", "ALLOWED_HOSTS"}}
    env.update(extra_env)
    return subprocess.run([sys.executable, "manage.py", "check", "--deploy", "--fail-level",
                           "WARNING"], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120)


def test_documented_production_settings_are_clean():
    result = _check_deploy({"SECRET_KEY": secrets.token_urlsafe(50), "DEBUG": "0", "HTTPS": "1",
                            "ALLOWED_HOSTS": "mirror.example.org"})
    assert result.returncode == 0, result.stdout + result.stderr


def test_development_defaults_are_flagged():
    """Without SECRET_KEY and HTTPS the deploy check refuses: the defaults are for development."""
    result = _check_deploy({})
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stdout + result.stderr

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


PRODUCTION = {"DEBUG": "0", "HTTPS": "1", "BEHIND_HTTPS_PROXY": "1",
              "MIRROR_CLIENT_IP_HEADER": "X-Forwarded-For", "ALLOWED_HOSTS": "mirror.example.org"}


def test_documented_production_settings_are_clean():
    result = _check_deploy({"SECRET_KEY": secrets.token_urlsafe(50), **PRODUCTION})
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_proxy_without_the_client_address_header_is_flagged():
    """Behind a proxy without MIRROR_CLIENT_IP_HEADER every client shares the proxy's address."""
    settings = {key: value for key, value in PRODUCTION.items()
                if key != "MIRROR_CLIENT_IP_HEADER"}
    result = _check_deploy({"SECRET_KEY": secrets.token_urlsafe(50), **settings})
    assert result.returncode != 0
    assert "mirror.W002" in result.stdout + result.stderr


def test_development_defaults_are_flagged():
    """Without SECRET_KEY and HTTPS the deploy check refuses: the defaults are for development."""
    result = _check_deploy({})
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stdout + result.stderr

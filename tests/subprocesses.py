"""For tests that start the service's own processes (gunicorn, manage.py) on the test data."""
import os
import secrets
import socket
import time
from pathlib import Path

from django.db import connection as db

ROOT = Path(__file__).resolve().parents[1]


def database_url() -> str:
    """The test database, for a child process to share it."""
    config = db.settings_dict
    if config["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{config['NAME']}"
    return (f"postgres://{config['USER']}:{config['PASSWORD'] or ''}@{config['HOST']}:"
            f"{config['PORT'] or 5432}/{config['NAME']}")


def child_env(settings, var_dir: Path, **extra) -> dict:
    """The environment of a child process: this test's database and data root."""
    return {**os.environ, "DATABASE_URL": database_url(),
            "MIRROR_DATA_ROOT": str(settings.MIRROR_DATA_ROOT), "MIRROR_VAR_DIR": str(var_dir),
            # a serving process refuses the development key (mirror.core.secret_key)
            "SECRET_KEY": secrets.token_urlsafe(50), **extra}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(condition, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)

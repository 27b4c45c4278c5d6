"""The app served as in production: gunicorn, 2 workers, DEBUG off, on loopback.

The benchmark measures this server, never Django's test client, so routing, middleware, WSGI and
the workers' memory are what production pays.
"""
import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Gunicorn:
    """`gunicorn mirror.wsgi -w 2` with MIRROR_BENCH=1 (floor views) and the given environment."""

    def __init__(self, env: dict, workers: int = 2):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        # A server with DEBUG off needs a real SECRET_KEY (mirror.core.secret_key).
        self.env = {"SECRET_KEY": secrets.token_urlsafe(50), **os.environ, **env,
                    "DEBUG": "0", "MIRROR_BENCH": "1",
                    "CONN_MAX_AGE": "60", "LOG_LEVEL": "WARNING",
                    "MIRROR_PUBLIC_URL": self.url}
        self.workers = workers
        self.process = None

    def __enter__(self):
        gunicorn = Path(sys.executable).with_name("gunicorn")
        self.process = subprocess.Popen(
            [str(gunicorn), "mirror.wsgi", "-w", str(self.workers), "-b", f"127.0.0.1:{self.port}",
             "--log-level", "warning"], cwd=ROOT, env=self.env)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{self.url}/health", timeout=2) as response:
                    if response.status == 200 and len(self.worker_pids()) == self.workers:
                        return self
            except OSError:
                pass
            time.sleep(0.3)
        self.__exit__(None, None, None)
        raise RuntimeError("gunicorn did not answer /health within 60 s")

    def __exit__(self, *exc):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=30)

    def worker_pids(self) -> list[int]:
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [int(pid) for pid in children.read_text().split()] if children.exists() else []

    def worker_memory_mb(self) -> dict:
        """Current (VmRSS) and peak (VmHWM) resident memory of the largest worker, in MB."""
        current = peak = 0.0
        for pid in self.worker_pids():
            fields = dict(line.split(":", 1) for line in
                          Path(f"/proc/{pid}/status").read_text().splitlines() if ":" in line)
            current = max(current, int(fields["VmRSS"].split()[0]) / 1024)
            peak = max(peak, int(fields["VmHWM"].split()[0]) / 1024)
        return {"rss_mb": round(current), "peak_rss_mb": round(peak)}

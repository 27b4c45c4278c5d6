"""Load with wrk: requests per second and latency percentiles of one request, repeated.

wrk (a C load generator) keeps the client's cost small and constant; a Lua script adds the token
header and a POST/PATCH body, and its `done` hook prints the figures as JSON, so nothing is
scraped from wrk's human-readable report.
"""
import json
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

SCRIPT = """
wrk.method = {method}
wrk.body = {body}
wrk.headers["Authorization"] = {authorization}
wrk.headers["Accept"] = "application/json"
wrk.headers["Content-Type"] = "application/json"
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "WRK_JSON {{\\"requests\\": %d, \\"duration_us\\": %d, \\"p50_us\\": %d, \\"p99_us\\": %d, "
    .. "\\"errors\\": %d, \\"bad_status\\": %d}}\\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    e.connect + e.read + e.write + e.timeout, e.status))
end
"""


@dataclass(frozen=True)
class Load:
    rps: float
    p50_ms: float
    p99_ms: float
    requests: int
    failures: int


def require_wrk() -> str:
    path = shutil.which("wrk")
    if path is None:
        raise SystemExit("wrk is not installed: `apt-get install -y wrk` (Debian/Ubuntu), "
                         "or `make bench` as root installs it.")
    return path


def _lua(value: str | None) -> str:
    return "nil" if value is None else json.dumps(value)  # a JSON string is a Lua string


def run(url: str, *, token: str, method: str = "GET", body: str | None = None,
        seconds: float = 5, connections: int = 2, threads: int = 2) -> Load:
    """One wrk run against `url`; failures count transport errors and non-2xx answers."""
    with tempfile.TemporaryDirectory() as work:
        script = Path(work) / "request.lua"
        script.write_text(SCRIPT.format(method=_lua(method), body=_lua(body),
                                        authorization=_lua(f"Token {token}")))
        command = [require_wrk(), f"-t{threads}", f"-c{connections}",
                   f"-d{max(1, round(seconds))}s", "--timeout", "10s", "-s", str(script), url]
        output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    line = next(line for line in output.splitlines() if line.startswith("WRK_JSON "))
    figures = json.loads(line.removeprefix("WRK_JSON "))
    return Load(rps=figures["requests"] / (figures["duration_us"] / 1e6),
                p50_ms=figures["p50_us"] / 1000, p99_ms=figures["p99_us"] / 1000,
                requests=figures["requests"], failures=figures["errors"] + figures["bad_status"])

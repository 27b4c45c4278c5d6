"""A fake Labvanced REST API on a real loopback HTTP server, for importer tests and manual runs.

The importer must be proven against HTTP, not mocks, and against an upstream that misbehaves, so
this serves recorded-shape fixtures over a ThreadingHTTPServer in a background thread, with fault
switches. Paths, auth header and scheme, and pagination are unverified upstream (reference A.1, E):
each is a constructor argument defaulting to the seed guess (path templates hold `{exp_id}` and
`{rec_session_id}`, path only, no query string).

    with FakeLabvanced(token="t0k") as fake:
        requests.get(fake.sessions_url(4107), headers={"Authorization": "Bearer t0k"})

Standalone: `python -m tests.fakes.labvanced --port 8765 --token t0k --fail 429:1:2`; a running
fake is steered with `POST /_fake/control {"op": "fail_next", "args": {"status": 500}}` and its
log read with `GET /_fake/requests`.
"""
import argparse
from pathlib import Path

from tests.fakes.labvanced_faults import LabvancedFaults, RecordedRequest, RequestLog
from tests.fakes.labvanced_http import Handler, answer
from tests.fakes.labvanced_store import DEFAULT_FIXTURES, StudyStore
from tests.fakes.loopback import LoopbackFake, Response

SESSIONS_PATH = "/api/{exp_id}/sessions"
DOWNLOAD_PATH = "/api/{exp_id}/download/{rec_session_id}"
CONTROL_OPS = ("fail_next", "slow_next", "set_delay", "truncate_zip", "malform_csv",
               "delete_session", "restore_session", "change_session", "reset_faults")


class FakeLabvanced(LoopbackFake):
    """The fake server: construct, `start()` (or `with`), point the importer at `base_url`.

    Lifecycle, the request log, `fail_next`/`slow_next`/`delay` and the control endpoint come
    from `tests.fakes.loopback.LoopbackFake`."""

    name = "fake-labvanced"
    handler = Handler
    control_ops = CONTROL_OPS

    def __init__(self, *, token: str | None = "test-token", fixtures: Path | str = DEFAULT_FIXTURES,
                 host: str = "127.0.0.1", port: int = 0, auth_header: str = "Authorization",
                 auth_scheme: str | None = "Bearer", sessions_path: str = SESSIONS_PATH,
                 download_path: str = DOWNLOAD_PATH, page_size: int | None = None,
                 delay: float = 0.0, fail=(), truncated=(), malformed=(), deleted=(), changed=(),
                 control_prefix: str = "/_fake/"):
        super().__init__(host=host, port=port, control_prefix=control_prefix,
                         faults=LabvancedFaults(delay=delay), log=RequestLog({auth_header}))
        self.token, self.auth_header, self.auth_scheme = token, auth_header, auth_scheme
        self.sessions_path, self.download_path = sessions_path, download_path
        self.page_size = page_size
        self.store = StudyStore(fixtures)
        for spec in fail:
            self.fail_next(*spec)
        for rec_id in truncated:
            self.truncate_zip(rec_id)
        for rec_id in malformed:
            self.malform_csv(rec_id)
        for rec_id in deleted:
            self.delete_session(rec_id)
        for rec_id in changed:
            self.change_session(rec_id)

    def answer(self, method: str, target: str, headers, body: bytes | None
               ) -> tuple[RecordedRequest, Response]:
        return answer(self, method, target, headers, body)

    # Fault switches (all usable while the server runs).
    def fail_next(self, status: int, count: int = 1, retry_after: int | None = None, *,
                  match: str | None = None, html: bool = False, echo: str | None = None) -> None:
        """Next `count` requests (paths containing `match`) answer `status`; 429 has Retry-After;
        `echo` puts the credential received into the error text (faults.ForcedError)."""
        super().fail_next(status, count, retry_after, match=match, html=html, echo=echo)

    def truncate_zip(self, rec_session_id: int, mode: str = "body") -> None:
        self.faults.truncate(rec_session_id, mode)

    def malform_csv(self, rec_session_id: int, filename: str = "trials.csv") -> None:
        self.store.malform(rec_session_id, filename)

    def delete_session(self, rec_session_id: int) -> None:
        self.store.delete(rec_session_id)

    def restore_session(self, rec_session_id: int) -> None:
        self.store.restore(rec_session_id)

    def change_session(self, rec_session_id: int, end_time: str | None = None) -> str:
        """One more trial row, a later end_time (returned) and completed=true upstream."""
        return self.store.change(rec_session_id, end_time=end_time)

    def reset_faults(self) -> None:
        """Clear every switch and data overlay; the request log is kept."""
        self.faults.clear()
        self.store.deleted.clear()
        self.store.malformed.clear()
        self.store.changes.clear()

    def downloads(self) -> list[RecordedRequest]:
        return self.requests_of("download")

    # URLs.
    def sessions_url(self, exp_id: int) -> str:
        return self.base_url + self.sessions_path.format(exp_id=exp_id)

    def download_url(self, exp_id: int, rec_session_id: int) -> str:
        path = self.download_path.format(exp_id=exp_id, rec_session_id=rec_session_id)
        return self.base_url + path

    def auth_headers(self, token: str | None = None) -> dict[str, str]:
        """The header a correct client sends (the importer should build its own from config)."""
        value = token if token is not None else self.token or ""
        return {self.auth_header: f"{self.auth_scheme} {value}" if self.auth_scheme else value}


def _parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Fake Labvanced REST server (loopback).")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--token", default="test-token", help="'' disables auth")
    parser.add_argument("--fixtures", default=str(DEFAULT_FIXTURES))
    parser.add_argument("--auth-header", default="Authorization")
    parser.add_argument("--auth-scheme", default="Bearer", help="'' sends the bare token")
    parser.add_argument("--sessions-path", default=SESSIONS_PATH)
    parser.add_argument("--download-path", default=DOWNLOAD_PATH)
    parser.add_argument("--page-size", type=int)
    parser.add_argument("--delay", type=float, default=0.0)
    parser.add_argument("--fail", action="append", default=[], metavar="STATUS[:COUNT[:RETRY]]")
    for flag in ("truncate", "malform", "delete", "change"):
        parser.add_argument(f"--{flag}", action="append", type=int, default=[], metavar="REC_ID")
    return parser.parse_args(argv)


def main(argv=None) -> None:
    args = _parse_args(argv)
    fail = [tuple(int(x) for x in spec.split(":")) for spec in args.fail]
    fake = FakeLabvanced(
        token=args.token or None, fixtures=args.fixtures, host=args.host, port=args.port,
        auth_header=args.auth_header, auth_scheme=args.auth_scheme or None,
        sessions_path=args.sessions_path, download_path=args.download_path,
        page_size=args.page_size, delay=args.delay, fail=fail, truncated=args.truncate,
        malformed=args.malform, deleted=args.delete, changed=args.change,
    ).start()
    fake.serve_until_interrupted(
        f"fake Labvanced at {fake.base_url} experiments={fake.store.experiments()}")


if __name__ == "__main__":
    main()

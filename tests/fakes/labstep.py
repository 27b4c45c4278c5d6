"""A fake Labstep API on a real loopback HTTP server, faithful enough for the official SDK.

`labstep==3.37.1`, unchanged, runs against it (tests/fakes_tests/test_fake_labstep_sdk.py), so
an importer tested here is tested against what the SDK sends and expects (reference B, D 8-14):
the `apikey` header, 200-only success, cursor pages with a string `next_cursor` ending at "-1",
`get_single=1&id=..&is_deleted=both` bare objects, soft deletion through `deleted_at`, two-step
file downloads through expiring signed URLs, and `+0000` timestamps in old data.

    with FakeLabstep(api_key="k") as fake:
        labstep.service.config.configService.setHost(fake.base_url)
        user = labstep.authenticate(apikey="k")

Seed data: `labstep_seed.py`. Standalone: `python -m tests.fakes.labstep --port 8766 --api-key k
--fail 503:3@/api/generic/experiment-workflow`; a running fake is steered with
`POST /_fake/control {"op": "fail_next", "args": {"status": 429, "retry_after": 2}}` and its log
read with `GET /_fake/requests`.
"""
import argparse
from collections.abc import Callable
from datetime import datetime

from tests.fakes.content import Content
from tests.fakes.faults import Faults, RecordedRequest, RequestLog, fail_spec
from tests.fakes.labstep_files import SignedUrls
from tests.fakes.labstep_http import Handler, answer
from tests.fakes.labstep_paging import Cursors
from tests.fakes.labstep_seed import (
    ACTIVE_GROUP,
    USER_ID,
    add_experiment,
    add_file,
    seed,
    seed_big_workspace,
)
from tests.fakes.labstep_store import LabstepStore
from tests.fakes.labstep_transfer import UPLOAD_SLACK
from tests.fakes.loopback import LoopbackFake, Response

MB = 1024 * 1024
CONTROL_OPS = ("fail_next", "slow_next", "set_delay", "expire_next_signed_url",
               "cut_next_download", "malform_next", "expire_signed_urls", "set_signed_url_ttl",
               "reset_faults", "edit_experiment", "soft_delete", "restore", "replace_file_bytes",
               "add_experiment", "seed_big_workspace")


class FakeLabstep(LoopbackFake):
    """The fake server: construct, `start()` (or `with`), point the SDK or importer at
    `base_url`. `api_key=None` disables auth. `default_count` is the page size when a list
    sends no `count` (upstream's default is unknown); `count` above 50 is capped at 50."""

    name = "fake-labstep"
    handler = Handler
    control_ops = CONTROL_OPS

    def __init__(self, *, api_key: str | None = "test-apikey", host: str = "127.0.0.1",
                 port: int = 0, default_count: int = 10, signed_url_ttl: float = 300.0,
                 upload_limit: int = 200 * MB, delay: float = 0.0, fail=(),
                 clock: Callable[[], datetime] | None = None, control_prefix: str = "/_fake/"):
        super().__init__(host=host, port=port, control_prefix=control_prefix,
                         faults=Faults(delay=delay, default_retry_after=None),
                         log=RequestLog({"apikey"}))
        self.api_key, self.default_count, self.upload_limit = api_key, default_count, upload_limit
        self.store = seed(LabstepStore(clock))
        self.signed = SignedUrls(signed_url_ttl)
        self.cursors = Cursors()
        for spec in fail:
            self.fail_next(*spec[:3], match=spec[3] if len(spec) > 3 else None)

    @property
    def max_request_body(self) -> int:
        return self.upload_limit + UPLOAD_SLACK

    def answer(self, method: str, target: str, headers, body: bytes | None
               ) -> tuple[RecordedRequest, Response]:
        return answer(self, method, target, headers, body)

    def auth_headers(self) -> dict[str, str]:
        return {"apikey": self.api_key or ""}

    # Fault switches (all usable while the server runs).
    def fail_next(self, status: int, count: int = 1, retry_after: int | None = None, *,
                  match: str | None = None, html: bool | None = None) -> None:
        """Next `count` requests whose path contains `match` answer `status`, with Retry-After
        only when given; html=None: an nginx page for 502/503/504, `{"error": ...}` otherwise.
        Signed-URL GETs count too (match "/_signed/")."""
        super().fail_next(status, count, retry_after, match=match, html=html)

    def expire_next_signed_url(self, count: int = 1, *, file_id: int | None = None) -> None:
        """The next `count` download POSTs (of `file_id`) mint a signed URL already expired."""
        self.faults.arm("expired_url", count, match=_file_match("download", file_id))

    def cut_next_download(self, count: int = 1, *, keep: float = 0.5,
                          file_id: int | None = None) -> None:
        """The next `count` signed GETs (of `file_id`) declare the full Content-Length, send
        only `keep` of the bytes, then close the connection."""
        self.faults.arm("cut_download", count, match=_file_match("file", file_id), value=keep)

    def malform_next(self, count: int = 1, *, match: str | None = None) -> None:
        """The next `count` successful JSON answers (paths containing `match`) are cut in half:
        status 200, a consistent Content-Length, and a body that is not JSON."""
        self.faults.arm("malformed", count, match=match)

    def expire_signed_urls(self) -> None:
        """Every signed URL handed out so far expires now."""
        self.signed.expire_all()

    def set_signed_url_ttl(self, seconds: float) -> None:
        self.signed.ttl = seconds

    def reset_faults(self) -> None:
        """Clear every switch and the delay; data changes and the request log are kept."""
        self.faults.clear()

    # Upstream changes a test makes.
    def edit_experiment(self, exp_id: int, *, entry: dict | None = None, **fields) -> dict:
        """Edit an experiment-workflow's fields (name, started_at, ...) and/or its entry body;
        updated_at is bumped even when nothing else changed (someone touched it)."""
        store = self.store
        with store.lock:
            row = store.row("experiment-workflow", exp_id)
            if entry is not None:
                store.edit("experiment", store.row("experiment", row["_root"]),
                           {"state": entry})
            store.edit("experiment-workflow", row, fields)
            row["updated_at"] = store.now()
            return store.view("experiment-workflow", row)

    def soft_delete(self, row_id: int, entity: str = "experiment-workflow") -> dict:
        """What `Entity.delete()` does: deleted_at (and updated_at) set to now."""
        row = self.store.row(entity, row_id)
        return self.store.view(entity, self.store.edit(entity, row,
                                                       {"deleted_at": self.store.now()}))

    def restore(self, row_id: int, entity: str = "experiment-workflow") -> dict:
        row = self.store.row(entity, row_id)
        return self.store.view(entity, self.store.edit(entity, row, {"deleted_at": None}))

    def replace_file_bytes(self, file_id: int, data: bytes | str | None = None, *,
                           size: int | None = None, seed: int | None = None,
                           bump_experiment: bool = False) -> dict:
        """A changed attachment upstream: new bytes (`data`, or `size` generated bytes from
        `seed`), new size and updated_at on the file. The owning experiment's updated_at moves
        only with `bump_experiment` (whether Labstep bumps it is unknown; assume it does not)."""
        store = self.store
        with store.lock:
            row = store.row("file", file_id)
            if row["link_source"] is not None:
                raise ValueError(f"file {file_id} is an external {row['link_source']} link")
            old = store.content(file_id)
            if data is not None:
                content = Content.of(data.encode() if isinstance(data, str) else data)
            else:
                content = Content.generated(size or old.size, seed if seed is not None
                                            else old.seed + 7919 * len(store.contents[file_id]))
            store.set_content(file_id, content)
            row["size"], row["updated_at"] = content.size, store.now()
            if bump_experiment:
                for workflow in self._workflows_of(file_id):
                    workflow["updated_at"] = store.now()
            return store.view("file", row)

    def add_experiment(self, name: str, *, author: int = USER_ID, group: int = ACTIVE_GROUP,
                       folders=(), tags=(), attachments: dict[str, bytes | str | int] | None = None,
                       entry_text: str | None = None) -> dict:
        """A new experiment created now; `attachments` maps file names to bytes (or str) or to
        a size in bytes to generate. Returns its JSON (its id is above every existing one)."""
        store = self.store
        with store.lock:
            now = store.now()
            files = [self._new_file(file_name, data, group, now)["id"]
                     for file_name, data in (attachments or {}).items()]
            row = add_experiment(store, store.next_id("experiment-workflow"), name,
                                 author=author, group=group, created_at=now, folders=folders,
                                 tags=tags, files=files, entry_text=entry_text)
            return store.view("experiment-workflow", row)

    def seed_big_workspace(self, experiments: int, attachments: int = 0,
                           size: int = 1024) -> dict:
        """A new workspace of `experiments` experiments and `attachments` generated files of
        `size` bytes dealt round-robin; returns {"group_id", "experiment_ids", "file_ids"}."""
        return seed_big_workspace(self.store, experiments, attachments, size)

    def add_uploaded_file(self, name: str, data: bytes, mime_type: str,
                          fields: dict[str, str]) -> dict:
        """The upload endpoint's work: a new file, attached to `experiment_id` (an entry or a
        protocol run) or `protocol_id` (a protocol version) when the form names one."""
        store = self.store
        with store.lock:
            row = self._new_file(name, data, int(fields.get("group_id") or ACTIVE_GROUP),
                                 store.now())
            row["mime_type"] = mime_type
            for field, entity in (("experiment_id", "experiment"), ("protocol_id", "protocol")):
                if fields.get(field):
                    store.row(entity, int(fields[field]))["_files"].append(row["id"])
            return store.view("file", row)

    def _new_file(self, name: str, data: bytes | str | int, group: int, now: str) -> dict:
        file_id = self.store.next_id("file")
        if isinstance(data, int):
            content = Content.generated(data, file_id)
        else:
            content = Content.of(data.encode() if isinstance(data, str) else data)
        return add_file(self.store, file_id, name, group, now, content)

    def _workflows_of(self, file_id: int) -> list[dict]:
        return [self.store.row("experiment-workflow", entry["_workflow"])
                for entry in self.store.rows["experiment"].values() if file_id in entry["_files"]]

    # Reading state back (tests).
    def file_content(self, file_id: int) -> Content:
        """The current bytes of a file (`.md5()`, `.read()`, `.size`)."""
        return self.store.content(file_id)

    def calls(self, kind: str, entity: str | None = None) -> list[RecordedRequest]:
        """Logged requests of one kind ("list", "get", "legacy-get", "edit", "user-info",
        "download", "signed", "upload", "unknown", "wrong-method"), optionally of one entity."""
        return [r for r in self.requests_of(kind)
                if entity is None or r.path.split("/")[3:4] == [entity]]


def _file_match(prefix: str, file_id: int | None) -> str | None:
    return None if file_id is None else f"/{prefix}/{file_id}/"


def _parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Fake Labstep API server (loopback).")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--api-key", default="test-apikey", help="'' disables auth")
    parser.add_argument("--default-count", type=int, default=10)
    parser.add_argument("--signed-url-ttl", type=float, default=300.0)
    parser.add_argument("--upload-limit", type=int, default=200 * MB)
    parser.add_argument("--delay", type=float, default=0.0)
    parser.add_argument("--fail", action="append", default=[],
                        metavar="STATUS[:COUNT[:RETRY_AFTER]][@PATH_TEXT]")
    parser.add_argument("--expire-next-url", type=int, default=0, metavar="COUNT")
    parser.add_argument("--cut-next-download", type=int, default=0, metavar="COUNT")
    parser.add_argument("--malform-next", type=int, default=0, metavar="COUNT")
    parser.add_argument("--big-workspace", metavar="EXPERIMENTS[:ATTACHMENTS[:BYTES]]")
    return parser.parse_args(argv)


def main(argv=None) -> None:
    args = _parse_args(argv)
    fake = FakeLabstep(api_key=args.api_key or None, host=args.host, port=args.port,
                       default_count=args.default_count, signed_url_ttl=args.signed_url_ttl,
                       upload_limit=args.upload_limit, delay=args.delay,
                       fail=[fail_spec(spec) for spec in args.fail])
    for switch, count in ((fake.expire_next_signed_url, args.expire_next_url),
                          (fake.cut_next_download, args.cut_next_download),
                          (fake.malform_next, args.malform_next)):
        if count:
            switch(count)
    if args.big_workspace:
        fake.seed_big_workspace(*(int(x) for x in args.big_workspace.split(":")))
    fake.start()
    fake.serve_until_interrupted(
        f"fake Labstep at {fake.base_url} workspace={ACTIVE_GROUP} "
        f"experiments={len(fake.store.rows['experiment-workflow'])}")


if __name__ == "__main__":
    main()

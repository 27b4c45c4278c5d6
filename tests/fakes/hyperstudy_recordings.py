"""Recording downloads of the fake HyperStudy (reference C.5): three styles, one storage bucket.

- `path` (since SDK 0.3.1): the listing carries `downloadPath`; `GET {api}{downloadPath}` with the
  API key answers `{"status": "success", "data": {"url": <signed>}}`.
- `signed` (legacy): the listing itself embeds a signed `downloadUrl`, minted afresh on every
  listing, plus the object's bare `url`, which the private bucket refuses (403).
- `url` (oldest): only a bare `url`, of an object in a public bucket path.

Signed URLs look like GCS V4 ones (`X-Goog-Algorithm`, `-Date`, `-Expires`, `-Signature`) on the
fake's own `/storage/<bucket>/<object>` path, need no API key, are reusable until they expire
(`signed_url_ttl` seconds on the fake's clock), and answer a GCS XML 403 once expired, forged or
pointed at another object. Bodies are generated (`Content` from labstep_files: seeded blocks,
streamed in 64 KiB chunks with Content-Length), so a recording of any size costs no memory.
"""
import secrets
import threading
import time
from collections.abc import Callable
from urllib.parse import quote, urlencode

from tests.fakes.content import Content, parse_range
from tests.fakes.hyperstudy_envelope import ApiError, gcs_error, success
from tests.fakes.hyperstudy_seed import BUCKET
from tests.fakes.hyperstudy_store import doc_id, public
from tests.fakes.loopback import Response

STORAGE = f"/storage/{BUCKET}/"
MIME = {"mp4": "video/mp4", "webm": "audio/webm"}
ANONYMOUS = ("Anonymous caller does not have storage.objects.get access to the Google Cloud "
             "Storage object. Permission 'storage.objects.get' denied on resource (or it may not "
             "exist).")


def content_of(record: dict) -> Content:
    seed = int(doc_id("bytes", record["recordingId"]).encode().hex()[:12], 16)
    return Content.generated(record["_size"], seed)


class Signer:
    """Mints and checks signed storage URLs; token -> (object, expiry on the fake's clock)."""

    def __init__(self, clock: Callable[[], float] = time.time, ttl: float = 900.0):
        self.clock, self.ttl = clock, ttl
        self._links: dict[str, tuple[str, float]] = {}
        self._lock = threading.Lock()

    def query(self, object_name: str, *, expired: bool = False) -> str:
        now = self.clock()
        token = secrets.token_hex(32)
        with self._lock:
            self._links[token] = (object_name, now - 1.0 if expired else now + self.ttl)
        stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(now))
        return urlencode({"X-Goog-Algorithm": "GOOG4-HMAC-SHA256",
                          "X-Goog-Credential": "fake-signer@hyperstudy.iam.gserviceaccount.com",
                          "X-Goog-Date": stamp, "X-Goog-Expires": max(1, round(self.ttl)),
                          "X-Goog-SignedHeaders": "host", "X-Goog-Signature": token})

    def check(self, object_name: str, token: str) -> str:
        """"" when the token is good for `object_name`, else "expired" or "forged"."""
        with self._lock:
            link = self._links.get(token)
        if link is None or link[0] != object_name:
            return "forged"
        return "expired" if self.clock() >= link[1] else ""

    def expire_all(self) -> None:
        with self._lock:
            self._links = {t: (name, float("-inf")) for t, (name, _) in self._links.items()}


def object_url(fake, record: dict) -> str:
    return fake.base_url + STORAGE + quote(record["_object"])


def signed_url(fake, record: dict) -> str:
    expired = bool(fake.faults.take("expired_url", f"/{record['recordingId']}"))
    return object_url(fake, record) + "?" + fake.signer.query(record["_object"], expired=expired)


def present(fake, record: dict) -> dict:
    """A recording as a listing shows it, in its style."""
    out = public(record)
    style = record["_style"]
    if style == "path":
        out["downloadPath"] = (f"/data/recordings/download/{record['roomId']}/"
                               f"{record['recordingId']}")
    if style == "signed":
        out["downloadUrl"] = signed_url(fake, record)
    if style in ("signed", "url"):
        out["url"] = object_url(fake, record)
    return out


def mint(fake, room_id: str, recording_id: str) -> Response:
    if room_id not in fake.store.rooms:
        raise ApiError(404, f"Room not found: {room_id}")
    record = fake.store.recording(recording_id)
    if record is None or record["roomId"] != room_id:
        raise ApiError(404, f"Recording {recording_id} not found in room {room_id}")
    return success({"url": signed_url(fake, record)})


def serve_object(fake, object_path: str, params: dict[str, str], headers) -> Response:
    """`GET /storage/<bucket>/<object>[?X-Goog-...]`: the bytes, or GCS's XML refusal."""
    name = object_path[len(STORAGE):]
    record = next((r for r in fake.store.records["recordings"] if r["_object"] == name), None)
    token = params.get("X-Goog-Signature")
    if token is not None:
        why = fake.signer.check(name, token)
        if why == "expired":
            return gcs_error(403, "AccessDenied", "Access denied.",
                             "Request has expired: the signed URL is no longer valid.")
        if why:
            return gcs_error(403, "SignatureDoesNotMatch", "Access denied.",
                             "The request signature we calculated does not match the "
                             "signature you provided.")
    elif record is not None and record["_style"] != "url":
        return gcs_error(403, "AccessDenied", "Access denied.", ANONYMOUS)
    if record is None:
        return gcs_error(404, "NoSuchKey", "The specified key does not exist.",
                         f"No such object: {BUCKET}/{name}")
    return _stream(fake, record, headers)


def _stream(fake, record: dict, headers) -> Response:
    """The object's bytes (a single `Range` honoured, 206), or fewer than declared when a cut
    is armed: the full Content-Length promised, `keep` of it sent, then the connection closed."""
    content = content_of(record)
    span = parse_range(headers.get("Range"), content.size)
    if span == "unsatisfiable":
        return gcs_error(416, "InvalidRange", "The requested range cannot be satisfied.")
    start, end = span or (0, content.size)
    keep = fake.faults.take("cut_download", f"/{record['recordingId']}")
    sent = end if keep is None else start + int((end - start) * float(keep))
    out = {"Content-Type": MIME[record["format"]], "Accept-Ranges": "bytes",
           "x-goog-stored-content-length": str(content.size), "Cache-Control": "private",
           **({"Content-Range": f"bytes {start}-{end - 1}/{content.size}"} if span else {})}
    return Response(206 if span else 200, headers=out, declared_length=end - start,
                    chunks=content.chunks(start, sent), close=keep is not None)

"""File bytes and signed URLs of the fake Labstep: generated content, S3-like links, uploads.

A 50 MB attachment must cost neither a fixture on disk nor 50 MB of memory per request, so content
is either literal bytes (small seed files, uploads) or a (seed, size) recipe streamed in 64 KiB
chunks: each chunk is a seed-specific 64 KiB block with the seed and chunk number stamped on its
front, so every chunk differs and changing the seed changes the md5 at the same size.

Signed URLs mimic S3 pre-signed links: unauthenticated, reusable until they expire, pinned to the
bytes that existed when minted (a later `replace_file_bytes` does not change what an old link
serves), and answered with 403 + an S3 XML error when missing, garbled or expired.
"""
import dataclasses
import functools
import hashlib
import mimetypes
import random
import secrets
import struct
import threading
import time
from dataclasses import dataclass
from email.parser import BytesParser
from email.policy import HTTP

CHUNK = 64 * 1024


@dataclass(frozen=True)
class Content:
    """The bytes of one file version: `data`, or `size` bytes generated from `seed`."""

    size: int
    data: bytes | None = None
    seed: int = 0

    @classmethod
    def of(cls, data: bytes) -> "Content":
        return cls(len(data), data)

    @classmethod
    def generated(cls, size: int, seed: int) -> "Content":
        return cls(size, None, seed)

    def chunks(self, start: int = 0, end: int | None = None):
        """Bytes [start, end) in pieces of at most CHUNK bytes, produced lazily."""
        end = self.size if end is None else min(end, self.size)
        if self.data is not None:
            for offset in range(start, end, CHUNK):
                yield self.data[offset:min(offset + CHUNK, end)]
            return
        block = _block(self.seed)
        offset = start
        while offset < end:
            index, skip = divmod(offset, CHUNK)
            piece = (struct.pack(">QQ", self.seed, index) + block[16:])[skip:skip + end - offset]
            yield piece
            offset += len(piece)

    def md5(self) -> str:
        digest = hashlib.md5()
        for chunk in self.chunks():
            digest.update(chunk)
        return digest.hexdigest()

    def read(self) -> bytes:
        """All the bytes at once (tests only; the server always streams)."""
        return b"".join(self.chunks())


@functools.lru_cache(maxsize=32)
def _block(seed: int) -> bytes:
    """A file's repeated block, kept for the few files being served (a workspace of 2,000
    generated files must not hold 2,000 blocks: the benchmark measures the importer)."""
    return random.Random(seed).randbytes(CHUNK)


@dataclass(frozen=True)
class SignedLink:
    file_id: int
    content: Content
    name: str
    mime_type: str
    expires_at: float


class SignedUrls:
    """Token -> the file version it serves; `ttl` seconds of life (tests shorten it)."""

    def __init__(self, ttl: float = 300.0):
        self.ttl = ttl
        self._links: dict[str, SignedLink] = {}
        self._lock = threading.Lock()

    def mint(self, file_id: int, content: Content, name: str, mime_type: str, *,
             expired: bool = False) -> str:
        token = secrets.token_urlsafe(32)
        expires_at = time.monotonic() + (-1.0 if expired else self.ttl)
        with self._lock:
            self._links[token] = SignedLink(file_id, content, name, mime_type, expires_at)
        return token

    def resolve(self, token: str) -> tuple[SignedLink | None, str]:
        """(link, "") when usable, else (None, why) with why in "expired" / "invalid"."""
        with self._lock:
            link = self._links.get(token)
        if link is None:
            return None, "invalid"
        if time.monotonic() >= link.expires_at:
            return None, "expired"
        return link, ""

    def expire_all(self) -> None:
        with self._lock:
            self._links = {t: dataclasses.replace(link, expires_at=0.0)
                           for t, link in self._links.items()}


def parse_range(header: str | None, size: int) -> tuple[int, int] | None | str:
    """`Range: bytes=a-b` / `bytes=a-` / `bytes=-n` -> (start, end exclusive); None when absent
    or not a single byte range (served whole, as S3 does); "unsatisfiable" past the end."""
    if not header or not header.startswith("bytes=") or "," in header:
        return None
    first, _, last = header[6:].strip().partition("-")
    try:
        if first == "":
            start, end = max(size - int(last), 0), size
        else:
            start, end = int(first), (int(last) + 1 if last else size)
    except ValueError:
        return None
    if start >= size or start >= end:
        return "unsatisfiable"
    return start, min(end, size)


def parse_upload(content_type: str, body: bytes) -> tuple[dict[str, str], dict | None]:
    """A multipart/form-data body -> (form fields, the `file` part as name/mime/data or None)."""
    message = BytesParser(policy=HTTP).parsebytes(
        b"Content-Type: " + content_type.encode("latin-1") + b"\r\n\r\n" + body)
    if not message.is_multipart():
        raise ValueError("the upload must be multipart/form-data")
    fields, upload = {}, None
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if name == "file":
            filename = part.get_filename() or "file"
            mime = part.get_content_type() if part.get("content-type") else None
            upload = {"name": filename, "data": part.get_payload(decode=True) or b"",
                      "mime_type": mime or guess_mime(filename)}
        elif name:
            fields[name] = (part.get_payload(decode=True) or b"").decode("utf-8", "replace")
    return fields, upload


def guess_mime(name: str) -> str:
    return mimetypes.guess_type(name)[0] or "application/octet-stream"

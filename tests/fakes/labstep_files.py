"""Signed URLs and uploads of the fake Labstep (its file bytes: tests/fakes/content.py).

Signed URLs mimic S3 pre-signed links: unauthenticated, reusable until they expire, pinned to the
bytes that existed when minted (a later `replace_file_bytes` does not change what an old link
serves), and answered with 403 + an S3 XML error when missing, garbled or expired.
"""
import dataclasses
import mimetypes
import secrets
import threading
import time
from dataclasses import dataclass
from email.parser import BytesParser
from email.policy import HTTP

from tests.fakes.content import Content


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

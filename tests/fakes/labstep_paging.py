"""Cursor paging as the Labstep SDK expects it (reference B.2), with cursors a client cannot forge.

The first page is `cursor=-1` (or no cursor); every answer carries `next_cursor` as a JSON
*string*, exactly "-1" on the last page. Other cursors are opaque: the last id served and the
entity name, MACed with a per-fake secret, so a guessed page number or a cursor from another list
is a 400. Pages are keyset pages ("ids past the last one served", in the list's order), so a row
added while a client pages does not shift later pages, as in a real cursor API.
"""
import base64
import binascii
import hmac
import os
import struct

FIRST_PAGE = "-1"
MAX_COUNT = 50


class Cursors:
    def __init__(self, secret: bytes | None = None):
        self._secret = secret or os.urandom(16)

    def _mac(self, entity: str, last_id: int) -> bytes:
        return hmac.new(self._secret, f"{entity}:{last_id}".encode(), "sha256").digest()[:12]

    def encode(self, entity: str, last_id: int) -> str:
        raw = struct.pack(">Q", last_id) + self._mac(entity, last_id)
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

    def decode(self, entity: str, cursor: str) -> int | None:
        """The last id served before `cursor` (None: first page); ValueError when not ours."""
        if cursor == FIRST_PAGE:
            return None
        try:
            raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        except (binascii.Error, ValueError) as exc:
            raise ValueError(f"invalid cursor {cursor!r}") from exc
        if len(raw) != 20:
            raise ValueError(f"invalid cursor {cursor!r}")
        (last_id,) = struct.unpack(">Q", raw[:8])
        if not hmac.compare_digest(raw[8:], self._mac(entity, last_id)):
            raise ValueError(f"invalid cursor {cursor!r}")
        return last_id

    def page(self, entity: str, rows: list[dict], count: int, cursor: str, *,
             descending: bool = True) -> tuple[list[dict], str]:
        """`rows` sorted by id (descending, or not) -> (this page, next_cursor)."""
        last_id = self.decode(entity, cursor)
        rest = rows if last_id is None else [
            r for r in rows if (r["id"] < last_id if descending else r["id"] > last_id)]
        page = rest[:count]
        more = len(rest) > count
        return page, self.encode(entity, page[-1]["id"]) if more else FIRST_PAGE


def page_size(raw: str | None, default: int) -> int:
    """`count`: absent -> the fake's default; above 50 -> 50 (the SDK never asks for more, and
    the fake assumes the server caps rather than errs); not a positive integer -> ValueError."""
    if raw is None:
        return default
    count = int(raw)
    if count < 1:
        raise ValueError(f"count must be a positive integer, not {raw!r}")
    return min(count, MAX_COUNT)

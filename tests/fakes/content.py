"""Generated file bytes for the fakes: a (seed, size) recipe streamed in 64 KiB chunks, so a
50 MB attachment or recording costs neither a fixture on disk nor 50 MB of memory per request.
Each chunk is a seed-specific block with the seed and chunk number stamped on its front: every
chunk differs, and another seed changes the md5 at the same size. Also byte ranges."""
import functools
import hashlib
import random
import struct
from dataclasses import dataclass

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

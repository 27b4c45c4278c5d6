"""The file server ONE downloads from: `GET /data/<lab>/Subjects/<subject>/<date>/<NNN>/<…>`.

ONE rebuilds download URLs from its HTTP_DATA_SERVER setting and puts the dataset UUID in the file
name (`trials.intervals.<uuid>.npy`), so the UUID, not the folders, picks the file; a path without
a UUID is looked up as a file record's relative path. Files come from local repositories on disk,
with Content-Length (ONE requires it) and single byte ranges. Who may read them is
mirror.data.file_auth's decision (MIRROR_FILES_AUTH).
"""
import logging
import re
from pathlib import Path

from django.http import FileResponse, Http404, HttpResponse, StreamingHttpResponse
from django.views.decorators.http import require_http_methods

from mirror.data.content_types import content_type_for
from mirror.data.file_auth import files_refusal
from mirror.data.models import DataRepository, FileRecord
from mirror.data.paths import UnsafePath, check_relative_path
from mirror.data.selectors import COPIES_ORDER

logger = logging.getLogger(__name__)
UUID_IN_NAME = re.compile(r"\.([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-"
                          r"[0-9a-fA-F]{12})(?=\.[^./]+$)")
RANGE = re.compile(r"^bytes=(\d{0,19})-(\d{0,19})$", re.ASCII)  # 19 digits pass any file size
CHUNK = 256 * 1024


def _local_copies(path: str):
    records = FileRecord.objects.filter(
        exists=True, data_repository__repository_type=DataRepository.LOCAL
    ).select_related("data_repository").order_by(*COPIES_ORDER)
    match = UUID_IN_NAME.search(path)
    if match:
        return records.filter(dataset_id=match.group(1).lower())
    try:
        check_relative_path(path)
    except UnsafePath:  # a NUL, '..', an empty part: no record has such a path
        return records.none()
    return records.filter(relative_path=path)


def resolve_file(path: str) -> Path:
    """The file on disk for a /data/ path; Http404 if no existing local copy is found.

    A copy counts only if its file resolves inside its repository's folder, itself inside
    MIRROR_DATA_ROOT (mirror.data.paths): a record naming anything else is never opened.
    """
    for record in _local_copies(path):
        try:
            candidate = record.data_repository.file(record.relative_path)
        except UnsafePath as error:
            logger.warning("File record %s refused: %s", record.pk, error)
            continue
        if candidate.is_file():
            return candidate
    raise Http404("No such file on this server.")


def _byte_range(header: str, size: int) -> tuple[int, int] | None | bool:
    """(first, last) of a single `bytes=a-b` range of a file of `size` bytes; None to send the
    whole file (no range, or one that is not valid: RFC 9110 ignores those, as for `5-2`);
    False when the range is valid but lies past the end (416)."""
    match = RANGE.match(header.strip())
    if not match or match.groups() == ("", ""):
        return None
    first, last = match.groups()
    if first == "":  # the last `last` bytes; a suffix longer than the file is all of it
        return (max(size - int(last), 0), size - 1) if size else False
    if last and int(last) < int(first):
        return None
    if int(first) >= size:
        return False
    return int(first), min(int(last), size - 1) if last else size - 1


def _ranged(request, file_path: Path, size: int):
    """A 206 for one `bytes=a-b` range, 416 if it cannot be met, None to send everything."""
    bounds = _byte_range(request.META.get("HTTP_RANGE", ""), size)
    if bounds is None:
        return None
    if bounds is False:
        response = HttpResponse(status=416)
        response["Content-Range"] = f"bytes */{size}"
        return response
    start, end = bounds

    def chunks():
        with file_path.open("rb") as handle:
            handle.seek(start)
            remaining = end - start + 1
            while remaining > 0:
                block = handle.read(min(CHUNK, remaining))
                if not block:
                    return
                remaining -= len(block)
                yield block

    response = StreamingHttpResponse(chunks(), status=206,
                                     content_type=content_type_for(file_path.name))
    response["Content-Length"] = str(end - start + 1)
    response["Content-Range"] = f"bytes {start}-{end}/{size}"
    return response


@require_http_methods(["GET", "HEAD"])
def serve_data_file(request, path: str):
    if (refusal := files_refusal(request)) is not None:
        return refusal
    file_path = resolve_file(path)
    size = file_path.stat().st_size
    response = _ranged(request, file_path, size)
    if response is None:
        response = FileResponse(file_path.open("rb"), as_attachment=False,
                                filename=file_path.name,
                                content_type=content_type_for(file_path.name))
        response["Content-Length"] = str(size)
    response["Accept-Ranges"] = "bytes"
    # Files come from outside: a browser showing one runs none of its scripts on this origin.
    response["Content-Security-Policy"] = "sandbox"
    return response

"""The file server ONE downloads from: `GET /data/<lab>/Subjects/<subject>/<date>/<NNN>/<…>`.

ONE rebuilds download URLs from its HTTP_DATA_SERVER setting and puts the dataset UUID in the file
name (`trials.intervals.<uuid>.npy`), so the UUID, not the folders, picks the file; a path without
a UUID is looked up as a file record's relative path. Files come from local repositories on disk,
with Content-Length (ONE requires it) and single byte ranges. Who may read them is
mirror.data.file_auth's decision (MIRROR_FILES_AUTH).
"""
import re
from pathlib import Path

from django.http import FileResponse, Http404, HttpResponse, StreamingHttpResponse
from django.views.decorators.http import require_http_methods

from mirror.data.file_auth import files_refusal
from mirror.data.models import DataRepository, FileRecord
from mirror.data.selectors import COPIES_ORDER

UUID_IN_NAME = re.compile(r"\.([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-"
                          r"[0-9a-fA-F]{12})(?=\.[^./]+$)")
RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")
CHUNK = 256 * 1024


def _local_copies(path: str):
    records = FileRecord.objects.filter(
        exists=True, data_repository__repository_type=DataRepository.LOCAL
    ).select_related("data_repository").order_by(*COPIES_ORDER)
    match = UUID_IN_NAME.search(path)
    if match:
        return records.filter(dataset_id=match.group(1).lower())
    return records.filter(relative_path=path)


def resolve_file(path: str) -> Path:
    """The file on disk for a /data/ path; Http404 if no existing local copy is found."""
    for record in _local_copies(path):
        root = record.data_repository.directory.resolve()
        candidate = (root / record.relative_path).resolve()
        if candidate.is_relative_to(root) and candidate.is_file():
            return candidate
    raise Http404("No such file on this server.")


def _ranged(request, file_path: Path, size: int):
    """A 206 for one `bytes=a-b` range, 416 if it cannot be met, None to send everything."""
    match = RANGE.match(request.META.get("HTTP_RANGE", "").strip())
    if not match or match.groups() == ("", ""):
        return None
    first, last = match.groups()
    if first == "":
        start, end = max(size - int(last), 0), size - 1
    else:
        start, end = int(first), min(int(last), size - 1) if last else size - 1
    if start >= size or start > end:
        response = HttpResponse(status=416)
        response["Content-Range"] = f"bytes */{size}"
        return response

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
                                     content_type="application/octet-stream")
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
                                filename=file_path.name, content_type="application/octet-stream")
        response["Content-Length"] = str(size)
    response["Accept-Ranges"] = "bytes"
    return response

"""The content type a data file is served with, from its extension.

An allowlist, not `mimetypes`: files come from outside (uploads, imports), and a type a browser
renders as a page (HTML, SVG, XML) would run an uploaded script on this origin. Anything not
listed is `application/octet-stream`, which a browser only downloads.
"""
from pathlib import PurePath

OCTET_STREAM = "application/octet-stream"
SERVED_TYPES = {
    ".csv": "text/csv; charset=utf-8",
    ".tsv": "text/tab-separated-values; charset=utf-8",
    ".htsv": "text/tab-separated-values; charset=utf-8",  # ALF's headed TSV
    ".txt": "text/plain; charset=utf-8",
    ".json": "application/json",
    ".jsonable": "application/x-ndjson",  # ALF: one JSON document per line
    ".pqt": "application/vnd.apache.parquet",
    ".parquet": "application/vnd.apache.parquet",
    ".npy": "application/x-npy",
    ".zip": "application/zip",
    ".gz": "application/gzip",
    ".mp4": "video/mp4",
    ".webm": "video/webm",
    ".avi": "video/x-msvideo",
    ".wav": "audio/wav",
    ".mp3": "audio/mpeg",
    ".ogg": "audio/ogg",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".pdf": "application/pdf",
}


def content_type_for(file_name: str) -> str:
    """The type to serve `file_name` as; unknown or page-like extensions are octet-stream."""
    return SERVED_TYPES.get(PurePath(file_name).suffix.lower(), OCTET_STREAM)

"""Turning the floor's raw rows into the API's JSON: the same values, formatted by hand.

Raw cursors skip Django's converters, so values come as each database stores them (SQLite: UUIDs
as 32 hex digits, times as text, booleans as 0/1, JSON as text); these helpers normalise both.
"""
import json
import uuid

from django.db import connection
from django.http import HttpResponse

from mirror.core.qc import QC

SEP = "\x1f"  # what floor_sql.agg joins names with

QC_LABELS = {int(choice): choice.label for choice in QC}


def uuid_str(value) -> str | None:
    if value is None or isinstance(value, uuid.UUID):
        return value and str(value)
    return f"{value[:8]}-{value[8:12]}-{value[12:16]}-{value[16:20]}-{value[20:]}"


def db_param(value: str):
    """A UUID as the database stores it (SQLite: 32 hex digits)."""
    key = uuid.UUID(str(value))
    return key.hex if connection.vendor == "sqlite" else key


def time_str(value) -> str | None:
    if value is None or isinstance(value, str):
        return value and value.replace(" ", "T", 1)
    return value.isoformat()


def loads(value):
    return json.loads(value) if isinstance(value, str) else value


def names(value) -> list[str]:
    return value.split(SEP) if value else []


def add_uuid(path: str, pk: str) -> str:
    head, slash, name = path.rpartition("/")
    stem, dot, ext = name.rpartition(".")
    return f"{head}{slash}{stem}.{pk}.{ext}" if dot and stem else f"{path}.{pk}"


def fetch(statement: str, params: list) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.fetchall()


def respond(data) -> HttpResponse:
    body = json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return HttpResponse(body.encode(), content_type="application/json")


def data_url(request, repository_url, relative_path: str, dataset_id: str) -> str:
    root = repository_url or f"{request.scheme}://{request.get_host()}/data/"
    if not root.endswith("/"):
        root += "/"
    return root + add_uuid(relative_path, dataset_id)


def dataset_records(request, rows) -> list[dict]:
    """/datasets records from `floor_sql.dataset_list` rows (one row per file record)."""
    root = f"{request.scheme}://{request.get_host()}"
    results, current = [], None
    for r in rows:
        pk = uuid_str(r[0])
        if current is None or current["id"] != pk:
            session = uuid_str(r[7])
            current = {
                "url": f"{root}/datasets/{pk}", "id": pk, "name": r[1], "created_by": r[2],
                "created_datetime": time_str(r[3]), "dataset_type": r[4], "data_format": r[5],
                "collection": r[6], "session": session and f"{root}/sessions/{session}",
                "file_size": r[8], "hash": r[9], "version": r[10], "experiment_number": r[11],
                "file_records": [], "auto_datetime": time_str(r[12]), "revision": r[13],
                "default_dataset": bool(r[14]), "protected": bool(r[15]), "public": bool(r[16]),
                "tags": names(r[17]), "qc": QC_LABELS[r[18]], "json": loads(r[19]),
                "source": r[20], "source_id": r[21], "imported_at": time_str(r[22]),
                "upstream_deleted_at": time_str(r[23])}
            results.append(current)
        if r[25] is not None:
            current["file_records"].append({
                "id": uuid_str(r[25]), "data_repository": r[26], "data_repository_path": r[27],
                "relative_path": r[28], "data_url": data_url(request, r[29], r[28], pk),
                "exists": bool(r[30])})
    return results

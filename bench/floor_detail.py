"""The floor of `/sessions/<id>`: the session, its users, projects and downloadable datasets in
one statement (one row per existing file copy), shaped like SessionSerializer's output."""
from django.http import Http404

from bench import floor_sql as sql
from bench.floor_format import (
    QC_LABELS,
    data_url,
    db_param,
    fetch,
    loads,
    names,
    respond,
    time_str,
    uuid_str,
)


def _session(root: str, r) -> dict:
    pk, parent = uuid_str(r[0]), uuid_str(r[11])
    return {
        "subject": r[1], "users": names(r[2]), "location": None, "procedures": [], "lab": r[3],
        "projects": names(r[4]), "type": r[5], "task_protocol": r[6], "number": r[7],
        "start_time": time_str(r[8]), "end_time": time_str(r[9]), "narrative": r[10],
        "parent_session": parent and f"{root}/sessions/{parent}", "n_correct_trials": r[12],
        "n_trials": r[13], "url": f"{root}/sessions/{pk}", "extended_qc": loads(r[14]),
        "qc": QC_LABELS[r[15]], "wateradmin_session_related": [],
        "data_dataset_session_related": [], "auto_datetime": time_str(r[16]), "id": pk,
        "json": loads(r[17]), "probe_insertion": [], "field_of_view": [], "notes": [],
        "name": r[18], "source": r[19], "source_id": r[20], "imported_at": time_str(r[21]),
        "upstream_deleted_at": time_str(r[22])}


def session_detail(request, pk):
    """`/bench/floor/sessions/<uuid>`."""
    rows = fetch(sql.session_detail(), [db_param(pk)])
    if not rows:
        raise Http404(pk)
    root = f"{request.scheme}://{request.get_host()}"
    record = _session(root, rows[0])
    datasets, current = record["data_dataset_session_related"], None
    for r in rows:
        if r[23] is None:
            continue
        dataset_id = uuid_str(r[23])
        if current is not None and current["id"] == dataset_id:
            continue  # the first copy (server before personal) gives the data_url
        current = {
            "id": dataset_id, "name": r[24], "dataset_type": r[25],
            "data_url": data_url(request, r[36], r[34], dataset_id),
            "url": f"{root}/datasets/{dataset_id}", "file_size": r[26], "hash": r[27],
            "version": r[28], "collection": r[29], "revision": r[30] or "",
            "default_revision": str(bool(r[31])), "qc": QC_LABELS[r[32]]}
        datasets.append(current)
    return respond(record)

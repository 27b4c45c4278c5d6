"""The floor: each benchmarked read as one SQL statement and `json.dumps`, in the same server.

A floor view answers the same JSON as the API (tests/bench/test_floor.py checks it) with none of
the framework: no DRF, no filterset, no serializer, no authentication, one query. Its throughput is
what the database, Django's request handling and JSON encoding alone allow, and the benchmark
reports each endpoint as a fraction of it. Wired only with MIRROR_BENCH=1 (bench/urls.py).
"""
import ast
import datetime

from rest_framework.utils.urls import remove_query_param, replace_query_param

from bench import floor_sql as sql
from bench.floor_format import (
    dataset_records,
    db_param,
    fetch,
    names,
    respond,
    time_str,
    uuid_str,
)


def _page(request, endpoint: str, count: int, results: list, limit: int, offset: int):
    url = f"{request.scheme}://{request.get_host()}/{endpoint}?{request.META['QUERY_STRING']}"
    next_url = None
    if offset + limit < count:
        next_url = replace_query_param(replace_query_param(url, "limit", limit),
                                       "offset", offset + limit)
    previous = None
    if offset > 0:
        previous = replace_query_param(url, "limit", limit)
        previous = (remove_query_param(previous, "offset") if offset - limit <= 0
                    else replace_query_param(previous, "offset", offset - limit))
    return respond({"count": count, "next": next_url, "previous": previous, "results": results})


def _limits(request) -> tuple[int, int]:
    limit = min(int(request.GET.get("limit") or 250), 1000)
    return limit, int(request.GET.get("offset") or 0)


def _session_filters(request) -> dict:
    filters, get = {}, request.GET
    if "subject" in get:
        filters["subject"] = get["subject"]
    if "date_range" in get:
        first, last = (datetime.date.fromisoformat(d.strip()) for d in get["date_range"].split(","))
        filters["date_range"] = [datetime.datetime.combine(first, datetime.time()),
                                 datetime.datetime.combine(last, datetime.time())
                                 + datetime.timedelta(days=1)]
    if "datasets" in get:
        filters["datasets"] = [name.strip() for name in get["datasets"].split(",")]
    if get.get("django", "").startswith("pk__in,"):
        filters["pk__in"] = [db_param(pk) for pk in ast.literal_eval(get["django"][7:])]
    return filters


def sessions(request):
    """`/bench/floor/sessions`: subject, date_range, datasets, django=pk__in,(…), limit, offset."""
    limit, offset = _limits(request)
    where, params = sql.session_where(_session_filters(request))
    rows = fetch(sql.session_list(where), [*params, *params, limit, offset])
    root = f"{request.scheme}://{request.get_host()}"
    results = []
    for r in rows:
        pk = uuid_str(r[0])
        results.append({
            "id": pk, "subject": r[1], "start_time": time_str(r[2]), "number": r[3],
            "lab": r[4], "projects": names(r[5]), "url": f"{root}/sessions/{pk}",
            "task_protocol": r[6], "source": r[7], "source_id": r[8],
            "imported_at": time_str(r[9]), "upstream_deleted_at": time_str(r[10])})
    return _page(request, "sessions", rows[0][11] if rows else 0, results, limit, offset)


def datasets(request):
    """`/bench/floor/datasets`: session, limit, offset."""
    limit, offset = _limits(request)
    where, params = "1 = 1", []
    if "session" in request.GET:
        where, params = "d.session_id = %s", [db_param(request.GET["session"])]
    rows = fetch(sql.dataset_list(where), [*params, *params, limit, offset])
    results = dataset_records(request, rows)
    return _page(request, "datasets", rows[0][24] if rows else 0, results, limit, offset)

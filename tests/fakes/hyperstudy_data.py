"""The data endpoints' answer: one page of records in the envelope, as unkind as upstream.

`metadata.pagination` carries `hasMore` and `nextOffset`, and `nextOffset` is left out on the
last page (reference C.3). `total` is wrong, as it is known to be upstream (the SDK's release
notes fix a wrong events total), and how is a fake setting, `total_mode`:

- "page" (default): offset + returned, what the query has read so far; a client looping
  `while offset < total` stops after page one;
- "unfiltered": the scope's count ignoring startTime/endTime and type filters, too big for an
  incremental read;
- "exact": the true count.

A query hitting a missing Firestore index (a rule `add_missing_index`, or the one-shot
`warn_next`) answers `data: []`, total 0 and a `MISSING_INDEX` string in `metadata._warnings`,
with status 200. Sparse and continuous ratings report `dataType: "ratings"` plus `ratingType`.
"""
from tests.fakes.hyperstudy_envelope import API_VERSION, ApiError, success
from tests.fakes.hyperstudy_formats import render
from tests.fakes.hyperstudy_query import Query, experiment_of, parse, select
from tests.fakes.hyperstudy_recordings import present
from tests.fakes.hyperstudy_store import DATA_TYPES, iso, public

TOTAL_MODES = ("page", "unfiltered", "exact")


def data_answer(fake, data_type: str, scope: str, scope_id: str, path: str,
                params: dict[str, str]):
    if data_type not in DATA_TYPES:
        raise ApiError(404, f"Unknown data type: {data_type}")
    query = parse(data_type, scope, scope_id, params, fake.max_page_size)
    warning = _missing_index(fake, query, path, params)
    if warning:
        experiment_of(fake.store, query)  # an unknown id is still a 404
        rows, total, more = [], 0, False
    else:
        view = select(fake.store, query)
        rows = view.page(query.offset, query.offset + query.limit)
        more = query.offset + len(rows) < len(view)
        total = _total(fake, query, view, len(rows))
    rows = [present(fake, r) if data_type == "recordings" else public(r) for r in rows]
    if query.format != "json":
        return render(rows, query.format)
    pagination = {"total": total, "returned": len(rows), "hasMore": more,
                  "limit": query.limit, "offset": query.offset}
    if more:
        pagination["nextOffset"] = query.offset + len(rows)
    metadata = {**_names(query), "timestamp": iso(int(fake.clock() * 1000)),
                "query": query.echo, "processing": _processing(fake, query, len(rows)),
                "pagination": pagination}
    if warning:
        metadata["_warnings"] = [warning]
    return success(rows, metadata)


def _names(query: Query) -> dict:
    if query.data_type.startswith("ratings/"):
        return {"dataType": "ratings", "ratingType": query.data_type.split("/")[1],
                "scope": query.scope, "scopeId": query.scope_id}
    return {"dataType": query.data_type, "scope": query.scope, "scopeId": query.scope_id}


def _total(fake, query: Query, view, returned: int) -> int:
    if fake.total_mode == "exact":
        return len(view)
    if fake.total_mode == "unfiltered":
        return len(select(fake.store, query.unfiltered()))
    return query.offset + returned


def _processing(fake, query: Query, returned: int) -> dict:
    store = fake.store
    if query.scope == "experiment":
        starts = [store.room_starts[r["id"]] for r in store.rooms_of(query.scope_id)]
    else:
        starts = [store.room_starts[query.scope_id if query.scope == "room" else query.room_id]]
    return {"experimentStartedAt": iso(min(starts)) if starts else None,
            "processingTimeMs": 40 + returned // 10, "enriched": True, "version": API_VERSION}


def _missing_index(fake, query: Query, path: str, params: dict[str, str]) -> str | None:
    hit = fake.faults.take("warning", path)
    if not hit:
        hit = any(data_type == query.data_type and scope == query.scope
                  and (param is None or params.get(param))
                  for data_type, scope, param in fake.missing_indexes)
    if not hit:
        return None
    return (f"MISSING_INDEX: Query for {query.scope}/{query.scope_id} requires a composite "
            "Firestore index. Results may be incomplete.")

"""`GET /data/{dataType}/{scope}/{scopeId}`: the query parameters, the scope rules, the selection.

Rules (reference C.2, D 17): scope is experiment, room or participant; the participant scope
needs `?roomId=` (400 without) and the participant must be in that room (404 otherwise);
participants and rooms exist at experiment and room scope only (400 at participant scope).
`startTime`/`endTime` are inclusive bounds on the type's time field (`timestamp`, or `startTime`,
`joinedAt`, `createdAt`), so an incremental client that asks from the last time it saw gets that
record again and must de-duplicate. `limit` above the fake's page size is capped, not refused.
Unknown query parameters are ignored, as upstream ignores them.
"""
from dataclasses import dataclass, field, replace

from tests.fakes.hyperstudy_big import ListView
from tests.fakes.hyperstudy_envelope import ApiError, bad_parameter
from tests.fakes.hyperstudy_store import DATA_TYPES, DataSpec, HyperStudyStore, epoch_ms, iso

SCOPES = ("experiment", "room", "participant")
CATEGORIES = ("component", "state", "media", "communication", "sync", "pre_experiment",
              "questionnaire", "system")
COMPLETION_CODES = ("SUCCESS", "TIMEOUT", "TECHNICAL", "NOCONSENT", "ABANDONED", "IN_PROGRESS",
                    "COMPLETED_NO_CODE")
FORMATS = ("json", "csv", "ndjson")
DEFAULT_LIMIT = 1000
# Type-specific filters: query parameter -> record field.
FILTERS = {"events": {"category": "category"},
           "components": {"componentType": "componentType", "completed": "completed",
                          "stateId": "stateId"},
           "participants": {"completionCode": "completionCode"}}


@dataclass(frozen=True)
class Query:
    data_type: str
    scope: str
    scope_id: str
    room_id: str | None = None
    deployment_id: str | None = None
    start: int | None = None  # epoch ms, inclusive
    end: int | None = None
    sort: str = "timestamp"
    order: str = "asc"
    limit: int = DEFAULT_LIMIT
    offset: int = 0
    format: str = "json"
    filters: dict = field(default_factory=dict)  # record field -> wanted value
    echo: dict = field(default_factory=dict)  # what metadata.query reports

    @property
    def spec(self) -> DataSpec:
        return DATA_TYPES[self.data_type]

    def unfiltered(self) -> "Query":
        return replace(self, start=None, end=None, filters={})


def parse(data_type: str, scope: str, scope_id: str, params: dict[str, str],
          max_page_size: int) -> Query:
    spec = DATA_TYPES[data_type]
    if scope not in SCOPES:
        raise bad_parameter("scope", scope, " | ".join(SCOPES))
    if scope not in spec.scopes:
        raise ApiError(400, f"{data_type} data is only available at "
                            f"{' or '.join(spec.scopes)} scope",
                       {"parameter": "scope", "value": scope, "expected": list(spec.scopes)})
    room_id = params.get("roomId") or None
    if scope == "participant" and room_id is None:
        raise bad_parameter("roomId", None, "a room id",
                            "roomId query parameter is required for participant scope")
    times = {name: _time(params, name) for name in ("startTime", "endTime")}
    sort = params.get("sort") or "timestamp"
    if sort not in ("timestamp",) + spec.sorts:
        raise bad_parameter("sort", sort, " | ".join(("timestamp",) + spec.sorts))
    order = params.get("order") or "asc"
    if order not in ("asc", "desc"):
        raise bad_parameter("order", order, "asc | desc")
    fmt = params.get("format") or "json"
    if fmt not in FORMATS:
        raise bad_parameter("format", fmt, " | ".join(FORMATS))
    limit = min(integer_param(params, "limit", DEFAULT_LIMIT, 1), max_page_size)
    offset = integer_param(params, "offset", 0, 0)
    filters = _filters(data_type, params)
    echo = {"startTime": params.get("startTime"), "endTime": params.get("endTime"),
            **({"category": params.get("category")} if data_type == "events" else {}),
            "limit": limit, "offset": offset, "sort": sort, "order": order}
    if data_type == "sync" and "aggregationWindow" in params:
        echo["aggregationWindow"] = integer_param(params, "aggregationWindow", 0, 1)
    return Query(data_type, scope, scope_id, room_id, params.get("deploymentId") or None,
                 times["startTime"], times["endTime"], sort, order, limit, offset, fmt,
                 filters, echo)


def _time(params: dict[str, str], name: str) -> int | None:
    text = params.get(name)
    if not text:
        return None
    try:
        return epoch_ms(text)
    except ValueError:
        raise bad_parameter(name, text, "ISO 8601 timestamp",
                            f"Invalid date format for {name}") from None


def integer_param(params: dict[str, str], name: str, default: int, minimum: int) -> int:
    text = params.get(name)
    if text is None or text == "":
        return default
    try:
        value = int(text)
    except ValueError:
        value = minimum - 1
    if value < minimum:
        raise bad_parameter(name, text, f"integer >= {minimum}")
    return value


def _filters(data_type: str, params: dict[str, str]) -> dict:
    wanted = {}
    for name, record_field in FILTERS.get(data_type, {}).items():
        value = params.get(name)
        if not value:
            continue
        if name == "category" and value not in CATEGORIES:
            raise bad_parameter(name, value, " | ".join(CATEGORIES))
        if name == "completionCode" and value not in COMPLETION_CODES:
            raise bad_parameter(name, value, " | ".join(COMPLETION_CODES))
        if name == "completed":
            if value not in ("true", "false"):
                raise bad_parameter(name, value, "true | false")
            value = value == "true"
        wanted[record_field] = value
    return wanted


def experiment_of(store: HyperStudyStore, query: Query) -> str:
    """The experiment a query reads, after answering 404 for an unknown scope id or room."""
    if query.scope == "experiment":
        if query.scope_id not in store.experiments:
            raise ApiError(404, f"Experiment not found: {query.scope_id}")
        return query.scope_id
    room_id = query.scope_id if query.scope == "room" else query.room_id
    room = store.rooms.get(room_id)
    if room is None:
        raise ApiError(404, f"Room not found: {room_id}")
    if query.scope == "participant" and store.participant_row(room_id, query.scope_id) is None:
        raise ApiError(404, f"Participant {query.scope_id} not found in room {room_id}")
    return room["experimentId"]


def select(store: HyperStudyStore, query: Query):
    """The records a query selects, in order, as a view with `len()` and `page(start, stop)`."""
    with store.lock:
        experiment = experiment_of(store, query)
        big = store.big.get(experiment)
        if big is not None and query.data_type == "events":
            return _select_big(store, big, query)
        spec = query.spec
        rows = [r for r in store.rows(query.data_type) if _in_scope(store, spec, query, r)]
    low = iso(query.start) if query.start is not None else None
    high = iso(query.end) if query.end is not None else None
    if low or high:
        rows = [r for r in rows if r.get(spec.time) is not None
                and (low is None or r[spec.time] >= low) and (high is None or r[spec.time] <= high)]
    rows = [r for r in rows if all(r.get(k) == v for k, v in query.filters.items())]
    key = spec.time if query.sort == "timestamp" else query.sort
    rows.sort(key=lambda r: (r.get(key) is None, r.get(key) if r.get(key) is not None else 0),
              reverse=query.order == "desc")
    return ListView(rows)


def _in_scope(store: HyperStudyStore, spec: DataSpec, query: Query, row: dict) -> bool:
    room = row.get(spec.room)
    if query.scope == "experiment":
        if row.get("experimentId") != query.scope_id:
            return False
        if query.room_id and room != query.room_id:
            return False
        if query.deployment_id:
            return store.rooms.get(room, {}).get("deploymentId") == query.deployment_id
        return True
    if query.scope == "room":
        return room == query.scope_id
    return room == query.room_id and row.get(spec.who) == query.scope_id


def _select_big(store: HyperStudyStore, big, query: Query):
    if query.deployment_id and query.deployment_id != store.rooms[big.room_ids[0]][
            "deploymentId"]:
        return ListView([])  # a big experiment has one deployment; another selects nothing
    return big.select(room=query.scope_id if query.scope == "room" else query.room_id,
                      participant=query.scope_id if query.scope == "participant" else None,
                      start_ms=query.start, end_ms=query.end,
                      category=query.filters.get("category"), reverse=query.order == "desc")

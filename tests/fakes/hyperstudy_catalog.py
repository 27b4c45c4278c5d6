"""The non-data endpoints: health, experiments, deployments, sessions, access, variables, counts.

Single-object answers are inconsistent upstream and the fake keeps both forms (reference C.3,
D 22): `GET /experiments/{id}` (and `/config`, `/export`) answer `data` as a one-element list,
`GET /deployments/{id}` as an object. Non-data endpoints carry a thin metadata
(`dataType`, `scope`, `scopeId`) without pagination, except the experiments list, which pages
like the data endpoints (the SDK asks 50 at a time).
"""
from tests.fakes.hyperstudy_envelope import API_VERSION, ApiError, bad_parameter, success
from tests.fakes.hyperstudy_query import DEFAULT_LIMIT, integer_param
from tests.fakes.hyperstudy_store import DATA_TYPES, iso
from tests.fakes.loopback import json_response

LIST_FIELDS = ("id", "name", "description", "ownerEmail", "roomCount", "participantCount",
               "createdAt", "updatedAt")
DEPLOYMENT_LIST_FIELDS = ("id", "experimentId", "name", "status", "ownerId", "ownerName",
                          "createdAt")
COUNT_NAMES = {"events": "events", "chat": "textchat", "videochat": "videochat", "sync": "sync",
               "ratings/continuous": "continuousRatings", "ratings/sparse": "sparseRatings",
               "components": "components", "recordings": "recordings",
               "eyetracking": "eyetracking"}


def health(fake):
    """Unauthenticated; `{"status": "healthy"}`, not the envelope (an importer checks for 200)."""
    return json_response(200, {"status": "healthy", "version": API_VERSION,
                               "timestamp": iso(int(fake.clock() * 1000))})


def _thin(data_type: str, scope: str, scope_id: str) -> dict:
    return {"dataType": data_type, "scope": scope, "scopeId": scope_id}


def experiments(fake, params: dict[str, str], *, shared: bool = False):
    store = fake.store
    search = (params.get("search") or "").lower()
    rows = [] if shared else [
        {k: e[k] for k in LIST_FIELDS} for e in store.experiments.values()
        if search in e["name"].lower() or search in e["description"].lower()]
    limit = min(integer_param(params, "limit", DEFAULT_LIMIT, 1), fake.max_page_size)
    offset = integer_param(params, "offset", 0, 0)
    page = rows[offset:offset + limit]
    pagination = {"total": len(rows), "returned": len(page),
                  "hasMore": offset + len(page) < len(rows), "limit": limit, "offset": offset}
    if pagination["hasMore"]:
        pagination["nextOffset"] = offset + len(page)
    return success(page, {**_thin("experiments", "user", store.user_id),
                          "pagination": pagination})


def experiment(fake, experiment_id: str, part: str | None):
    found = fake.store.experiments.get(experiment_id)
    if found is None:
        raise ApiError(404, f"Experiment not found: {experiment_id}")
    if part == "config":
        record = {k: found[k] for k in ("id", "name", "states", "roles",
                                        "requiredParticipants")}
    elif part == "export":
        record = {"experiment": dict(found), "mediaAssets": [], "exportVersion": 1}
    else:
        record = dict(found)
    return success([record], _thin("experiment", "experiment", experiment_id))


def deployments(fake, params: dict[str, str]):
    rows = [{k: d[k] for k in DEPLOYMENT_LIST_FIELDS} for d in fake.store.deployments.values()
            if params.get("experimentId") in (None, "", d["experimentId"])
            and params.get("status") in (None, "", d["status"])]
    return success(rows, _thin("deployments", "user", fake.store.user_id))


def deployment(fake, deployment_id: str):
    found = fake.store.deployments.get(deployment_id)
    if found is None:
        raise ApiError(404, f"Deployment not found: {deployment_id}")
    people = sum(r["participantCount"] for r in fake.store.rooms.values()
                 if r["deploymentId"] == deployment_id)
    return success({**found, "participantCount": people},
                   _thin("deployment", "deployment", deployment_id))


def sessions(fake, deployment_id: str):
    if deployment_id not in fake.store.deployments:
        raise ApiError(404, f"Deployment not found: {deployment_id}")
    rows = [{k: r[k] for k in ("id", "experimentId", "deploymentId", "status",
                               "participantCount", "createdAt")}
            for r in fake.store.rooms.values() if r["deploymentId"] == deployment_id]
    return success(rows, _thin("sessions", "deployment", deployment_id))


def check_access(fake, scope: str, experiment_id: str):
    if scope != "experiment":
        raise bad_parameter("scope", scope, "experiment")
    if experiment_id not in fake.store.experiments:
        raise ApiError(404, f"Experiment not found: {experiment_id}")
    return success({"canView": True, "canExport": True},
                   _thin("access", "experiment", experiment_id))


def variables(fake, scope: str, room_id: str):
    if scope != "room":
        raise bad_parameter("scope", scope, "room", "variables are only available at room scope")
    if room_id not in fake.store.rooms:
        raise ApiError(404, f"Room not found: {room_id}")
    found = fake.store.variables.get(room_id) or {
        "writes": [], "metadata": {"variableNames": [], "timeline": [], "matrixColumns": [],
                                   "droppedWrites": [], "mode": "reconstructed"}}
    return success(found["writes"], {**_thin("variables", "room", room_id),
                                     **found["metadata"]})


def counts(fake, scope: str, participant_id: str, params: dict[str, str]):
    if scope != "participant":
        raise bad_parameter("scope", scope, "participant",
                            "counts are only available at participant scope")
    room_id = params.get("roomId")
    if not room_id:
        raise bad_parameter("roomId", None, "a room id",
                            "roomId query parameter is required for participant scope")
    store = fake.store
    if room_id not in store.rooms:
        raise ApiError(404, f"Room not found: {room_id}")
    if store.participant_row(room_id, participant_id) is None:
        raise ApiError(404, f"Participant {participant_id} not found in room {room_id}")
    with store.lock:
        numbers = {name: store.count(data_type, room_id, participant_id)
                   for data_type, name in COUNT_NAMES.items() if data_type in DATA_TYPES}
        big = store.big.get(store.rooms[room_id]["experimentId"])
        if big is not None:  # generated events are counted, not stored
            numbers["events"] = len(big.select(room=room_id, participant=participant_id))
    return success([{"participantId": participant_id, "roomId": room_id, "counts": numbers,
                     "hasData": {name: n > 0 for name, n in numbers.items()}}],
                   _thin("counts", "participant", participant_id))

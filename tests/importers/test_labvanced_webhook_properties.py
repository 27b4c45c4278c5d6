"""Property-based: whatever a browser posts to the webhook, the answer is a 4xx or 200 with a
JSON body and CORS headers, never a 5xx (issue 11, item 9: the class stays closed).

Bodies are built from the player's own field names with values of every JSON type (huge and
negative numbers, NUL and other odd text, deep nesting, lists where objects go), then sent as
JSON, as jQuery form encoding, or as raw bytes, to every route, against a few sessions that are
running, finished or never opened. Deterministic (derandomized), a few hundred calls.
"""
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.importers.test_labvanced_webhook_trust import post, start

ROUTES = ["setPlayerSessionStartedTime", "addMetaInfo", "recordStartTask", "recordTrial",
          "finishExpSession", "errExpSession", "file_upload", "noSuchRoute"]
FIELDS = ["expSessionNr", "expId", "sessionNr", "groupNr", "start_time", "end_time", "var_data",
          "recData", "trialNr", "recTaskId", "taskName", "taskNr", "blockName", "blockNr",
          "err_msg", "token", "newFileName", "Subject_Code"]
ANSWERS = {200, 400, 403, 404, 405, 409, 413, 429}

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-(10**40), max_value=10**40),
    st.floats(allow_nan=False), st.text(max_size=30),
    st.sampled_from(["", "\x00", "1", "001", "²", "1e400", "2026-03-02 09:30:00+01",
                     "../../etc/passwd", "a/b", "..", "x" * 300, "9" * 25, "-1"]))
values = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=4)),
    max_leaves=12)
sessions = st.sampled_from([1, 2, 3, "1", 10**30, None])
bodies = st.fixed_dictionaries(
    {"expSessionNr": sessions},
    optional={**{name: values for name in FIELDS if name != "expSessionNr"},
              "recData": st.one_of(values, st.fixed_dictionaries({"data": values}))})


def _form(payload: dict, prefix: str = "") -> list[tuple[str, str]]:
    pairs = []
    for key, value in payload.items():
        name = f"{prefix}[{key}]" if prefix else str(key)
        if isinstance(value, dict):
            pairs += _form(value, name)
        else:
            pairs.append((name, "" if value is None else str(value)))
    return pairs


@pytest.fixture
def running(client, connection):
    start(client, connection, 1)
    start(client, connection, 2)
    post(client, connection, "finishExpSession", {"expSessionNr": 2})
    return client


@settings(max_examples=300, derandomize=True, deadline=None, database=None,
          suppress_health_check=list(HealthCheck))
@given(route=st.sampled_from(ROUTES), payload=bodies,
       encoding=st.sampled_from(["json", "form", "raw"]), raw=st.binary(max_size=64))
def test_no_body_gets_a_server_error(running, connection, route, payload, encoding, raw):
    if encoding == "json":
        response = post(running, connection, route, raw=json.dumps(payload, default=str))
    elif encoding == "form":
        from urllib.parse import urlencode

        response = post(running, connection, route, raw=urlencode(_form(payload)),
                        content_type="application/x-www-form-urlencoded")
    else:
        response = post(running, connection, route, raw=raw,
                        content_type="application/octet-stream")
    assert response.status_code in ANSWERS, (response.status_code, response.content[:300])
    assert response["Access-Control-Allow-Origin"] == "https://www.labvanced.com"
    answer = response.json()
    assert answer["success"] is (response.status_code == 200)

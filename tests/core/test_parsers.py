"""JSON bodies nested too deep are a 400 ParseError on every endpoint (a RecursionError was a
500), /auth-token included; ordinary nesting still works."""
import json

import pytest
from rest_framework.test import APIClient

from mirror.core.parsers import MAX_DEPTH


def _nested(depth: int) -> str:
    return '{"a":' * (depth - 1) + "[1]" + "}" * (depth - 1)


BODIES = {"100,000 [": "[" * 100_000, "5,000 objects": _nested(5000),
          "one level too deep": json.dumps({"name": "x", "json": json.loads(_nested(MAX_DEPTH))})}


@pytest.mark.parametrize("body", BODIES.values(), ids=BODIES)
@pytest.mark.parametrize("method, url", [("POST", "/tags"), ("POST", "/auth-token"),
                                         ("PATCH", "/sessions/{session}")])
def test_deep_nesting_is_a_400(api, lab_world, method, url, body):
    client = api if url != "/auth-token" else APIClient()
    response = client.generic(method, url.format(session=lab_world.sessions[0].pk), body,
                              content_type="application/json")
    assert response.status_code == 400, response.content[:300]
    assert "nest more than 100 levels" in response.json()["detail"]


def test_nesting_within_the_limit_is_kept(api, lab_world):
    nested = json.loads(_nested(MAX_DEPTH - 1))
    response = api.post("/tags", {"name": "deep", "json": nested}, format="json")
    assert response.status_code == 201, response.content[:300]
    assert response.json()["json"] == nested

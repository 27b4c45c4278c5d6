"""The service answers: health without auth, data only with a token."""


def test_health_needs_no_login(anonymous):
    """/health reports the database and the version to anyone."""
    response = anonymous.get("/health")
    assert response.status_code == 200
    assert response.json()["database"] == "ok"


def test_sessions_need_login(anonymous):
    """Without credentials Alyx answers 403 with DRF's message."""
    response = anonymous.get("/sessions")
    assert response.status_code == 403
    assert "credentials were not provided" in response.json()["detail"]


def test_session_list_has_alyx_shape(api, lab_world):
    """A session list record carries exactly the keys ONE reads, plus provenance."""
    response = api.get("/sessions")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 4
    record = body["results"][0]
    assert list(record)[:8] == ["id", "subject", "start_time", "number", "lab", "projects",
                                "url", "task_protocol"]
    assert record["url"].endswith(record["id"])

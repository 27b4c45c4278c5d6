"""Every endpoint, every method: the same checks for each resource in resources.py."""
import uuid

import pytest

from tests.api.resources import RESOURCES

pytestmark = pytest.mark.parametrize("resource", RESOURCES, ids=str)


def _record_id(record: dict) -> str:
    return record.get("id") or record["url"][-36:]


def test_list_uses_alyx_envelope(api, lab_world, resource):
    """GET /<endpoint> answers Alyx's paginated envelope."""
    response = api.get(f"/{resource.endpoint}")
    assert response.status_code == 200, response.content
    assert set(response.json()) == {"count", "next", "previous", "results"}


def test_create_then_read_by_uuid_and_key(lab_world, writer, resource):
    """POST makes a record that GET returns by UUID and by its natural key."""
    client = writer(resource)
    created = client.post(f"/{resource.endpoint}", resource.create(lab_world), format="json")
    assert created.status_code == 201, created.content
    record = created.json()
    assert record["source"] == "local"
    by_id = client.get(f"/{resource.endpoint}/{_record_id(record)}")
    assert by_id.status_code == 200
    assert by_id.json() == client.get(f"/{resource.endpoint}/{_record_id(record)}").json()
    if resource.natural_key:
        by_key = client.get(f"/{resource.endpoint}/{record[resource.natural_key]}")
        assert by_key.status_code == 200
        assert _record_id(by_key.json()) == _record_id(record)


def test_patch_changes_only_given_fields(lab_world, writer, resource):
    """PATCH changes the fields sent and keeps the rest."""
    client = writer(resource)
    record = client.post(f"/{resource.endpoint}", resource.create(lab_world), format="json").json()
    response = client.patch(f"/{resource.endpoint}/{_record_id(record)}", resource.change,
                            format="json")
    assert response.status_code == 200, response.content
    changed = response.json()
    for name, value in resource.change.items():
        assert changed[name] == value
    untouched = set(record) - set(resource.change) - {"auto_datetime"}
    assert {name: changed[name] for name in untouched} == {name: record[name] for name in untouched}


def test_put_replaces_the_record(lab_world, writer, resource):
    """PUT with a full body stores it."""
    client = writer(resource)
    body = resource.create(lab_world)
    record = client.post(f"/{resource.endpoint}", body, format="json").json()
    response = client.put(f"/{resource.endpoint}/{_record_id(record)}", body | resource.change,
                          format="json")
    assert response.status_code == 200, response.content
    for name, value in resource.change.items():
        assert response.json()[name] == value


def test_delete_then_gone(lab_world, writer, resource):
    """DELETE answers 204 and the record is gone (404)."""
    client = writer(resource)
    record = client.post(f"/{resource.endpoint}", resource.create(lab_world), format="json").json()
    assert client.delete(f"/{resource.endpoint}/{_record_id(record)}").status_code == 204
    assert client.get(f"/{resource.endpoint}/{_record_id(record)}").status_code == 404


def test_unknown_record_is_404(api, lab_world, resource):
    """A UUID that names nothing is 404 with a detail message."""
    response = api.get(f"/{resource.endpoint}/{uuid.uuid4()}")
    assert response.status_code == 404
    assert response.json()["status_code"] == 404


def test_unknown_query_parameter_is_400(api, lab_world, resource):
    """A misspelled filter is refused, naming the accepted parameters."""
    response = api.get(f"/{resource.endpoint}", {"no_such_filter": "1"})
    assert response.status_code == 400
    message = response.json()["no_such_filter"][0]
    assert "limit" in message and "django" in message


def test_anonymous_gets_403(anonymous, lab_world, resource):
    """Nothing is readable without logging in."""
    assert anonymous.get(f"/{resource.endpoint}").status_code == 403


def test_read_only_user_reads_but_cannot_write(reader_api, lab_world, resource):
    """A read-only account lists records and is refused writes with an explanation."""
    assert reader_api.get(f"/{resource.endpoint}").status_code == 200
    response = reader_api.post(f"/{resource.endpoint}", resource.create(lab_world), format="json")
    assert response.status_code == 403
    assert "read-only" in response.json()["detail"] or "staff" in response.json()["detail"]


def test_invalid_json_body_is_400(lab_world, writer, resource):
    """A body that is not JSON is a 400 that says so."""
    response = writer(resource).generic("POST", f"/{resource.endpoint}", "{not json",
                                        content_type="application/json")
    assert response.status_code == 400
    assert "JSON parse error" in response.json()["detail"]


def test_source_filter(api, lab_world, resource):
    """?source= is accepted everywhere; local records are all that a fresh database holds."""
    local = api.get(f"/{resource.endpoint}", {"source": "local"}).json()
    assert local["count"] == api.get(f"/{resource.endpoint}").json()["count"]
    assert api.get(f"/{resource.endpoint}", {"source": "labvanced"}).json()["count"] == 0
    assert api.get(f"/{resource.endpoint}", {"source": "nowhere"}).status_code == 400

"""Who may write what: staff-only records, shared vocabulary staff alone changes, and the rest."""
import pytest

from tests.api.conftest import token_client
from tests.api.resources import RESOURCES
from tests.factories import make_user

STAFF_ONLY = [r for r in RESOURCES if r.staff_only]
STAFF_CHANGES = [r for r in RESOURCES if r.staff_changes]


def _record_id(record: dict) -> str:
    return record.get("id") or record["url"][-36:]


def _created_by_staff(staff_api, resource, world) -> str:
    response = staff_api.post(f"/{resource.endpoint}", resource.create(world), format="json")
    assert response.status_code == 201, response.content
    return _record_id(response.json())


def test_staff_only_and_staff_changes_are_the_expected_endpoints():
    """The rule for each endpoint with a global effect, in one place."""
    assert [str(r) for r in STAFF_ONLY] == ["users", "data-repository"]
    assert [str(r) for r in STAFF_CHANGES] == ["labs", "data-formats", "dataset-types",
                                               "revisions"]


@pytest.mark.parametrize("resource", STAFF_ONLY, ids=str)
def test_non_staff_cannot_create_change_or_delete(api, staff_api, lab_world, resource):
    """POST, PUT, PATCH and DELETE by a normal user are 403 naming the rule; reads work."""
    record_id = _created_by_staff(staff_api, resource, lab_world)
    url = f"/{resource.endpoint}/{record_id}"
    body = resource.create(lab_world)
    answers = [api.post(f"/{resource.endpoint}", body, format="json"),
               api.put(url, body | resource.change, format="json"),
               api.patch(url, resource.change, format="json"),
               api.delete(url)]
    for response in answers:
        assert response.status_code == 403, response.content
        assert "Only staff can create, change or delete" in response.json()["detail"]
    assert api.get(url).status_code == 200
    assert api.get(f"/{resource.endpoint}").json()["count"] >= 1


def test_normal_user_cannot_point_a_repository_elsewhere(api, lab_world):
    """The attack itself: ONE would download from, and send its login to, the new data_url."""
    repository = lab_world.repository
    response = api.patch(f"/data-repository/{repository.name}",
                         {"data_url": "http://attacker.example/"}, format="json")
    assert response.status_code == 403
    repository.refresh_from_db()
    assert repository.data_url != "http://attacker.example/"


@pytest.mark.parametrize("resource", STAFF_CHANGES, ids=str)
def test_anyone_adds_shared_vocabulary_but_only_staff_change_it(api, staff_api, lab_world,
                                                                resource):
    """A normal user creates an entry (Alyx lets any user add a dataset type), but changing or
    deleting any entry, their own included, is staff's: everyone's data uses it."""
    created = api.post(f"/{resource.endpoint}", resource.create(lab_world), format="json")
    assert created.status_code == 201, created.content
    url = f"/{resource.endpoint}/{_record_id(created.json())}"
    answers = [api.put(url, resource.create(lab_world) | resource.change, format="json"),
               api.patch(url, resource.change, format="json"),
               api.delete(url)]
    for response in answers:
        assert response.status_code == 403, response.content
        assert "Only staff can change or delete" in response.json()["detail"]
    assert staff_api.patch(url, resource.change, format="json").status_code == 200
    assert staff_api.delete(url).status_code == 204


def test_read_only_staff_still_cannot_write(lab_world):
    """`read_only` wins over staff: the staff rules add to the read-only rule, never lift it."""
    client = token_client(make_user("ro-admin", is_staff=True, read_only=True))
    response = client.patch(f"/data-repository/{lab_world.repository.name}",
                            {"hostname": "x.example.org"}, format="json")
    assert response.status_code == 403
    assert "read-only" in response.json()["detail"]


def test_only_staff_give_a_dataset_type_a_filename_pattern(api, staff_api, lab_world):
    """A pattern types everyone's files (`*` would match them all, and ONE's registration then
    finds two types for every file): a normal user adds a type without one."""
    refused = api.post("/dataset-types", {"name": "everything", "filename_pattern": "*"},
                       format="json")
    assert refused.status_code == 403, refused.content
    assert "filename pattern" in refused.json()["detail"]
    assert api.get("/dataset-types/everything").status_code == 404
    plain = api.post("/dataset-types", {"name": "wheel.angle", "filename_pattern": ""},
                     format="json")
    assert plain.status_code == 201, plain.content
    assert staff_api.post("/dataset-types", {"name": "licks.times",
                                             "filename_pattern": "*licks.times.*"},
                          format="json").status_code == 201

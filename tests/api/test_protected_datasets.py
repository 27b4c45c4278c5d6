"""A dataset carrying a protected tag stays undeletable by every path until staff unprotect it."""
import datetime

import pytest

from mirror.actions.models import Session
from mirror.data.models import DataRepository, Dataset, FileRecord, Tag
from tests import factories


@pytest.fixture
def frozen(lab_world):
    """The first session's dataset, carrying the protected tag `published`."""
    dataset = lab_world.datasets[0]
    dataset.tags.add(Tag.objects.create(name="published", protected=True))
    return dataset


def _still_protected(dataset) -> bool:
    return Dataset.objects.filter(pk=dataset.pk, tags__protected=True).exists()


def _refused(response, status=403, words=("protected",)):
    assert response.status_code == status, response.content
    detail = response.json()["detail"]
    assert all(word in detail for word in words), detail


# Deleting, directly or by a cascade: nobody, staff included.

@pytest.mark.parametrize("client", ["api", "staff_api"])
def test_protected_dataset_cannot_be_deleted_even_by_staff(request, frozen, client):
    _refused(request.getfixturevalue(client).delete(f"/datasets/{frozen.pk}"))
    assert _still_protected(frozen)


@pytest.mark.parametrize("client", ["api", "staff_api"])
def test_session_of_a_protected_dataset_cannot_be_deleted(request, frozen, client):
    """DELETE /sessions would cascade to its datasets: refused, and nothing is deleted."""
    response = request.getfixturevalue(client).delete(f"/sessions/{frozen.session_id}")
    _refused(response, words=("protected", "dataset"))
    assert Session.objects.filter(pk=frozen.session_id).exists() and _still_protected(frozen)
    assert FileRecord.objects.filter(dataset=frozen).count() == 1


@pytest.mark.parametrize("client", ["api", "staff_api"])
def test_copy_of_a_protected_dataset_cannot_be_deleted(request, frozen, client):
    copy = frozen.file_records.get()
    _refused(request.getfixturevalue(client).delete(f"/files/{copy.pk}"))
    assert FileRecord.objects.filter(pk=copy.pk).exists()


@pytest.mark.parametrize("change", [{"relative_path": "elsewhere/x.csv"},
                                    {"data_repository": "other_repository"},
                                    {"dataset": "other"}, {"exists": False}])
def test_copy_of_a_protected_dataset_cannot_be_moved(api, lab_world, frozen, change):
    """Moving the copy away (then deleting it) would take the protected dataset's file; marking
    it missing would hide the file from ONE."""
    DataRepository.objects.create(name="other_repository")
    if change.get("dataset") == "other":
        change = {"dataset": str(lab_world.datasets[1].pk)}
    copy = frozen.file_records.get()
    _refused(api.patch(f"/files/{copy.pk}", change, format="json"))
    assert api.patch(f"/files/{copy.pk}", {"json": {"checked": True}},
                     format="json").status_code == 200  # annotations stay editable


def test_unprotected_session_and_copies_delete_as_before(api, lab_world, frozen):
    other = lab_world.sessions[1]
    assert api.delete(f"/files/{lab_world.datasets[1].file_records.get().pk}").status_code == 204
    assert api.delete(f"/sessions/{other.pk}").status_code == 204


# Removing the protection: staff only, with a message naming the rule.

def test_removing_a_protected_tag_from_a_dataset_is_staff_only(api, staff_api, frozen):
    _refused(api.patch(f"/datasets/{frozen.pk}", {"tags": []}, format="json"),
             words=("staff", "protected tag"))
    assert _still_protected(frozen)
    assert staff_api.patch(f"/datasets/{frozen.pk}", {"tags": []},
                           format="json").status_code == 200
    assert api.delete(f"/datasets/{frozen.pk}").status_code == 204


def test_put_without_the_protected_tag_is_staff_only(api, frozen):
    record = api.get(f"/datasets/{frozen.pk}").json()
    body = {name: record[name] for name in ("name", "dataset_type", "data_format", "collection",
                                            "session", "file_size", "hash", "version")}
    _refused(api.put(f"/datasets/{frozen.pk}", {**body, "tags": []}, format="json"),
             words=("staff",))
    response = api.put(f"/datasets/{frozen.pk}", {**body, "tags": ["published"]},
                       format="json")
    assert response.status_code == 200, response.content  # sending the tag back is fine


@pytest.mark.parametrize("change", [{"name": "_ibl_trials.other.csv"}, {"hash": "0" * 32},
                                    {"file_size": 1}, {"collection": "alf/probe00"},
                                    {"version": "2"}, {"session": None},
                                    {"default_dataset": False}])
def test_a_protected_dataset_is_changed_by_staff_alone(api, staff_api, frozen, change):
    """What was published stays as it was for everyone but staff; annotations stay open."""
    before = api.get(f"/datasets/{frozen.pk}").json()
    _refused(api.patch(f"/datasets/{frozen.pk}", change, format="json"),
             words=("staff", "protected dataset", next(iter(change))))
    assert api.get(f"/datasets/{frozen.pk}").json() == before
    same = {name: before[name] for name in change}
    assert api.patch(f"/datasets/{frozen.pk}", same, format="json").status_code == 200
    assert staff_api.patch(f"/datasets/{frozen.pk}", change, format="json").status_code == 200


def test_a_protected_dataset_keeps_its_annotations_editable(api, frozen):
    response = api.patch(f"/datasets/{frozen.pk}", {"qc": "PASS", "json": {"checked": True}},
                         format="json")
    assert response.status_code == 200, response.content
    assert (response.json()["qc"], response.json()["json"]) == ("PASS", {"checked": True})


def test_adding_a_protected_tag_is_staff_only(api, staff_api, lab_world, frozen):
    target = lab_world.datasets[1]
    _refused(api.patch(f"/datasets/{target.pk}", {"tags": ["published"]}, format="json"),
             words=("staff",))
    body = {"name": "_ibl_new.times.csv", "session": str(target.session_id),
            "dataset_type": "trials.table", "data_format": "csv", "tags": ["published"]}
    _refused(api.post("/datasets", body, format="json"), words=("staff",))
    assert staff_api.patch(f"/datasets/{target.pk}", {"tags": ["published"]},
                           format="json").status_code == 200
    assert _still_protected(target)


def test_other_tags_stay_editable_for_everyone(api, frozen):
    Tag.objects.create(name="reviewed")
    response = api.patch(f"/datasets/{frozen.pk}", {"tags": ["published", "reviewed"]},
                         format="json")
    assert response.status_code == 200, response.content
    assert api.patch(f"/datasets/{frozen.pk}", {"tags": ["published"]},
                     format="json").status_code == 200


@pytest.mark.parametrize("change", [{"protected": False}, {"name": "renamed"},
                                    {"description": "changed"}])
def test_changing_a_protected_tag_is_staff_only(api, staff_api, frozen, change):
    _refused(api.patch("/tags/published", change, format="json"), words=("staff",))
    assert _still_protected(frozen)
    assert staff_api.patch("/tags/published", change, format="json").status_code == 200


def test_put_of_an_unchanged_protected_tag_is_fine(api, frozen):
    record = api.get("/tags/published").json()
    body = {name: record[name] for name in ("name", "description", "protected", "public",
                                            "hash", "json")}
    assert api.put("/tags/published", body, format="json").status_code == 200
    _refused(api.put("/tags/published", {**body, "protected": False}, format="json"),
             words=("staff",))


def test_deleting_a_protected_tag_is_staff_only(api, staff_api, frozen):
    _refused(api.delete("/tags/published"), words=("staff",))
    assert _still_protected(frozen)
    assert staff_api.delete("/tags/published").status_code == 204
    assert api.delete(f"/datasets/{frozen.pk}").status_code == 204  # staff lifted it


def test_creating_or_making_a_protected_tag_is_staff_only(api, staff_api, lab_world):
    _refused(api.post("/tags", {"name": "keep", "protected": True}, format="json"),
             words=("staff",))
    assert api.post("/tags", {"name": "keep"}, format="json").status_code == 201
    _refused(api.patch("/tags/keep", {"protected": True}, format="json"), words=("staff",))
    assert staff_api.patch("/tags/keep", {"protected": True}, format="json").status_code == 200
    assert staff_api.post("/tags", {"name": "keep2", "protected": True},
                          format="json").status_code == 201


def test_a_new_default_revision_cannot_retire_a_protected_dataset(api, frozen):
    """Registering the same session/collection/name again would flip the protected dataset's
    `default_dataset` off (Alyx refuses to register over a protected dataset)."""
    body = {"name": frozen.name, "collection": frozen.collection,
            "session": str(frozen.session_id), "dataset_type": "trials.table",
            "data_format": "csv"}
    _refused(api.post("/datasets", body, format="json"))
    frozen.refresh_from_db()
    assert frozen.default_dataset is True
    response = api.post("/datasets", {**body, "default_dataset": False}, format="json")
    assert response.status_code == 201, response.content


# Imported records are not deleted or changed as a side effect either.

def test_deleting_a_local_session_with_an_imported_dataset_is_409(api, lab_world):
    session = lab_world.sessions[1]
    factories.make_dataset("_lv_trials.table.csv", session=session, source="labvanced",
                           source_id="4107/1/alf/_lv_trials.table.csv")
    _refused(api.delete(f"/sessions/{session.pk}"), status=409, words=("labvanced",))
    assert Session.objects.filter(pk=session.pk).exists()


def test_deleting_the_parent_of_an_imported_session_is_409(api, lab_world):
    """SET_NULL would rewrite the imported child's `parent_session`, an upstream field."""
    parent = factories.make_session(subject=lab_world.subjects[0],
                                    start_time=datetime.datetime(2021, 1, 1, 9))
    factories.make_session(subject=lab_world.subjects[0], parent_session=parent,
                           start_time=datetime.datetime(2021, 1, 1, 10), source="labvanced",
                           source_id="4107/9")
    _refused(api.delete(f"/sessions/{parent.pk}"), status=409, words=("labvanced",))


def test_deleting_a_user_named_by_imported_records_is_409(staff_api, lab_world):
    """SET_NULL would rewrite an imported subject's `responsible_user` (an upstream field)."""
    bob = factories.make_user("bob")
    factories.make_subject("LV-1", lab=lab_world.lab, responsible_user=bob, source="labvanced",
                           source_id="4107/LV-1")
    _refused(staff_api.delete("/users/bob"), status=409, words=("labvanced", "subject"))
    assert staff_api.delete(f"/users/{factories.make_user('carol').username}").status_code == 204


def test_deleting_a_user_listed_by_an_imported_session_is_409(staff_api, lab_world):
    """The link row's delete would rewrite the imported session's `users` (an upstream field);
    a local session's list, or an imported session's projects (an annotation), may shrink."""
    bob, carol = factories.make_user("bob"), factories.make_user("carol")
    project = factories.make_project("side-project")
    imported = factories.make_session(subject=lab_world.subjects[0], number=7,
                                      source="labvanced", source_id="4107/s7")
    imported.users.add(bob)
    imported.projects.add(project)
    lab_world.sessions[0].users.add(carol)
    _refused(staff_api.delete("/users/bob"), status=409, words=("labvanced", "`users`"))
    assert list(imported.users.all()) == [bob]
    assert staff_api.delete("/users/carol").status_code == 204
    assert staff_api.delete("/projects/side-project").status_code == 204
    assert not imported.projects.exists()


@pytest.mark.parametrize("endpoint, name", [("dataset-types", "trials.table"),
                                            ("data-formats", "csv")])
def test_vocabulary_used_by_datasets_cannot_be_deleted(staff_api, lab_world, endpoint, name):
    """Only staff may delete shared vocabulary at all; even they cannot while data uses it."""
    assert staff_api.delete(f"/{endpoint}/{name}").status_code == 409

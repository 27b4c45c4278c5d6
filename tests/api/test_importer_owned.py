"""Records an importer owns: upstream fields are read-only over the API, annotations are not."""
import datetime

import pytest

from mirror.actions.models import Session
from mirror.core.provenance import deterministic_uuid


@pytest.fixture
def imported_session(lab_world):
    session = Session(subject=lab_world.subjects[0], start_time=datetime.datetime(2022, 5, 1, 9),
                      number=3, task_protocol="study v2", source="labvanced",
                      source_id="session-77", imported_at=datetime.datetime(2022, 5, 2))
    session.save()
    return session


def test_imported_record_gets_deterministic_uuid(imported_session):
    assert imported_session.pk == deterministic_uuid("labvanced", "session", "session-77")


def test_provenance_is_shown_and_filterable(api, imported_session):
    record = api.get(f"/sessions/{imported_session.pk}").json()
    assert (record["source"], record["source_id"]) == ("labvanced", "session-77")
    listed = api.get("/sessions", {"source": "labvanced"}).json()["results"]
    assert [r["id"] for r in listed] == [str(imported_session.pk)]
    assert api.get("/sessions", {"source_id": "session-77"}).json()["count"] == 1


def test_changing_upstream_fields_is_409_naming_them(api, imported_session):
    response = api.patch(f"/sessions/{imported_session.pk}",
                         {"number": 4, "task_protocol": "changed", "narrative": "ok"},
                         format="json")
    assert response.status_code == 409
    body = response.json()
    assert body["read_only_fields"] == ["number", "task_protocol"]
    assert "labvanced" in body["detail"] and "narrative" in body["detail"]
    imported_session.refresh_from_db()
    assert imported_session.narrative == ""  # nothing half-applied


def test_annotations_stay_editable(api, imported_session):
    body = {"narrative": "Participant was tired.", "qc": "WARNING",
            "extended_qc": {"attention": 0.4}, "json": {"note": 1}, "projects": ["test_project"]}
    response = api.patch(f"/sessions/{imported_session.pk}", body, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["qc"] == "WARNING"


def test_put_of_the_unchanged_record_is_fine(api, imported_session):
    """ONE's update sends the whole record back: unchanged upstream values are no conflict."""
    record = api.get(f"/sessions/{imported_session.pk}").json()
    writable = {k: record[k] for k in ("subject", "users", "lab", "projects", "type",
                                       "task_protocol", "number", "start_time", "end_time",
                                       "narrative", "n_trials", "n_correct_trials", "json")}
    writable["narrative"] = "annotated"
    response = api.put(f"/sessions/{imported_session.pk}", writable, format="json")
    assert response.status_code == 200, response.content


def test_provenance_cannot_be_forged(api, lab_world):
    """source is read-only: a POST claiming to be an import stays local."""
    body = {"subject": "SUBJ01", "start_time": "2021-01-01T10:00:00", "source": "labvanced",
            "source_id": "x"}
    record = api.post("/sessions", body, format="json").json()
    assert record["source"] == "local" and record["source_id"] == ""


def test_imported_record_cannot_be_deleted(api, imported_session):
    response = api.delete(f"/sessions/{imported_session.pk}")
    assert response.status_code == 409 and "labvanced" in response.json()["detail"]


def test_local_records_are_fully_editable(api, lab_world):
    session = lab_world.sessions[0]
    response = api.patch(f"/sessions/{session.pk}", {"number": 9, "task_protocol": "x"},
                         format="json")
    assert response.status_code == 200 and response.json()["number"] == 9


@pytest.fixture
def annotated_import(imported_session):
    imported_session.json = {"labvanced": {"status": "completed", "utc_offset": "+02:00"},
                             "note": "first"}
    imported_session.save()
    return imported_session


@pytest.mark.parametrize("json", [
    {"labvanced": {"status": "aborted", "utc_offset": "+02:00"}, "note": "first"},
    {"note": "second"},  # dropping the importer's part is a change too
    None,
])
def test_changing_the_importers_json_is_409_naming_it(api, annotated_import, json):
    response = api.patch(f"/sessions/{annotated_import.pk}", {"json": json}, format="json")
    assert response.status_code == 409, response.content
    assert response.json()["read_only_fields"] == ["json.labvanced"]
    assert "json.labvanced" in response.json()["detail"]
    annotated_import.refresh_from_db()
    assert annotated_import.json["labvanced"]["status"] == "completed"


def test_the_rest_of_json_stays_editable(api, annotated_import):
    json = {"labvanced": {"status": "completed", "utc_offset": "+02:00"}, "note": "second"}
    response = api.patch(f"/sessions/{annotated_import.pk}", {"json": json}, format="json")
    assert response.status_code == 200, response.content
    annotated_import.refresh_from_db()
    assert annotated_import.json["note"] == "second"


def test_put_of_the_whole_record_with_its_json_is_fine(api, annotated_import):
    record = api.get(f"/sessions/{annotated_import.pk}").json()
    body = {k: record[k] for k in ("subject", "users", "lab", "projects", "type", "number",
                                   "task_protocol", "start_time", "end_time", "json")}
    body["narrative"] = "annotated"
    assert api.put(f"/sessions/{annotated_import.pk}", body, format="json").status_code == 200


def test_a_local_records_json_is_all_editable(api, lab_world):
    session = lab_world.sessions[0]
    response = api.patch(f"/sessions/{session.pk}", {"json": {"labvanced": {"x": 1}}},
                         format="json")
    assert response.status_code == 200, response.content

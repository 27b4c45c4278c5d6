"""/sessions/<id>: Alyx's detail fields and the downloadable datasets ONE loads from."""
import datetime

from mirror.core.qc import QC
from mirror.data.models import DataRepository, FileRecord
from tests import factories

DETAIL_FIELDS = ["subject", "users", "location", "procedures", "lab", "projects", "type",
                 "task_protocol", "number", "start_time", "end_time", "narrative",
                 "parent_session", "n_correct_trials", "n_trials", "url", "extended_qc", "qc",
                 "wateradmin_session_related", "data_dataset_session_related", "auto_datetime",
                 "id", "json", "probe_insertion", "field_of_view", "notes"]
DATASET_FIELDS = ["id", "name", "dataset_type", "data_url", "url", "file_size", "hash",
                  "version", "collection", "revision", "default_revision", "qc"]


def test_detail_has_alyx_fields_in_order(api, lab_world):
    session = lab_world.sessions[0]
    record = api.get(f"/sessions/{session.pk}").json()
    assert [name for name in record if name in DETAIL_FIELDS] == DETAIL_FIELDS
    assert record["subject"] == "SUBJ01" and record["lab"] == "testlab"
    assert record["projects"] == ["test_project"] and record["users"] == ["alice"]
    assert record["qc"] == "NOT_SET" and record["url"].endswith(str(session.pk))


def test_dataset_items_are_what_one_reads(api, lab_world):
    """default_revision is the string 'True'; data_url holds lab/Subjects/subject/date/NNN."""
    session, dataset = lab_world.sessions[0], lab_world.datasets[0]
    items = api.get(f"/sessions/{session.pk}").json()["data_dataset_session_related"]
    assert len(items) == 1
    item = items[0]
    assert list(item) == DATASET_FIELDS
    assert item["default_revision"] == "True" and item["qc"] == "NOT_SET"
    assert item["hash"] == dataset.hash and item["file_size"] == dataset.file_size
    assert item["revision"] == "" and item["collection"] == "alf"
    assert item["data_url"] == (
        "http://testserver/data/testlab/Subjects/SUBJ01/2020-01-01/001/alf/"
        f"_ibl_trials.table.{dataset.pk}.csv")


def test_only_downloadable_datasets_are_listed(api, lab_world):
    """No file, a missing file, or a file only on a personal repository: left out."""
    session = lab_world.sessions[0]
    factories.dataset_without_file(session, "_ibl_wheel.position.npy")
    missing = factories.dataset_without_file(session, "_ibl_wheel.timestamps.npy")
    FileRecord.objects.create(dataset=missing, data_repository=lab_world.repository,
                              relative_path="x/missing.npy", exists=False)
    personal = factories.dataset_without_file(session, "_ibl_wheel.velocity.npy")
    laptop = DataRepository.objects.create(name="laptop", globus_is_personal=True)
    FileRecord.objects.create(dataset=personal, data_repository=laptop,
                              relative_path="x/v.npy", exists=True)
    items = api.get(f"/sessions/{session.pk}").json()["data_dataset_session_related"]
    assert [item["name"] for item in items] == ["_ibl_trials.table.csv"]


def test_new_default_revision_retires_the_old(api, lab_world):
    """Registering the same name again makes the new dataset the default (Alyx's rule)."""
    session, old = lab_world.sessions[0], lab_world.datasets[0]
    body = {"name": old.name, "collection": "alf", "session": str(session.pk),
            "dataset_type": "trials.table", "data_format": "csv"}
    assert api.post("/datasets", body, format="json").status_code == 201
    old.refresh_from_db()
    assert old.default_dataset is False


def test_create_keeps_wall_clock_time(api, lab_world):
    """An offset in start_time is dropped, not converted: the local date stays."""
    body = {"subject": "SUBJ01", "start_time": "2021-06-01T23:30:00+02:00", "number": 1}
    record = api.post("/sessions", body, format="json").json()
    assert record["start_time"] == "2021-06-01T23:30:00"
    assert record["lab"] == "testlab"  # from the subject


def test_create_validation_names_fields(api, lab_world):
    """Missing or unknown values come back as field messages."""
    response = api.post("/sessions", {"subject": "NOBODY", "qc": "GREAT"}, format="json")
    assert response.status_code == 400
    body = response.json()
    assert "does not exist" in body["subject"][0]
    assert "start_time" in body and "QC" in body["qc"][0]


def test_ambiguous_name_is_refused_with_uuids(api, lab_world):
    """Two labs' subjects may share a nickname: the API asks for the UUID instead of guessing."""
    from mirror.people.models import Lab
    from mirror.subjects.models import Subject

    other = Subject.objects.create(nickname="SUBJ01", lab=Lab.objects.create(name="otherlab"))
    response = api.post("/sessions", {"subject": "SUBJ01", "start_time": "2021-01-01T10:00"},
                        format="json")
    assert response.status_code == 400
    assert str(other.pk) in response.json()["subject"][0]
    detail = api.get("/subjects/SUBJ01")
    assert detail.status_code == 400 and "use the UUID" in detail.json()["nickname"][0]
    assert api.get(f"/subjects/{other.pk}").json()["lab"] == "otherlab"


def test_qc_written_by_name_read_by_name(api, lab_world):
    session = lab_world.sessions[0]
    response = api.patch(f"/sessions/{session.pk}", {"qc": "warning"}, format="json")
    assert response.json()["qc"] == "WARNING"
    session.refresh_from_db()
    assert session.qc == QC.WARNING


def test_bad_uuid_in_path_is_400(api, lab_world):
    response = api.get("/sessions/not-a-uuid")
    assert response.status_code == 400 and "not a valid UUID" in response.json()["id"][0]


def test_auto_datetime_moves_on_save(api, lab_world):
    session = lab_world.sessions[0]
    before = datetime.datetime.fromisoformat(api.get(f"/sessions/{session.pk}").json()[
        "auto_datetime"])
    api.patch(f"/sessions/{session.pk}", {"narrative": "again"}, format="json")
    after = datetime.datetime.fromisoformat(api.get(f"/sessions/{session.pk}").json()[
        "auto_datetime"])
    assert after >= before

"""/datasets and /files: Alyx's shapes and filters, and the rules on deleting."""
import pytest

from mirror.core.qc import QC
from mirror.data.models import Tag
from tests import factories


def _names(api, **params) -> list[str]:
    response = api.get("/datasets", params)
    assert response.status_code == 200, response.content
    return [record["name"] for record in response.json()["results"]]


def test_dataset_record_shape(api, lab_world):
    """session is a URL; file_records carry data_url and exists; default_dataset is a bool."""
    dataset = lab_world.datasets[0]
    record = api.get(f"/datasets/{dataset.pk}").json()
    assert record["url"].endswith(str(dataset.pk))
    assert record["session"] == f"http://testserver/sessions/{dataset.session_id}"
    assert record["default_dataset"] is True and record["qc"] == "NOT_SET"
    assert record["experiment_number"] == 1 and record["dataset_type"] == "trials.table"
    (file_record,) = record["file_records"]
    assert file_record["exists"] is True and file_record["data_repository"] == "testlab_local"
    assert file_record["data_url"].endswith(f"_ibl_trials.table.{dataset.pk}.csv")


def test_path2url_query_returns_exactly_one(api, lab_world):
    """ONE's path2url asks for name + session and needs one record."""
    session = lab_world.sessions[1]
    assert _names(api, name="_ibl_trials.table.csv", session=str(session.pk)) == [
        "_ibl_trials.table.csv"]


@pytest.mark.parametrize("params, count", [
    ({"subject": "SUBJ01"}, 2), ({"lab": "testlab"}, 4), ({"date": "2020-01-02"}, 2),
    ({"experiment_number": 1}, 4), ({"dataset_type": "trials.table"}, 4),
    ({"data_format": "csv"}, 4), ({"collection": "alf"}, 4), ({"exists": "true"}, 4),
    ({"exists": "false"}, 0), ({"qc": "NOT_SET"}, 4), ({"qc": "PASS"}, 0),
    ({"created_by": "alice"}, 4), ({"created_date_gte": "2020-01-02"}, 2),
    ({"default_dataset": "true"}, 4), ({"protected": "false"}, 4), ({"public": "true"}, 0),
])
def test_dataset_filters(api, lab_world, params, count):
    assert len(_names(api, **params)) == count


def test_exists_false_finds_datasets_without_files(api, lab_world):
    factories.dataset_without_file(lab_world.sessions[0])
    assert _names(api, exists="false") == ["_ibl_wheel.position.npy"]


def test_protected_dataset_cannot_be_deleted(api, lab_world):
    """A dataset carrying a protected tag answers 403 to DELETE (Alyx)."""
    dataset = lab_world.datasets[0]
    dataset.tags.add(Tag.objects.create(name="published", protected=True))
    response = api.delete(f"/datasets/{dataset.pk}")
    assert response.status_code == 403 and "protected" in response.json()["detail"]
    assert api.get(f"/datasets/{dataset.pk}").json()["protected"] is True


def test_dataset_qc_filter_rejects_unknown(api, lab_world):
    response = api.get("/datasets", {"qc": "SUPERB"})
    assert response.status_code == 400 and "QC" in response.json()["qc"][0]


def test_file_record_filters_and_mismatch_patch(api, lab_world):
    """ONE's mismatch report: list by django=, then PATCH the json."""
    dataset = lab_world.datasets[0]
    query = f"dataset,{dataset.pk},data_repository__globus_is_personal,False"
    records = api.get("/files", {"django": query}).json()["results"]
    assert len(records) == 1
    record_id = records[0]["url"][-36:]
    response = api.patch(f"/files/{record_id}", {"json": {"mismatch_hash": True}}, format="json")
    assert response.status_code == 200 and response.json()["json"] == {"mismatch_hash": True}
    assert api.get("/files", {"exists": "true", "lab": "testlab"}).json()["count"] == 4
    assert api.get("/files", {"data_repository": "testlab_local"}).json()["count"] == 4


def test_deleting_a_lab_with_subjects_is_409(staff_api, lab_world):
    response = staff_api.delete("/labs/testlab")
    assert response.status_code == 409 and "subjects" in response.json()["detail"]


def test_aws_probe_is_404(api, lab_world):
    """ONE probes this before downloads; 404 sends it to HTTP."""
    assert api.get("/data-repository/aws_cortexlab").status_code == 404


def test_dataset_session_by_uuid_or_url(api, lab_world):
    session = lab_world.sessions[0]
    for reference in (str(session.pk), f"http://testserver/sessions/{session.pk}"):
        body = {"name": f"x.{QC.PASS}.csv", "session": reference, "dataset_type": "trials.table",
                "data_format": "csv"}
        response = api.post("/datasets", body, format="json")
        assert response.status_code == 201, response.content
    bad = api.post("/datasets", {"name": "y.csv", "session": "nope", "dataset_type":
                                 "trials.table", "data_format": "csv"}, format="json")
    assert bad.status_code == 400 and "UUID" in bad.json()["session"][0]

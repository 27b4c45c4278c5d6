"""Files are served and written only inside `MIRROR_DATA_ROOT/<repository>` (issue 11, items 1-2).

The attack: a repository named `..` and a file record `mirror.sqlite3` under it made
`/data/…<dataset uuid>…` serve the database, anonymously. Names are now refused where they are
made (API, admin, models), and every read and write checks the resolved path, so a bad record
that is already in the database (made by an older version, or by hand) serves nothing.
"""
import pytest

from mirror.data.models import DataRepository, FileRecord
from mirror.data.paths import UnsafePath
from mirror.data.services import file_store_atomically
from tests import factories
from tests.api.conftest import token_client


@pytest.fixture
def staff_api(db):
    return token_client(factories.make_user("admin", is_staff=True))


def _serve_record(anonymous, record) -> int:
    return anonymous.get(f"/data/x/y.{record.dataset_id}.sqlite3").status_code


@pytest.mark.parametrize("name", ["..", ".", "a/b", "a\\b", "", "x\x00y"])
def test_repository_names_that_are_not_one_folder_are_refused(staff_api, name):
    response = staff_api.post("/data-repository", {"name": name, "repository_type": "local"},
                              format="json")
    assert response.status_code == 400, response.content
    assert "name" in response.json()
    assert not DataRepository.objects.exists()


def test_a_dotdot_repository_already_in_the_database_serves_nothing(anonymous, lab_world,
                                                                    data_root):
    """The exact attack of the issue, with the repository made behind the API's back."""
    secret = data_root.parent / "mirror.sqlite3"
    secret.parent.mkdir(parents=True, exist_ok=True)
    secret.write_bytes(b"SQLite format 3\x00 every password hash")
    parent = DataRepository.objects.create(name="..", repository_type="local")
    record = FileRecord.objects.create(dataset=lab_world.datasets[0], data_repository=parent,
                                       relative_path="mirror.sqlite3", exists=True)
    assert FileRecord.objects.filter(dataset=record.dataset).count() == 2
    # the dataset's real copy is still served; the `..` copy never is
    lab_world.datasets[0].file_records.exclude(pk=record.pk).delete()
    assert _serve_record(anonymous, record) == 404


@pytest.mark.parametrize("relative_path", ["../mirror.sqlite3", "a/../../mirror.sqlite3",
                                           "./mirror.sqlite3", "a//b.csv", "a/\x00/b"])
def test_file_records_with_climbing_paths_are_refused_over_the_api(api, lab_world,
                                                                   relative_path):
    body = {"dataset": str(lab_world.datasets[0].pk), "data_repository": "testlab_local",
            "relative_path": relative_path, "exists": True}
    response = api.post("/files", body, format="json")
    assert response.status_code == 400, response.content
    assert "relative_path" in response.json()


def test_a_symlink_out_of_the_repository_is_not_followed(anonymous, lab_world, data_root,
                                                         tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.csv").write_text("secret")
    (lab_world.repository.directory / "link").symlink_to(outside)
    record = lab_world.datasets[0].file_records.get()
    record.relative_path = "link/secret.csv"
    record.save()
    assert anonymous.get(f"/data/x/secret.{record.dataset_id}.csv").status_code == 404


def test_revision_folders_and_spaces_stay_valid_relative_paths(api, lab_world):
    """Alyx's relative paths hold `#revision#` folders; only climbing parts are refused."""
    body = {"dataset": str(lab_world.datasets[0].pk), "data_repository": "testlab_local",
            "relative_path": "lab/Subjects/s/2020-01-01/001/alf/#2020-02-02#/my file.csv"}
    assert api.post("/files", body, format="json").status_code == 201


@pytest.mark.parametrize("field, value", [("nickname", ".."), ("nickname", "a/b"),
                                          ("nickname", ".")])
def test_subject_nicknames_that_are_not_one_folder_are_refused(api, lab_world, field, value):
    response = api.post("/subjects", {field: value, "lab": "testlab"}, format="json")
    assert response.status_code == 400 and field in response.json()


@pytest.mark.parametrize("field, value", [("collection", "alf/../.."), ("collection", "../x"),
                                          ("name", "../x.csv"), ("name", "a/b.csv"),
                                          ("name", "..")])
def test_dataset_collections_and_names_are_refused_when_they_climb(api, lab_world, field,
                                                                  value):
    body = {"name": "_ibl_x.y.csv", "dataset_type": "trials.table", "data_format": "csv",
            field: value}
    response = api.post("/datasets", body, format="json")
    assert response.status_code == 400 and field in response.json(), response.content


@pytest.mark.parametrize("relative_path", ["../escaped.csv", "a/../../escaped.csv", "/abs.csv",
                                           "a//b.csv"])
def test_writes_are_checked_before_the_file_is_opened(lab_world, data_root, relative_path):
    with pytest.raises(UnsafePath):
        file_store_atomically(repository=lab_world.repository, relative_path=relative_path,
                              content=b"x")
    assert not (data_root / "escaped.csv").exists()
    assert not (data_root.parent / "escaped.csv").exists()


def test_writes_to_a_dotdot_repository_are_refused(db, data_root):
    parent = DataRepository.objects.create(name="..", repository_type="local")
    with pytest.raises(UnsafePath):
        file_store_atomically(repository=parent, relative_path="mirror.sqlite3", content=b"x")
    assert not (data_root.parent / "mirror.sqlite3").exists()

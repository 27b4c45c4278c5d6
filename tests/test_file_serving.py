"""/data/…: the file server ONE downloads from (no token; Content-Length; ranges; Basic auth)."""
import base64
import hashlib

import pytest


def basic(username: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()


def _url(dataset, with_uuid=True) -> str:
    record = dataset.file_records.get()
    path = record.relative_path
    if with_uuid:
        stem, extension = path.rsplit(".", 1)
        path = f"{stem}.{dataset.pk}.{extension}"
    return f"/data/{path}"


def test_download_by_the_path_one_builds(anonymous, lab_world):
    """lab/Subjects/subject/date/NNN/collection/name.<uuid>.ext, anonymously, with length."""
    dataset = lab_world.datasets[0]
    response = anonymous.get(_url(dataset))
    assert response.status_code == 200
    content = b"".join(response.streaming_content)
    assert int(response["Content-Length"]) == len(content) == dataset.file_size
    assert hashlib.md5(content).hexdigest() == dataset.hash


def test_download_by_relative_path_without_uuid(anonymous, lab_world):
    dataset = lab_world.datasets[1]
    response = anonymous.get(_url(dataset, with_uuid=False))
    assert response.status_code == 200
    assert hashlib.md5(b"".join(response.streaming_content)).hexdigest() == dataset.hash


def test_data_url_from_the_api_downloads(api, anonymous, lab_world):
    """The data_url the API gives is a working link."""
    dataset = lab_world.datasets[0]
    data_url = api.get(f"/datasets/{dataset.pk}").json()["file_records"][0]["data_url"]
    response = anonymous.get(data_url.replace("http://testserver", ""))
    assert response.status_code == 200


def test_range_request(anonymous, lab_world):
    dataset = lab_world.datasets[0]
    whole = b"".join(anonymous.get(_url(dataset)).streaming_content)
    response = anonymous.get(_url(dataset), HTTP_RANGE="bytes=5-9")
    assert response.status_code == 206
    assert b"".join(response.streaming_content) == whole[5:10]
    assert response["Content-Range"] == f"bytes 5-9/{len(whole)}"
    assert response["Content-Length"] == "5"
    tail = anonymous.get(_url(dataset), HTTP_RANGE="bytes=-4")
    assert b"".join(tail.streaming_content) == whole[-4:]


def test_unsatisfiable_range_is_416(anonymous, lab_world):
    response = anonymous.get(_url(lab_world.datasets[0]), HTTP_RANGE="bytes=100000-")
    assert response.status_code == 416


def test_head_gives_length_without_body(anonymous, lab_world):
    dataset = lab_world.datasets[0]
    response = anonymous.head(_url(dataset))
    assert response.status_code == 200 and int(response["Content-Length"]) == dataset.file_size


@pytest.mark.parametrize("path", ["/data/nothing/here.csv",
                                  "/data/x/_ibl_trials.table.00000000-0000-4000-8000-000000000000.csv",
                                  "/data/../../etc/passwd"])
def test_unknown_paths_are_404(anonymous, lab_world, path):
    assert anonymous.get(path).status_code == 404


def test_missing_file_on_disk_is_404(anonymous, lab_world):
    dataset = lab_world.datasets[0]
    record = dataset.file_records.get()
    (lab_world.repository.directory / record.relative_path).unlink()
    assert anonymous.get(_url(dataset)).status_code == 404


def test_record_pointing_outside_its_repository_is_404(anonymous, lab_world, tmp_path):
    """A relative path that climbs out of the repository never serves a file."""
    secret = tmp_path / "secret.txt"
    secret.write_text("secret")
    dataset = lab_world.datasets[0]
    dataset.file_records.update(relative_path="../../secret.txt")
    assert anonymous.get(f"/data/x/secret.{dataset.pk}.txt").status_code == 404


def test_basic_auth_challenge(anonymous, lab_world, settings):
    """With MIRROR_FILES_AUTH=basic: 401 with a Basic challenge, then the file with credentials."""
    settings.MIRROR_FILES_AUTH = "basic"
    url = _url(lab_world.datasets[0])
    challenge = anonymous.get(url)
    assert challenge.status_code == 401
    assert challenge["WWW-Authenticate"].startswith("Basic realm=")
    wrong = base64.b64encode(b"alice:wrong").decode()
    assert anonymous.get(url, HTTP_AUTHORIZATION=f"Basic {wrong}").status_code == 401
    right = base64.b64encode(b"alice:alice-password-1").decode()
    assert anonymous.get(url, HTTP_AUTHORIZATION=f"Basic {right}").status_code == 200


def test_writes_are_refused(anonymous, lab_world):
    assert anonymous.post(_url(lab_world.datasets[0])).status_code == 405

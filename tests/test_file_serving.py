"""/data/…: the file server ONE downloads from (no token; Content-Length; ranges; Basic auth).

Files need a login by default (MIRROR_FILES_AUTH=basic): `downloader` sends alice's Basic login,
as ONE does from HTTP_DATA_SERVER_LOGIN/PWD. Throttling and the verified-login cache are in
tests/test_file_auth.py.
"""
import base64
import hashlib

import pytest
from rest_framework.test import APIClient


def basic(username: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()


@pytest.fixture
def downloader(user):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=basic("alice", "alice-password-1"))
    return client


def _url(dataset, with_uuid=True) -> str:
    record = dataset.file_records.get()
    path = record.relative_path
    if with_uuid:
        stem, extension = path.rsplit(".", 1)
        path = f"{stem}.{dataset.pk}.{extension}"
    return f"/data/{path}"


def test_download_by_the_path_one_builds(downloader, lab_world):
    """lab/Subjects/subject/date/NNN/collection/name.<uuid>.ext, with length."""
    dataset = lab_world.datasets[0]
    response = downloader.get(_url(dataset))
    assert response.status_code == 200
    content = b"".join(response.streaming_content)
    assert int(response["Content-Length"]) == len(content) == dataset.file_size
    assert hashlib.md5(content).hexdigest() == dataset.hash


def test_download_by_relative_path_without_uuid(downloader, lab_world):
    dataset = lab_world.datasets[1]
    response = downloader.get(_url(dataset, with_uuid=False))
    assert response.status_code == 200
    assert hashlib.md5(b"".join(response.streaming_content)).hexdigest() == dataset.hash


def test_data_url_from_the_api_downloads(api, downloader, lab_world):
    """The data_url the API gives is a working link."""
    dataset = lab_world.datasets[0]
    data_url = api.get(f"/datasets/{dataset.pk}").json()["file_records"][0]["data_url"]
    response = downloader.get(data_url.replace("http://testserver", ""))
    assert response.status_code == 200


def test_range_request(downloader, lab_world):
    dataset = lab_world.datasets[0]
    whole = b"".join(downloader.get(_url(dataset)).streaming_content)
    response = downloader.get(_url(dataset), HTTP_RANGE="bytes=5-9")
    assert response.status_code == 206
    assert b"".join(response.streaming_content) == whole[5:10]
    assert response["Content-Range"] == f"bytes 5-9/{len(whole)}"
    assert response["Content-Length"] == "5"
    tail = downloader.get(_url(dataset), HTTP_RANGE="bytes=-4")
    assert b"".join(tail.streaming_content) == whole[-4:]


def test_unsatisfiable_range_is_416(downloader, lab_world):
    response = downloader.get(_url(lab_world.datasets[0]), HTTP_RANGE="bytes=100000-")
    assert response.status_code == 416


def test_head_gives_length_without_body(downloader, lab_world):
    dataset = lab_world.datasets[0]
    response = downloader.head(_url(dataset))
    assert response.status_code == 200 and int(response["Content-Length"]) == dataset.file_size


@pytest.mark.parametrize("path", ["/data/nothing/here.csv",
                                  "/data/x/_ibl_trials.table.00000000-0000-4000-8000-000000000000.csv",
                                  "/data/../../etc/passwd"])
def test_unknown_paths_are_404(downloader, lab_world, path):
    assert downloader.get(path).status_code == 404


def test_missing_file_on_disk_is_404(downloader, lab_world):
    dataset = lab_world.datasets[0]
    record = dataset.file_records.get()
    (lab_world.repository.directory / record.relative_path).unlink()
    assert downloader.get(_url(dataset)).status_code == 404


def test_record_pointing_outside_its_repository_is_404(downloader, lab_world, tmp_path):
    """A relative path that climbs out of the repository never serves a file."""
    secret = tmp_path / "secret.txt"
    secret.write_text("secret")
    dataset = lab_world.datasets[0]
    dataset.file_records.update(relative_path="../../secret.txt")
    assert downloader.get(f"/data/x/secret.{dataset.pk}.txt").status_code == 404


def test_files_need_a_login_by_default(anonymous, lab_world):
    """The default is a login (a lab's data is not public): 401 with a Basic challenge, then the
    file with the right credentials; wrong ones get the challenge again."""
    url = _url(lab_world.datasets[0])
    challenge = anonymous.get(url)
    assert challenge.status_code == 401
    assert challenge["WWW-Authenticate"].startswith("Basic realm=")
    assert b"alice" not in challenge.content
    assert anonymous.get(url, HTTP_AUTHORIZATION=basic("alice", "wrong")).status_code == 401
    assert anonymous.head(url).status_code == 401
    response = anonymous.get(url, HTTP_AUTHORIZATION=basic("alice", "alice-password-1"))
    assert response.status_code == 200


def test_a_token_is_not_a_file_login(api, lab_world):
    """ONE's downloader sends Basic only; a REST token header on /data gets the challenge."""
    assert api.get(_url(lab_world.datasets[0])).status_code == 401


def test_files_auth_none_serves_everyone(anonymous, lab_world, settings):
    """MIRROR_FILES_AUTH=none, the explicit choice for public data: no login asked."""
    settings.MIRROR_FILES_AUTH = "none"
    dataset = lab_world.datasets[0]
    response = anonymous.get(_url(dataset))
    assert response.status_code == 200
    assert hashlib.md5(b"".join(response.streaming_content)).hexdigest() == dataset.hash


def test_writes_are_refused(downloader, lab_world):
    assert downloader.post(_url(lab_world.datasets[0])).status_code == 405


def test_alf_files_have_their_types_and_no_page_runs_from_them(downloader, lab_world):
    """A CSV is text/csv (whole or ranged); every file is sandboxed and not sniffed."""
    dataset = lab_world.datasets[0]
    assert dataset.name.endswith(".csv")
    for headers in ({}, {"HTTP_RANGE": "bytes=0-3"}):
        response = downloader.get(_url(dataset), **headers)
        assert response.status_code in (200, 206)
        assert response["Content-Type"] == "text/csv; charset=utf-8"
        assert response["Content-Security-Policy"] == "sandbox"
        assert response["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize(("name", "expected"), [
    ("_ibl_trials.table.0d5e.pqt", "application/vnd.apache.parquet"),
    ("_ibl_wheel.position.npy", "application/x-npy"),
    ("_iblrig_leftCamera.raw.MP4", "video/mp4"),
    ("page.html", "application/octet-stream"),
    ("image.svg", "application/octet-stream"),
    ("feed.xml", "application/octet-stream"),
    ("no_extension", "application/octet-stream"),
])
def test_content_types_are_an_allowlist(name, expected):
    from mirror.data.content_types import content_type_for
    assert content_type_for(name) == expected

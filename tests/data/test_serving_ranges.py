"""Odd `Range` headers on /data (issue 11, items 9 and low): never a 500, invalid ones ignored."""
import pytest


def _url(dataset) -> str:
    path = dataset.file_records.get().relative_path
    stem, extension = path.rsplit(".", 1)
    return f"/data/{stem}.{dataset.pk}.{extension}"


@pytest.mark.parametrize("header", ["bytes=5-2", "bytes=" + "9" * 4400 + "-",
                                    "bytes=0-" + "9" * 4400, "bytes=-" + "9" * 4400,
                                    "bytes=²-3", "bytes=1-2,4-5", "bytes=--1", "items=0-1"])
def test_invalid_or_unmeetable_ranges_send_the_whole_file(anonymous, lab_world, header):
    dataset = lab_world.datasets[0]
    response = anonymous.get(_url(dataset), HTTP_RANGE=header)
    assert response.status_code == 200, header
    assert int(response["Content-Length"]) == dataset.file_size


def test_a_suffix_longer_than_the_file_is_all_of_it(anonymous, lab_world):
    dataset = lab_world.datasets[0]
    response = anonymous.get(_url(dataset), HTTP_RANGE="bytes=-100000")
    assert response.status_code == 206
    assert response["Content-Range"] == f"bytes 0-{dataset.file_size - 1}/{dataset.file_size}"


def test_a_range_past_the_end_is_416(anonymous, lab_world):
    response = anonymous.get(_url(lab_world.datasets[0]), HTTP_RANGE="bytes=100000-100001")
    assert response.status_code == 416


@pytest.mark.parametrize("path", ["/data/a%00b.csv", "/data/x/y.%00.csv", "/data/a/../b.csv",
                                  "/data/a//b.csv"])
def test_paths_no_record_can_have_are_404(anonymous, lab_world, path):
    """A NUL reached PostgreSQL (a 500); such paths match no file record."""
    assert anonymous.get(path).status_code == 404

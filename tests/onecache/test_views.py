"""`/cache/info` and `/cache.zip`: what ONE's `load_cache()` asks, and HTTP revalidation."""
import io
import zipfile

import pytest

from mirror.data.models import Tag
from mirror.onecache import build, store


@pytest.fixture
def built(lab_world):
    return build.build(origin="http://mirror.test")


def test_info_before_any_build_names_the_command(api):
    response = api.get("/cache/info")
    assert response.status_code == 404
    assert "python manage.py mirror_one_cache" in response.json()["detail"]
    response = api.get("/cache/info/paper")
    assert "mirror_one_cache --tag paper" in response.json()["detail"]
    assert api.get("/cache.zip").status_code == 404


@pytest.mark.parametrize("path", ["/cache/info", "/cache/info/"])
def test_info_with_or_without_slash(api, built, path):
    response = api.get(path)
    assert response.status_code == 200
    body = response.json()
    assert body["date_created"] == built["date_created"]
    assert body["min_api_version"] == build.MIN_API_VERSION
    assert body["tables"]["sessions"]["nrecs"] == 4
    assert body["location"] == "http://testserver/cache.zip"


def test_reading_needs_a_login(anonymous, built):
    """Like every other endpoint (Alyx answers anonymous reads with 403)."""
    assert anonymous.get("/cache/info").status_code == 403
    assert anonymous.get("/cache.zip").status_code == 403


def test_zip_downloads_whatever_the_client_accepts(api, built):
    response = api.get("/cache.zip", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    body = b"".join(response.streaming_content)
    assert int(response["Content-Length"]) == len(body) == store.zip_path().stat().st_size
    assert "sessions.pqt" in zipfile.ZipFile(io.BytesIO(body)).namelist()


def test_zip_revalidates_with_etag_and_date(api, built):
    first = api.get("/cache.zip")
    etag, modified = first["ETag"], first["Last-Modified"]
    assert api.get("/cache.zip", HTTP_IF_NONE_MATCH=etag).status_code == 304
    assert api.get("/cache.zip", HTTP_IF_MODIFIED_SINCE=modified).status_code == 304
    build.build(origin="http://mirror.test")  # a rebuild is a new file: a new ETag
    again = api.get("/cache.zip", HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 200 and again["ETag"] != etag


def test_tagged_info_and_zip(api, lab_world):
    Tag.objects.create(name="paper_2024").datasets.add(lab_world.datasets[0])
    build.build(origin="http://mirror.test", tag="paper_2024")
    info = api.get("/cache/info/paper_2024").json()
    assert info["database_tags"] == ["paper_2024"]
    assert info["location"] == "http://testserver/cache/paper_2024.zip"
    assert info["tables"]["datasets"]["nrecs"] == 1
    assert api.get("/cache/paper_2024.zip").status_code == 200
    assert api.get("/cache/info").status_code == 404  # the full tables were never built


@pytest.mark.parametrize("path", ["/cache/info/..", "/cache/info/../", "/cache/info/.",
                                  "/cache/...zip", "/cache/..zip"])
def test_a_tag_of_dots_is_not_the_untagged_tables(api, built, path):
    """`..` as a tag used to read <root>/tags/.. — the untagged tables' folder (issue 11)."""
    assert api.get(path).status_code == 404


@pytest.mark.parametrize("tag", ["..", ".", "a/b"])
def test_tables_are_never_built_outside_their_folder(lab_world, settings, tag):
    with pytest.raises(ValueError, match="cannot be a folder or file name"):
        build.build(origin="http://mirror.test", tag=tag)
    assert not (settings.MIRROR_CACHE_TABLES_ROOT / "cache.zip").exists()

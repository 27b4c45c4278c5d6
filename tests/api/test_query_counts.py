"""A list request costs the same number of SQL queries whatever the page size."""
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from mirror.data.models import DataFormat, DataRepository, DatasetType, FileRecord, Revision, Tag
from mirror.people.models import Lab
from mirror.subjects.models import Project
from tests import factories
from tests.api.resources import RESOURCES

ENDPOINTS = [resource.endpoint for resource in RESOURCES]


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200, response.content
    return len(context.captured_queries)


@pytest.fixture
def big_world(user):
    """Enough rows that a page of 2 and a page of 20 differ, with tags and extra file copies."""
    world = factories.make_world(user, n_subjects=4, sessions_per_subject=6)
    tag = Tag.objects.create(name="t1")
    for index, dataset in enumerate(world.datasets):
        dataset.tags.add(tag)
        FileRecord.objects.create(dataset=dataset, data_repository=world.repository,
                                  relative_path=f"copies/{index}.csv", exists=True)
    for index in range(20):
        factories.make_user(f"user{index:02d}").labs.add(world.lab)
    for index in range(3):  # every small table gets several rows
        Lab.objects.create(name=f"lab{index}")
        Project.objects.create(name=f"project{index}")
        DataRepository.objects.create(name=f"repository{index}")
        DataFormat.objects.create(name=f"format{index}")
        DatasetType.objects.create(name=f"type{index}")
        Revision.objects.create(name=f"revision{index}")
        Tag.objects.create(name=f"tag{index}")
    return world


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_list_queries_do_not_grow_with_page_size(api, big_world, endpoint):
    """Two full pages (each needs the COUNT): one row, and all rows."""
    rows = api.get(f"/{endpoint}?limit=1").json()["count"]
    assert rows >= 3, f"/{endpoint}: the fixture needs more rows"
    small = _queries(api, f"/{endpoint}?limit=1")
    large = _queries(api, f"/{endpoint}?limit={rows}")
    assert large == small, f"/{endpoint}: {small} queries for 1 row, {large} for {rows}"
    assert small <= 8


@pytest.mark.parametrize("endpoint", ["sessions", "datasets", "subjects"])
def test_a_short_page_needs_no_count(api, big_world, endpoint):
    """A page that ends before `limit` is the last one: its rows give the count."""
    full = _queries(api, f"/{endpoint}?limit=2")
    short = api.get(f"/{endpoint}?limit=1000")
    assert short.json()["count"] == len(short.json()["results"]) > 2
    assert _queries(api, f"/{endpoint}?limit=1000") == full - 1


@pytest.mark.parametrize(("endpoint", "related"), [
    ("sessions?date_range=2020-01-01,2020-01-31", "subjects_subject"),
    ("datasets?name=_ibl_trials.table.csv", "data_datasettype")])
def test_a_filtered_count_reads_only_the_listed_table(api, big_world, endpoint, related):
    """The rows' related names need joins; the COUNT of the same filter does not."""
    with CaptureQueriesContext(connection) as context:
        body = api.get(f"/{endpoint}&limit=1").json()
    assert body["count"] > 1
    counts = [q["sql"] for q in context.captured_queries if "COUNT(" in q["sql"].upper()]
    assert len(counts) == 1 and related not in counts[0], counts
    pages = [q["sql"] for q in context.captured_queries if "LIMIT" in q["sql"].upper()]
    assert any(related in sql for sql in pages), "the page itself should join for the names"


def test_session_detail_queries_do_not_grow_with_datasets(api, big_world):
    """One session with 1 dataset and one with 6 cost the same."""
    few = big_world.sessions[0]
    many = big_world.sessions[1]
    for index in range(5):
        factories.dataset_without_file(many, f"extra{index}.npy")
        FileRecord.objects.create(dataset=many.data_dataset_session_related.get(
            name=f"extra{index}.npy"), data_repository=big_world.repository,
            relative_path=f"extra/{index}.npy", exists=True)
    assert _queries(api, f"/sessions/{few.pk}") == _queries(api, f"/sessions/{many.pk}")

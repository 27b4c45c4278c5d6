"""A list page's statement from kept parts (mirror.core.page_sql) reads what Django's reads."""
import pytest
from django.core.exceptions import EmptyResultSet
from django.db import connection

from mirror.actions.models import Session
from mirror.core import page_sql
from mirror.data.models import Tag
from tests import factories

SESSION_QUERIES = [
    "", "limit=2", "limit=2&offset=3", "offset=5", "subject=S001", "nickname=s001",
    "lab=lab", "number=001", "date_range=2020-01-01,2030-12-31", "task_protocol=ephys",
    "projects=proj", "users=alice", "type=Experiment", "qc=PASS", "dataset_types=trials.table",
    "datasets=_ibl_trials.table.csv", "dataset_qc_lte=WARNING", "tag=t1",
    "performance_gte=10", "extended_qc=task,0.5", "json=a,1", "source=labvanced",
    "django=pk__in,('00000000-0000-0000-0000-000000000000',)", "django=pk__in,()",
    "django=subject__nickname__icontains,s0", "subject=S001&date_range=2020-01-01,2030-12-31",
    "subject=nobody", "lab=lab&limit=1",
]
DATASET_QUERIES = [
    "", "limit=3", "limit=3&offset=2", "subject=s001", "lab=lab", "date=2020-01-01",
    "experiment_number=1", "created_by=alice", "created_date_gte=2000-01-01",
    "dataset_type=trials.table", "data_format=csv", "revision=r1", "tag=t1", "exists=true",
    "protected=true", "public=false", "qc=NOT_SET", "name=_ibl_trials.table.csv",
    "collection=alf", "django=name__icontains,trials", "id=00000000-0000-0000-0000-000000000000",
]


def _rows(sql, params) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


@pytest.fixture
def checked(monkeypatch):
    """Every page statement built from kept parts returns what Django's own statement returns:
    the same rows, columns and order."""
    built = page_sql.as_sql
    seen = []

    def as_sql(query, using):
        try:
            expected = query.get_compiler(using=using).as_sql()
        except EmptyResultSet:
            with pytest.raises(EmptyResultSet):
                built(query, using)
            seen.append("empty")
            raise
        sql, params = built(query, using)
        assert _rows(sql, params) == _rows(*expected)
        seen.append(sql)
        return sql, params

    monkeypatch.setattr(page_sql, "as_sql", as_sql)
    return seen


@pytest.fixture
def world(user):
    world = factories.make_world(user, n_subjects=3, sessions_per_subject=3)
    tag = Tag.objects.create(name="t1")
    for dataset in world.datasets[:3]:
        dataset.tags.add(tag)
    return world


@pytest.mark.parametrize("query", SESSION_QUERIES)
def test_session_pages_match_django(api, world, checked, query):
    response = api.get(f"/sessions?{query}")
    assert response.status_code == 200, response.content
    assert checked, "the page statement was not built"


@pytest.mark.parametrize("query", DATASET_QUERIES)
def test_dataset_pages_match_django(api, world, checked, query):
    response = api.get(f"/datasets?{query}")
    assert response.status_code == 200, response.content
    assert checked, "the page statement was not built"


def test_filters_reuse_a_kept_shape(api, world):
    """Two values of the same filter share one kept statement; a filter that changes a join
    (lab= makes the lab's outer join inner) gets its own; DISTINCT is left to Django."""
    page_sql._TEMPLATES.clear()
    for query in ("subject=s001", "subject=s002", "subject=S003"):
        assert api.get(f"/sessions?{query}").status_code == 200
    assert len(page_sql._TEMPLATES) == 1
    assert api.get("/sessions?lab=x").status_code == 200
    assert len(page_sql._TEMPLATES) == 2
    distinct = Session.objects.values("id").distinct().order_by("id")[:2].query
    assert page_sql._shape(distinct, "default", None) is None


def test_json_columns_are_computed_around_the_sliced_page(api, world, checked):
    """An OFFSET passes over rows, and a select list is evaluated for each row passed over:
    past the first page the JSON subqueries sit outside the sliced page, so a deep page runs
    them only for its own rows; a first page keeps them inline."""
    for url in ("/sessions?limit=2&offset=4", "/datasets?limit=2&offset=4", "/sessions?limit=2"):
        assert api.get(url).status_code == 200
    sessions, datasets, first = checked
    assert first.startswith('SELECT "actions_session"."id" AS "id", ')
    assert sessions.startswith('SELECT "actions_session".*, ')
    assert sessions.endswith('LIMIT 2 OFFSET 4) "actions_session" ORDER BY '
                             '"actions_session"."start_time" DESC, "actions_session"."id" ASC')
    assert datasets.startswith('SELECT "data_dataset".*, ')


def test_a_filter_matching_nothing_reads_no_rows(api, world):
    response = api.get("/sessions?django=pk__in,()")
    assert response.status_code == 200
    assert response.json()["count"] == 0 and response.json()["results"] == []

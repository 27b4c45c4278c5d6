"""Deep pages read from where the previous page ended (mirror.core.kept_positions).

Every page must be the one OFFSET gives, ties in the ordering included, and a write between
pages must never leave a page read from a stale position. These tests commit
(transaction=True): positions are only used outside transaction blocks, as a request's
statements are.
"""
import datetime

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from mirror.actions.models import Session
from mirror.actions.serializers import SessionListSerializer
from mirror.core import kept_counts, kept_positions
from mirror.core.rows import row_values
from tests import factories

pytestmark = pytest.mark.django_db(transaction=True)

SAME_TIME = datetime.datetime(2020, 3, 1, 9, 0)


@pytest.fixture(autouse=True)
def fresh(settings):
    settings.MIRROR_KEPT_POSITIONS = 1024
    kept_positions.forget()
    kept_counts.forget()
    yield
    kept_positions.forget()
    kept_counts.forget()


@pytest.fixture
def world(user):
    """12 sessions, 5 of them at the same start time (ties broken by key), plus 6 more."""
    world = factories.make_world(user, n_subjects=2, sessions_per_subject=3)
    for number in range(2, 8):
        world.sessions.append(Session.objects.create(
            subject=world.subjects[number % 2], number=number,
            start_time=SAME_TIME if number < 7 else SAME_TIME + datetime.timedelta(hours=1),
            task_protocol="choiceWorld_6.4"))
    return world


def _ids(api, query: str, offset: int, limit: int = 2) -> list[str]:
    body = api.get(f"/sessions?{query}&limit={limit}&offset={offset}").json()
    return [row["id"] for row in body["results"]]


def _expected(query_filter: dict) -> list[str]:
    return [str(pk) for pk in Session.objects.filter(**query_filter).order_by(
        "-start_time", "id").values_list("pk", flat=True)]


@pytest.mark.parametrize("query,query_filter", [
    ("task_protocol=choiceWorld", {"task_protocol__icontains": "choiceWorld"}),
    ("subject=SUBJ01", {"subject__nickname": "SUBJ01"}),
    ("lab=testlab", {"lab__name": "testlab"}),
])
def test_paging_in_order_gives_the_pages_offset_gives(api, world, query, query_filter):
    expected = _expected(query_filter)
    assert len(expected) > 4
    listed = []
    for offset in range(0, len(expected) + 2, 2):
        with CaptureQueriesContext(connection) as context:
            listed += _ids(api, query, offset)
        if offset >= 4:  # page 3 on starts where page 2 ended
            statements = " ".join(query["sql"] for query in context.captured_queries)
            assert "OFFSET" not in statements.upper()
    assert listed == expected


def test_ties_are_ordered_by_key_across_page_ends(api, world):
    expected = _expected({})
    tied = [pk for pk in expected if Session.objects.get(pk=pk).start_time == SAME_TIME]
    assert len(tied) == 5
    for limit in (1, 2, 3):
        kept_positions.forget()
        listed = []
        for offset in range(0, len(expected), limit):
            listed += _ids(api, "task_protocol=choice", offset, limit)
        assert listed == expected


def test_a_write_between_pages_gives_the_new_offset_page(api, world):
    expected = _expected({})
    assert _ids(api, "task_protocol=choice", 2) == expected[2:4]
    Session.objects.create(subject=world.subjects[0], number=50,  # sorts first
                           start_time=SAME_TIME + datetime.timedelta(days=365),
                           task_protocol="choiceWorld_6.4")
    assert _ids(api, "task_protocol=choice", 4) == _expected({})[4:6]


def test_the_row_a_position_starts_after_may_be_deleted(api, world):
    expected = _expected({})
    assert _ids(api, "task_protocol=choice", 2) == expected[2:4]
    Session.objects.filter(pk=expected[3]).delete()
    assert _ids(api, "task_protocol=choice", 4) == _expected({})[4:6]


def test_pages_asked_out_of_order_use_offset(api, world):
    expected = _expected({})
    assert _ids(api, "task_protocol=choice", 6) == expected[6:8]
    assert _ids(api, "task_protocol=choice", 2) == expected[2:4]
    assert _ids(api, "task_protocol=choice", 10) == expected[10:12]
    assert _ids(api, "task_protocol=choice", 8) == expected[8:10]  # kept after offset 6


def _rows():
    queryset = Session.objects.order_by("-start_time", "id").filter(
        task_protocol__icontains="choice")
    return row_values(queryset, SessionListSerializer)


def test_inside_a_transaction_pages_use_offset(world):
    rows = _rows()
    kept_positions.read(rows, 2, 4)
    with transaction.atomic():
        with CaptureQueriesContext(connection) as context:
            page, version = kept_positions.read(rows, 4, 6)
    assert version is None and "OFFSET" in context.captured_queries[0]["sql"].upper()
    assert [row["id"] for row in page] == _expected({})[4:6]


def test_orderings_on_nullable_columns_use_offset(world):
    from mirror.data.models import Dataset

    rows = Dataset.objects.order_by("-created_datetime", "id").values("id", "name")
    assert kept_positions._ordering(rows.query) is None  # NULLs sort differently per database
    assert kept_positions._ordering(_rows().query) == [("start_time", True), ("id", False)]
    assert kept_positions._ordering(Session.objects.order_by("start_time").query) is None


def test_turned_off_every_page_uses_offset(api, world, settings):
    settings.MIRROR_KEPT_POSITIONS = 0
    for offset in (2, 4, 6):
        with CaptureQueriesContext(connection) as context:
            _ids(api, "task_protocol=choice", offset)
        assert "OFFSET" in " ".join(q["sql"] for q in context.captured_queries).upper()


def test_the_page_and_its_count_share_one_version_read(api, world, settings):
    settings.MIRROR_KEPT_COUNT_MIN_MS = 0
    for offset in (0, 2, 4):
        _ids(api, "task_protocol=choice", offset)
    with CaptureQueriesContext(connection) as context:
        _ids(api, "task_protocol=choice", 6)
    # the token, the page after the kept position, one version read (page and count)
    assert len(context.captured_queries) == 3


def test_a_position_a_page_back_is_used_skipping_the_page_between(api, world):
    """Another worker read page 4..6: this one starts from its own position at 4, skips 2."""
    expected = _expected({})
    assert _ids(api, "task_protocol=choice", 2) == expected[2:4]  # keeps the position at 4
    with CaptureQueriesContext(connection) as context:
        assert _ids(api, "task_protocol=choice", 6) == expected[6:8]
    page = next(query["sql"] for query in context.captured_queries
                if "json_" in query["sql"] or "array_to_json" in query["sql"])
    assert "<= (SELECT" in page and "OFFSET 2" in page.upper()
    assert _ids(api, "task_protocol=choice", 8) == expected[8:10]  # and kept the one at 8

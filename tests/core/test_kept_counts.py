"""Filtered lists' counts kept until the data changes (mirror.core.kept_counts, data_version).

These tests commit (transaction=True): a kept count is only ever used outside a transaction
block, as a request's statements are, and other connections must see the writes.
"""
import threading

import pytest
from django.core.management import call_command
from django.db import connection, connections, transaction
from django.test.utils import CaptureQueriesContext

from mirror.actions.models import Session
from mirror.core import data_version, kept_counts
from mirror.core.models import DataVersion
from mirror.data.models import Dataset, FileRecord
from tests import factories

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def keep_every_count(settings):
    """Keep counts however quick they are (the test data is small); start and end with none."""
    settings.MIRROR_KEPT_COUNT_MIN_MS = 0
    settings.MIRROR_KEPT_COUNTS = 256
    kept_counts.forget()
    yield
    kept_counts.forget()


@pytest.fixture
def world(user):
    return factories.make_world(user, n_subjects=2, sessions_per_subject=3)


def _on_protocol(protocol="choiceWorld_6.4"):
    return Session.objects.filter(task_protocol=protocol)


def _count_statements(queryset) -> tuple[int, list[str]]:
    with CaptureQueriesContext(connection) as context:
        rows = kept_counts.count(queryset)
    return rows, [query["sql"] for query in context.captured_queries]


def test_a_kept_count_costs_one_version_read(world):
    rows, statements = _count_statements(_on_protocol())
    assert rows == 6 and len(statements) == 1 and "COUNT(*)" in statements[0]
    rows, statements = _count_statements(_on_protocol())
    assert rows == 6 and len(statements) == 1 and "COUNT(*)" not in statements[0]


def test_each_filter_has_its_own_count(world):
    assert kept_counts.count(_on_protocol()) == 6
    assert kept_counts.count(_on_protocol("other")) == 0
    assert kept_counts.count(_on_protocol().filter(subject=world.subjects[0])) == 3
    assert kept_counts.count(_on_protocol()) == 6


def _write_ways(world):
    """Ways data changes under a kept count, each with the count it leaves (for 6 at start)."""
    session = world.sessions[0]

    def orm_save():
        session.task_protocol = "other"
        session.save()
        return 5

    def bulk_create():
        Session.objects.bulk_create([
            Session(subject=session.subject, number=n + 10, start_time=session.start_time,
                    task_protocol="choiceWorld_6.4") for n in range(3)])
        return 9

    def queryset_update():
        Session.objects.filter(subject=world.subjects[1]).update(task_protocol="other")
        return 3

    def delete():
        world.sessions[5].delete()
        return 5

    def raw_sql():
        with connection.cursor() as cursor:
            cursor.execute("UPDATE actions_session SET task_protocol = 'other'")
        return 0

    return {f.__name__: f for f in (orm_save, bulk_create, queryset_update, delete, raw_sql)}


@pytest.mark.parametrize("way", ["orm_save", "bulk_create", "queryset_update", "delete",
                                 "raw_sql"])
def test_any_write_makes_the_count_recounted(world, way):
    assert kept_counts.count(_on_protocol()) == 6
    assert "COUNT(*)" not in _count_statements(_on_protocol())[1][0]  # kept
    expected = _write_ways(world)[way]()
    assert kept_counts.count(_on_protocol()) == expected == _on_protocol().count()


def test_a_write_to_a_related_table_counts_too(world):
    """The datasets filter reads datasets and file records: a file gone changes the count."""
    named = Session.objects.filter(
        data_dataset_session_related__name="_ibl_trials.table.csv").distinct()
    downloadable = Session.objects.filter(
        pk__in=Dataset.objects.filter(file_records__exists=True).values("session"))
    assert kept_counts.count(downloadable) == 6
    FileRecord.objects.filter(dataset=world.datasets[0]).update(exists=False)
    assert kept_counts.count(downloadable) == 5
    assert kept_counts.count(named) == 6  # DISTINCT: Django's own count, never kept


def test_a_write_committed_by_another_connection(world):
    assert kept_counts.count(_on_protocol()) == 6
    assert "COUNT(*)" not in _count_statements(_on_protocol())[1][0]  # kept

    def elsewhere():
        try:
            Session.objects.filter(pk=world.sessions[0].pk).update(task_protocol="other")
        finally:
            connections.close_all()

    thread = threading.Thread(target=elsewhere)
    thread.start()
    thread.join()
    assert kept_counts.count(_on_protocol()) == 5


def test_inside_a_transaction_counts_are_neither_kept_nor_used(world):
    assert kept_counts.count(_on_protocol()) == 6
    with transaction.atomic():
        world.sessions[0].delete()
        rows, statements = _count_statements(_on_protocol())
        assert rows == 5 and "pg_current_snapshot" not in statements[0]
        assert "core_dataversion" not in statements[0]
        transaction.set_rollback(True)
    assert kept_counts.count(_on_protocol()) == 6


def test_a_rolled_back_write_leaves_the_count_right(world):
    assert kept_counts.count(_on_protocol()) == 6
    with transaction.atomic():
        Session.objects.update(task_protocol="other")
        transaction.set_rollback(True)
    assert kept_counts.count(_on_protocol()) == 6
    world.sessions[0].delete()
    assert kept_counts.count(_on_protocol()) == 5


def test_quick_counts_are_not_kept(world, settings):
    settings.MIRROR_KEPT_COUNT_MIN_MS = 60_000
    for _ in range(2):
        rows, statements = _count_statements(_on_protocol())
        assert rows == 6 and "COUNT(*)" in statements[0]


def test_the_least_recently_used_count_is_dropped(world, settings):
    settings.MIRROR_KEPT_COUNTS = 2
    first, second = (_on_protocol().filter(subject=subject) for subject in world.subjects)
    third = _on_protocol().filter(number=1)
    kept_counts.count(first)
    kept_counts.count(second)
    kept_counts.count(first)  # used again: second is now the oldest
    kept_counts.count(third)
    assert "COUNT(*)" not in _count_statements(first)[1][0]
    assert "COUNT(*)" in _count_statements(second)[1][0]


def test_turned_off_it_is_djangos_count(world, settings):
    settings.MIRROR_KEPT_COUNTS = 0
    for _ in range(2):
        rows, statements = _count_statements(_on_protocol())
        assert rows == 6 and "__count" in statements[0]


def test_whole_tables_still_read_their_row_count(world):
    rows, statements = _count_statements(Session.objects.all())
    assert rows == 6 and "core_rowcount" in statements[0]


def test_the_api_pages_with_the_kept_count_and_sees_new_data(api, world):
    """ONE's paging: the count is kept across pages; a new matching session shows at once."""
    url = "/sessions?task_protocol=choiceWorld&limit=2"
    assert api.get(url).json()["count"] == 6
    with CaptureQueriesContext(connection) as context:
        assert api.get(url + "&offset=2").json()["count"] == 6
    assert not any("COUNT(" in query["sql"] for query in context.captured_queries)
    response = api.post("/sessions", {"subject": "SUBJ01", "start_time": "2021-01-01T10:00:00",
                                      "number": 7, "task_protocol": "choiceWorld_6.4"},
                        format="json")
    assert response.status_code == 201, response.content
    assert api.get(url + "&offset=4").json()["count"] == 7


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's version triggers")
def test_every_sqlite_table_has_version_triggers(db):
    with connection.cursor() as cursor:
        triggers = data_version.sqlite_trigger_names(cursor)
    tables = set(connection.introspection.table_names()) - data_version.UNVERSIONED_TABLES
    missing = {data_version.trigger_name(table, event) for table in tables
               for event in ("insert", "update", "delete")} - triggers
    assert tables and not missing
    assert data_version.install_sqlite_triggers(connection) == 0  # nothing left to add


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's version row")
def test_a_flush_brings_the_version_back_at_a_new_value(db):
    before = data_version.current(connection.alias)
    call_command("flush", interactive=False, verbosity=0)
    after = DataVersion.objects.get().version
    assert before is not None and after not in (None, before)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's snapshot")
def test_postgresql_reads_its_snapshot_and_has_no_triggers(world):
    before = data_version.current(connection.alias)
    assert before == data_version.current(connection.alias)
    world.sessions[0].delete()
    assert data_version.current(connection.alias) != before
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_trigger WHERE tgname LIKE '%%dataversion%%'")
        assert cursor.fetchone()[0] == 0


def test_filters_that_match_nothing_count_zero_without_a_query(world):
    rows, statements = _count_statements(Session.objects.filter(pk__in=[]))
    assert rows == 0 == Session.objects.filter(pk__in=[]).count() and statements == []

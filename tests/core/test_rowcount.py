"""Row counts kept by triggers: always equal to COUNT(*), read by unfiltered lists."""
import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from mirror.actions.models import Session
from mirror.core import data_version, rowcount
from mirror.core.models import RowCount
from mirror.data.models import Dataset, FileRecord
from tests import factories

MODELS = (Session, Dataset, FileRecord)


def _stored(model):
    return RowCount.objects.filter(table_name=model._meta.db_table).values_list(
        "row_count", flat=True).first()


@pytest.fixture
def counted(db):
    """Counts stored for every counted table (a flush by an earlier test may have removed them)."""
    for model in MODELS:
        rowcount.table_rows(model._meta.db_table)


def test_triggers_follow_inserts_bulk_inserts_and_deletes(user, counted):
    world = factories.make_world(user, n_subjects=2, sessions_per_subject=3)
    for model in MODELS:
        assert _stored(model) == model.objects.count() > 0
    session = world.sessions[0]
    Session.objects.bulk_create([Session(subject=session.subject, number=n + 2,
                                         start_time=session.start_time) for n in range(5)])
    Dataset.objects.filter(session=world.sessions[1]).delete()  # cascades to file records
    world.sessions[2].delete()
    for model in MODELS:
        assert _stored(model) == model.objects.count()


def test_a_missing_count_is_counted_once_then_kept(user):
    factories.make_world(user)
    RowCount.objects.all().delete()
    assert rowcount.table_rows("actions_session") == Session.objects.count()
    assert _stored(Session) == Session.objects.count()
    Session.objects.create(subject=Session.objects.first().subject, number=9,
                           start_time=Session.objects.first().start_time)
    assert _stored(Session) == Session.objects.count()


@pytest.mark.skipif("connection.vendor != 'postgresql'")
def test_truncate_sets_zero_on_postgresql(user, counted):
    factories.make_world(user)
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no pending FK checks block TRUNCATE
        cursor.execute("TRUNCATE data_filerecord")
    assert _stored(FileRecord) == 0 == FileRecord.objects.count()


def test_unfiltered_lists_read_the_kept_count(api, lab_world, counted):
    for endpoint, model in (("sessions", Session), ("datasets", Dataset),
                            ("files", FileRecord)):
        with CaptureQueriesContext(connection) as queries:
            body = api.get(f"/{endpoint}?limit=1").json()
        assert body["count"] == model.objects.count() > 1
        assert not any("COUNT(" in query["sql"].upper() for query in queries)


def test_filtered_lists_still_count_their_rows(api, lab_world, counted):
    subject = lab_world.subjects[0]
    body = api.get(f"/sessions?subject={subject.nickname}&limit=1").json()
    assert body["count"] == Session.objects.filter(subject=subject).count()


def _sqlite_triggers() -> set[str]:
    with connection.cursor() as cursor:
        return data_version.sqlite_trigger_names(cursor)


@pytest.mark.skipif("connection.vendor != 'sqlite'")
@pytest.mark.django_db(transaction=True)
def test_sqlite_triggers_come_back_after_a_migration_rebuilds_a_table(user):
    """Django's SQLite schema editor rebuilds a table for most column changes, dropping its
    triggers; the next migrate puts them back and the table is recounted."""
    world = factories.make_world(user)
    with connection.schema_editor() as editor:
        editor._remake_table(Session)  # what AlterField does on SQLite
    lost = {"actions_session_rowcount_insert", "actions_session_dataversion_update"}
    assert not lost & _sqlite_triggers()
    call_command("migrate", verbosity=0)
    assert lost <= _sqlite_triggers()
    Session.objects.create(subject=world.subjects[0], number=5,
                           start_time=world.sessions[0].start_time)
    assert rowcount.table_rows("actions_session") == Session.objects.count() == 5
    assert _stored(Session) == 5

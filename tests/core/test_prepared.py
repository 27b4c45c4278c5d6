"""PreparedRead: the ORM's SQL compiled once, run with new values, same rows as the ORM."""
import uuid

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.db.models import F, Value
from django.db.models.functions import Concat
from django.test.utils import CaptureQueriesContext

from mirror.actions.models import Session
from mirror.core.prepared import TEXT, UUID, UUIDS, PreparedRead
from mirror.subjects.models import Subject

COLUMNS = ("id", "subject__nickname", "start_time", "number", "json", "qc", "imported_at")

by_key = PreparedRead(lambda pk: Session.objects.filter(pk=pk).values_list(*COLUMNS), UUID)
by_keys = PreparedRead(lambda pks: Session.objects.filter(pk__in=pks).order_by(
    "start_time", "id").values_list(*COLUMNS), UUIDS)
by_nickname = PreparedRead(lambda nickname: Session.objects.filter(
    subject__nickname=nickname).order_by("start_time").values_list("id", flat=True), TEXT)


@pytest.fixture
def world(lab_world):
    session = lab_world.sessions[0]
    session.json = {"a": [1, 2]}
    session.save()
    return lab_world


def _orm(queryset) -> list[tuple]:
    return [tuple(row) for row in queryset.values_list(*COLUMNS)]


def test_a_key_reads_the_same_row_as_the_orm(world):
    for session in world.sessions:
        assert by_key(session.pk) == _orm(Session.objects.filter(pk=session.pk))
        assert by_key(str(session.pk)) == by_key(session.pk)  # text keys work too
    assert by_key(uuid.uuid4()) == []


def test_values_come_back_as_python_types(world):
    pk, nickname, start, number, data, qc, imported = by_key(world.sessions[0].pk)[0]
    assert isinstance(pk, uuid.UUID) and start == world.sessions[0].start_time
    assert data == {"a": [1, 2]} and imported is None and isinstance(number, int)


@pytest.mark.parametrize("take", [0, 1, 3])
def test_a_list_of_keys_of_any_length_runs_one_statement(world, take):
    keys = [session.pk for session in world.sessions[:take]]
    with CaptureQueriesContext(connection) as queries:
        rows = by_keys(keys)
    assert len(queries) == 1
    assert rows == _orm(Session.objects.filter(pk__in=keys).order_by("start_time", "id"))
    assert len(rows) == take


def test_text_values_are_bound_not_spliced(world):
    nickname = world.subjects[0].nickname
    expected = list(Session.objects.filter(subject__nickname=nickname).order_by(
        "start_time").values_list("id"))
    assert by_nickname(nickname) == expected
    assert by_nickname("x' OR '1'='1") == []


def test_annotations_keep_the_values_list_order(world):
    labelled = PreparedRead(lambda pk: Subject.objects.filter(pk=pk).annotate(
        label=Concat(F("nickname"), Value("!"))).values_list("label", "nickname"), UUID)
    subject = world.subjects[0]
    assert labelled(subject.pk) == [(f"{subject.nickname}!", subject.nickname)]


def test_a_value_that_does_not_reach_the_sql_as_is_is_refused(db):
    fuzzy = PreparedRead(lambda text: Subject.objects.filter(
        nickname__icontains=text).values_list("id"), TEXT)
    with pytest.raises(ImproperlyConfigured, match="plain bound values"):
        fuzzy("x")


def test_arguments_are_checked(db):
    with pytest.raises(TypeError):
        by_key()
    with pytest.raises(ValueError):
        PreparedRead(lambda x: None, "float")

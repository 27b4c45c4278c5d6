"""To-many values as a JSON column of the page's statement (mirror.core.json_rows)."""
import random

import pytest
from django.db.models import OuterRef

from mirror.actions.models import Session
from mirror.core.json_rows import JSONRows, rows
from mirror.core.text_values import uuid_text
from mirror.data.models import FileRecord
from tests import factories


def _project_names(order: str) -> JSONRows:
    return JSONRows(Session.projects.through.objects.filter(session_id=OuterRef("pk")).order_by(
        order).values("project__name"))


@pytest.mark.django_db
def test_related_rows_keep_the_subquery_order():
    session = factories.make_session()
    names = [f"project-{index:02d}" for index in range(30)]
    for name in random.Random(7).sample(names, len(names)):  # inserted out of order
        session.projects.add(factories.make_project(name))
    for order, expected in (("project__name", names), ("-project__name", names[::-1])):
        row = Session.objects.filter(pk=session.pk).values(names_json=_project_names(order))[0]
        assert rows(row["names_json"]) == expected


@pytest.mark.django_db
def test_no_related_rows_is_an_empty_list():
    session = factories.make_session()
    row = Session.objects.filter(pk=session.pk).values(
        names_json=_project_names("project__name"))[0]
    assert rows(row["names_json"]) == []


@pytest.mark.django_db
def test_several_columns_come_as_lists(user):
    world = factories.make_world(user, n_subjects=1, sessions_per_subject=1)
    dataset = world.datasets[0]
    copies = JSONRows(FileRecord.objects.filter(dataset_id=OuterRef("pk")).order_by("id").values(
        "id", "relative_path", "exists"))
    row = type(dataset).objects.filter(pk=dataset.pk).values(copies_json=copies)[0]
    expected = [[str(pk), path, exists] for pk, path, exists in FileRecord.objects.filter(
        dataset=dataset).order_by("id").values_list("id", "relative_path", "exists")]
    assert expected
    assert [[uuid_text(pk), path, bool(exists)]
            for pk, path, exists in rows(row["copies_json"])] == expected


@pytest.mark.django_db
def test_the_subquery_is_compiled_once_per_database():
    queryset = Session.objects.values("id", names_json=_project_names("project__name"))
    factories.make_session()
    expression = queryset.query.annotations["names_json"]
    list(queryset)
    kept = dict(expression._compiled)
    assert list(kept) == ["default"]
    list(queryset.all())  # a clone shares the expression and its SQL
    assert expression._compiled == kept
    assert expression.relabeled_clone({})._compiled == {}


@pytest.mark.django_db
def test_a_subquery_that_binds_values_is_refused():
    bound = JSONRows(Session.projects.through.objects.filter(
        session_id=OuterRef("pk"), project__name="x").values("project__name"))
    with pytest.raises(ValueError, match="must not bind values"):
        list(Session.objects.values(names_json=bound))


def test_uuid_text():
    dashed = "01234567-89ab-cdef-0123-456789abcdef"
    assert uuid_text(dashed.replace("-", "")) == dashed
    assert uuid_text(dashed) == dashed
    assert uuid_text(None) is None


def test_a_values_queryset_is_required():
    with pytest.raises(ValueError, match="values"):
        JSONRows(Session.objects.all())

"""The `django=` parser and its allow-list, without HTTP."""
import pytest
from rest_framework.exceptions import ValidationError

from mirror.actions.models import Session
from mirror.core import django_lookup
from mirror.data.models import Dataset


@pytest.mark.parametrize("text, parts", [
    ("a,1", ["a", "1"]),
    ("pk__in,('x', 'y'),b,2", ["pk__in", "('x', 'y')", "b", "2"]),
    ("id__in,['a', 'b']", ["id__in", "['a', 'b']"]),
])
def test_split_outside_brackets(text, parts):
    assert django_lookup.split_outside_brackets(text) == parts


@pytest.mark.parametrize("raw, value", [
    ("None", None), ("True", True), ("false", False), ("12", 12), ("1.5", 1.5),
    ("('a',)", ("a",)), ("['a', 'b']", ["a", "b"]),
    ("3f0f6d5e-0f1a-4a45-9d1b-2c6b1f0e9a11", "3f0f6d5e-0f1a-4a45-9d1b-2c6b1f0e9a11"),
])
def test_coerce_value_like_alyx_without_eval(raw, value):
    assert django_lookup.coerce_value(raw) == value


def test_literal_eval_refuses_code():
    with pytest.raises(ValidationError):
        django_lookup.coerce_value("[__import__('os').system('true')]")


def test_parse_marks_exclusions():
    (pair,) = django_lookup.parse("~subject__nickname,x")
    assert pair == django_lookup.LookupPair("subject__nickname", "x", True)


@pytest.mark.parametrize("model, lookup, many", [
    (Session, "pk", False), (Session, "subject__nickname__icontains", False),
    (Session, "start_time__date__gte", False), (Session, "extended_qc__a__b__gte", False),
    (Session, "projects__name", True), (Dataset, "session__isnull", False),
    (Dataset, "session__subject__lab__name", False), (Dataset, "tags__name__in", True),
])
def test_public_lookups_pass(model, lookup, many):
    assert django_lookup.check_lookup(model, lookup) is many


@pytest.mark.parametrize("model, lookup", [
    (Session, "users__password"), (Session, "users__auth_token__key"),
    (Session, "users__is_superuser"), (Session, "users__last_login__gte"),
    (Dataset, "created_by__password__startswith"), (Session, "subject__no_such_field"),
    (Dataset, "session__nosuch"),
])
def test_private_or_unknown_lookups_fail(model, lookup):
    with pytest.raises(ValidationError):
        django_lookup.check_lookup(model, lookup)

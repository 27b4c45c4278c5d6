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


@pytest.mark.parametrize("lookup, fragment", [
    ("name__regex", "'regex' is refused"), ("extended_qc__a__iregex", "'iregex' is refused"),
    ("__".join(["a"] * 13), "at most 12"),
])
def test_parse_refuses_regex_and_long_lookups(lookup, fragment):
    with pytest.raises(ValidationError) as refused:
        django_lookup.parse(f"{lookup},x", "extended_qc")
    assert fragment in str(refused.value.detail["extended_qc"][0])


def test_relation_hops_are_counted():
    assert django_lookup.check_lookup(Dataset, "session__subject__lab__name") is False
    with pytest.raises(ValidationError, match="relation number 4"):
        django_lookup.check_lookup(Dataset, "session__subject__lab__members__username")


def test_pairs_are_counted_over_parameters():
    assert django_lookup.count_pairs(["a,1,b,(1,2)", "c", ""]) == 3
    django_lookup.check_pair_count({"django": ["a,1"] * 5, "json": ["b,2"] * 5})
    with pytest.raises(ValidationError) as refused:
        django_lookup.check_pair_count({"django": ["a,1"] * 6, "json": ["b,2"] * 5, "x": []})
    assert set(refused.value.detail) == {"django", "json"}

"""Every typed filter of every endpoint refuses a value it cannot read (400 naming it), rather
than dropping the filter and listing every row (`/import-runs?dry_run=maybe` did)."""
import django_filters
import pytest

from importers.api import ImportRunViewSet
from mirror.core.filters import IntegerFilter, QCFilter
from mirror.urls import ENDPOINTS

VIEWSETS = {**ENDPOINTS, "import-runs": ImportRunViewSet}
# The most specific class first: IntegerFilter is a NumberFilter, DateTimeFilter a DateFilter…
BAD_VALUES = (
    (django_filters.BooleanFilter, ("maybe", "2", "yes")),
    (IntegerFilter, ("1.5", "abc")),
    (django_filters.NumberFilter, ("abc", "1e400")),
    (django_filters.ChoiceFilter, ("not-a-choice",)),
    (django_filters.UUIDFilter, ("not-a-uuid",)),
    (django_filters.DateTimeFilter, ("yesterday", "2020-13-01T00:00")),
    (django_filters.DateFilter, ("2020-13-45", "yesterday")),
    (QCFilter, ("terrible",)),
)


def _typed_filters():
    """(endpoint, filter name, kind of filter) of every typed filter."""
    for endpoint, viewset in VIEWSETS.items():
        for name, filter_ in viewset.filterset_class.base_filters.items():
            kind = next((kind for kind, _ in BAD_VALUES if isinstance(filter_, kind)), None)
            if kind is not None:
                yield endpoint, name, kind


TYPED = list(_typed_filters())
CASES = [(endpoint, name, value) for endpoint, name, kind in TYPED
         for value in dict(BAD_VALUES)[kind]]


def test_every_kind_of_typed_filter_is_found():
    assert {kind for _, _, kind in TYPED} == set(dict(BAD_VALUES))
    assert ("import-runs", "dry_run", django_filters.BooleanFilter) in TYPED


@pytest.mark.parametrize("endpoint, name, value", CASES)
def test_an_unreadable_value_is_400_naming_the_filter(api, endpoint, name, value):
    response = api.get(f"/{endpoint}", {name: value})
    assert response.status_code == 400, (response.status_code, response.content[:300])
    assert name in response.json()


@pytest.mark.parametrize("value, count", [("true", 2), ("TRUE", 2), ("1", 2), ("false", 0),
                                          ("False", 0), ("0", 0), ("", 2)])
def test_booleans_read_true_false_1_0_in_any_case(api, lab_world, value, count):
    """`?alive=1` was ignored too (Django's select widget reads only True/False/true/false)."""
    assert api.get("/subjects", {"alive": value}).json()["count"] == count


def test_unknown_parameters_named_in_one_answer_are_bounded(api):
    """Each named with the accepted list: 1,000 of them (Django's limit) made a 440 kB answer."""
    response = api.get("/sessions", {f"nope{i:04d}": "1" for i in range(1000)})
    assert response.status_code == 400
    assert sorted(response.json())[:3] == ["nope0000", "nope0001", "nope0002"]
    assert len(response.content) < 20_000

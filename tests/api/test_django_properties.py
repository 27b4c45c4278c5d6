"""Property-based test of `django=` (and `json=`/`extended_qc=`) over the real endpoints.

Lookups are walked from the models' own PUBLIC_FIELDS and relations, then given Django's lookup
and transform names and JSON keys; values are odd on purpose (unicode digits, huge numbers,
nested brackets, quotes, None/True, empty parts, `~`), and some parameters are raw garbage.
Whatever comes: never a 5xx, always JSON, and an accepted query joins at most two tables per
relation hop allowed per pair beyond the endpoint's own joins. Derandomized and unshrunk: the
same few hundred requests on every run, in a few seconds.
"""
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mirror.core import django_lookup
from mirror.urls import ENDPOINTS

MODELS = {endpoint: viewset.queryset.model for endpoint, viewset in ENDPOINTS.items()}
LOOKUP_NAMES = sorted({name for model in MODELS.values() for field in model._meta.get_fields()
                       for name in field.get_lookups()})
JSON_KEYS = ["a", "task", "0", "-1", "labvanced", "key with space", "ü", "pk", "regex"]
JOIN = re.compile(r"\bJOIN\b")


def _public(model):
    return [model._meta.get_field(name) for name in django_lookup.public_fields(model)]


@st.composite
def walked_lookups(draw, model):
    """A lookup along the model graph: up to 5 relations (the cap is 3), a field or `pk`, then
    lookups/transforms/JSON keys, sometimes with `~`."""
    parts, current = [], model
    for _ in range(draw(st.integers(0, 5))):
        relations = [field for field in _public(current) if field.is_relation]
        if not relations:
            break
        field = draw(st.sampled_from(relations))
        parts.append(field.name)
        current = field.related_model
    plain = [field.name for field in _public(current) if not field.is_relation] or ["pk"]
    parts.append(draw(st.sampled_from([*plain, "pk"])))
    parts += draw(st.lists(st.sampled_from(LOOKUP_NAMES + JSON_KEYS), max_size=3))
    return draw(st.sampled_from(["", "~"])) + "__".join(parts)


ODD_VALUES = st.one_of(
    st.sampled_from(["None", "True", "false", "", "~", "²", "١٢", "1e999", "-1", "0.5", ".",
                     "'", '"', "''", "(", ")", "[", "]", "{}", "({{}})", "(None,)", "[True]",
                     "2020-01-01", "2020-13-45", "2020-01-01T10:00:00+05:00", "9" * 30,
                     "3f0f6d5e-0f1a-4a45-9d1b-2c6b1f0e9a11", "('\\x00',)", "(b'x',)", "(1j,)",
                     "[{'a': [1, 2]}]", "(1,)", "(1, 2, 3)", "SUBJ01", "testlab", "%", "_"]),
    st.integers(-(2**70), 2**70).map(str),
    st.integers(1, 400).map(lambda depth: "[" * depth + "]" * depth),
    st.text(alphabet="ab1²(),[]{}'\"~_ .-:", max_size=12),
)
RAW_GARBAGE = st.text(max_size=40)  # NUL included: any value of a repeated parameter


@st.composite
def requests(draw):
    endpoint = draw(st.sampled_from(sorted(MODELS)))
    params = ["django"] + (["json", "extended_qc"] if endpoint == "sessions" else [])
    query = {}
    for _ in range(draw(st.integers(1, 3))):
        name = draw(st.sampled_from(params))
        if draw(st.integers(0, 9)) == 0:
            text = draw(RAW_GARBAGE)
        else:
            lookup = (walked_lookups(MODELS[endpoint]) if name == "django"
                      else st.lists(st.sampled_from(JSON_KEYS + LOOKUP_NAMES), min_size=1,
                                    max_size=3).map("__".join))
            pairs = draw(st.lists(st.tuples(lookup, ODD_VALUES), min_size=1, max_size=6))
            text = ",".join(f"{key},{value}" for key, value in pairs)
        query.setdefault(name, []).append(text)
    return endpoint, query


def _joins(queries) -> int:
    return max((len(JOIN.findall(query["sql"])) for query in queries), default=0)


@pytest.mark.django_db(transaction=True)  # autocommit as served: a failed statement ends nothing
def test_django_lookups_never_fail_the_server(api, lab_world):
    own_joins = {}
    for endpoint in MODELS:
        with CaptureQueriesContext(connection) as queries:
            assert api.get(f"/{endpoint}").status_code == 200
        own_joins[endpoint] = _joins(queries.captured_queries)
    per_pair = 2 * django_lookup.MAX_RELATION_HOPS  # a many-to-many hop is two tables
    accepted = []

    @settings(max_examples=400, derandomize=True, deadline=None, database=None,
              suppress_health_check=list(HealthCheck), phases=["generate"])
    @given(requests())
    def check(request):
        endpoint, query = request
        with CaptureQueriesContext(connection) as queries:
            try:
                response = api.get(f"/{endpoint}", query)
            except Exception as exc:  # the test client raises a view's exception: name the query
                raise AssertionError(f"/{endpoint} {query}: {exc!r}") from exc
        assert response.status_code < 500, (query, response.content[:300])
        assert response["Content-Type"] == "application/json", (query, response.status_code)
        body = response.json()
        if response.status_code == 200:
            accepted.append(query)
            pairs = django_lookup.count_pairs(text for texts in query.values() for text in texts)
            assert pairs <= django_lookup.MAX_PAIRS
            joins = _joins(queries.captured_queries)
            assert joins <= own_joins[endpoint] + pairs * per_pair, (query, joins)
        else:
            assert set(body) & {*query, "detail"}, (query, body)

    check()
    assert len(accepted) > 20  # the walk reaches real rows, not only refusals

"""Property-based API test: whatever a client sends, the mirror never answers with a 5xx.

Schemathesis takes the schema the server serves at /api/schema (the JSON ONE downloads) and sends
each operation schema-conforming and malformed requests on a live server, as a staff user over a
small lab, DELETEs and odd bodies included. Generation is deterministic, small and unshrunk, so
the run is stable and takes well under a minute. (The schema is read at import through Django's
test client: schemathesis's lazy fixture loader does not run under pytest 9.)

The plain tests at the end pin the 5xx it found, now 400s that name the problem.
"""
import pytest
import schemathesis
from django.test import Client
from hypothesis import HealthCheck, settings
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error

from tests import factories

MAX_EXAMPLES = 15  # per operation; about 1,100 requests over the whole API
CONFIG = schemathesis.Config.from_dict({
    "generation": {"max-examples": MAX_EXAMPLES, "deterministic": True, "no-shrink": True,
                   "database": "none"},
    # Coverage cases (every boundary of every field) would send ~9,000 requests: too slow here.
    "phases": {"coverage": {"enabled": False}, "stateful": {"enabled": False}},
    "suppress-health-check": ["all"],
})


def served_schema() -> dict:
    response = Client().get("/api/schema", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200, response.content[:500]
    return response.json()


schema = schemathesis.openapi.from_dict(served_schema(), config=CONFIG)


@pytest.fixture
def staff_headers(transactional_db):
    """A staff user's token over a small lab (two subjects, four sessions with files)."""
    staff = factories.make_user("fuzzer", is_staff=True, is_superuser=True)
    factories.make_world(staff)
    token, _ = Token.objects.get_or_create(user=staff)
    return {"Authorization": f"Token {token.key}"}


@schema.parametrize()
@settings(max_examples=MAX_EXAMPLES, derandomize=True, deadline=None, database=None,
          suppress_health_check=list(HealthCheck))
def test_no_server_errors(case, live_server, staff_headers):
    """No request, however malformed, gets a 5xx from any operation."""
    case.call_and_validate(base_url=live_server.url, headers=staff_headers,
                           checks=[not_a_server_error], timeout=30)


@pytest.mark.parametrize("url, count", [
    ("/sessions?start_time=2020-01-01T10:00:00Z", 1),
    ("/sessions?end_time=2020-01-01T10:00:00%2B02:00", 0),
    ("/datasets?created_datetime=2020-01-01T10:00:00Z", 1),
    # wall clock: only the 11:00 session is after 10:30 (in UTC, 05:30, both would be)
    ("/sessions?django=start_time__gt,2020-01-02T10:30:00%2B05:00", 1),
])
def test_datetime_filter_with_offset_is_wall_clock(api, lab_world, url, count):
    """A datetime filter value with an offset keeps its wall-clock time on every database
    (was a 500 on SQLite, a UTC conversion on PostgreSQL)."""
    response = api.get(url)
    assert response.status_code == 200, response.content
    assert response.json()["count"] == count


@pytest.mark.parametrize(("url", "key", "words"), [
    ("/sessions?django=name__regex,(", "django", "'regex' is refused"),
    ("/sessions?extended_qc=a__in,5", "extended_qc", "takes a list or tuple"),
    ("/sessions?json=a__regex,[", "json", "'regex' is refused"),
    ("/sessions?json=a", "json", "pairs of lookup and value"),
])
def test_bad_lookup_values_are_400(api, lab_world, url, key, words):
    """Values a lookup or the database refuses are a 400 naming the parameter (were 500s)."""
    response = api.get(url)
    assert response.status_code == 400, response.content
    assert words in " ".join(response.json()[key])


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(("url", "body"), [
    ("/labs", {"name": "twin"}),
    ("/projects", {"name": "twin"}),
])
def test_duplicate_name_is_400(api, url, body):
    """Creating a record whose unique name is taken is a 400, not an IntegrityError 500."""
    assert api.post(url, body, format="json").status_code == 201
    response = api.post(url, body, format="json")
    assert response.status_code == 400
    assert "clashes with an existing one" in response.json()["detail"]


def test_offset_datetime_near_year_one_keeps_its_wall_clock(api, lab_world):
    """A dataset's created_datetime drops its offset; converting it overflowed (was a 500)."""
    body = {"name": "_ibl_x.y.csv", "dataset_type": "trials.table", "data_format": "csv",
            "created_datetime": "0001-01-01T00:02:00+08:05"}
    response = api.post("/datasets", body, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["created_datetime"] == "0001-01-01T00:02:00"

"""Every request's database work is bounded in time: a deliberately slow query, with a lowered
timeout, is stopped and answers 503 with a message, on SQLite and on PostgreSQL."""
import json
import os
import subprocess
import sys
import time

import pytest
from django.db import connection

import manage
from mirror.settings import BASE_DIR, pg_statement_timeout
from tests.core.slow_urls import slow_query

pytestmark = pytest.mark.urls("tests.core.slow_urls")


@pytest.fixture
def lowered_timeout(settings, django_db_blocker):
    """A 0.2 s limit: the middleware's deadline (SQLite), the server's setting (PostgreSQL,
    given when connecting as settings.py gives it, so the test connection is made again)."""
    settings.MIRROR_STATEMENT_TIMEOUT = 0.2
    if connection.vendor != "postgresql":
        yield
        return
    options = connection.settings_dict["OPTIONS"]
    kept = options["options"]
    options["options"] = pg_statement_timeout("-c parallel_setup_cost=10000", 0.2)
    connection.close()
    yield
    options["options"] = kept
    connection.close()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("url", ["/slow", "/slow-plain"])
def test_a_slow_query_is_stopped_and_answers_503(client, lowered_timeout, url):
    started = time.monotonic()
    response = client.get(url)
    assert time.monotonic() - started < 5
    assert response.status_code == 503, response.content
    assert "MIRROR_STATEMENT_TIMEOUT" in response.json()["detail"]
    assert response.json()["status_code"] == 503


@pytest.mark.django_db(transaction=True)
def test_the_connection_serves_the_next_request(client, lowered_timeout):
    assert client.get("/slow").status_code == 503
    assert client.get("/health").status_code == 404  # this URLconf has only the slow views
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        assert cursor.fetchone() == (1,)


@pytest.mark.django_db
def test_no_deadline_outside_requests(settings):
    """Commands and jobs (no request) are never interrupted on SQLite."""
    settings.MIRROR_STATEMENT_TIMEOUT = 0.001
    assert slow_query(300_000) in (300_000, "")  # pg_sleep returns void


def _settings_in_a_new_process(tmp_path, code: str, argv=("-c",), **environ) -> str:
    env = {name: value for name, value in os.environ.items()
           if not name.startswith("MIRROR_") and name != "DATABASE_URL"}
    env.update(MIRROR_VAR_DIR=str(tmp_path), **environ)
    result = subprocess.run([sys.executable, *argv, code], cwd=BASE_DIR, env=env,
                            capture_output=True, text=True, timeout=60, check=True)
    return result.stdout.strip()


PRINT_OPTIONS = ("import json, mirror.settings as s; "
                 "print(json.dumps(s.DATABASES['default'].get('OPTIONS', {}).get('options')))")


@pytest.mark.parametrize("environ, options", [
    ({}, "-c parallel_setup_cost=10000 -c statement_timeout=30000"),
    ({"MIRROR_STATEMENT_TIMEOUT": "2.5"}, "-c parallel_setup_cost=10000 -c statement_timeout=2500"),
    ({"MIRROR_STATEMENT_TIMEOUT": "0"}, "-c parallel_setup_cost=10000"),
    ({"MIRROR_PG_OPTIONS": "-c statement_timeout=5000"}, "-c statement_timeout=5000"),
])
def test_postgresql_gets_the_timeout_when_connecting(tmp_path, environ, options):
    """In libpq's `options`: set by the server at login, no query per request."""
    environ = {"DATABASE_URL": "postgres://u@127.0.0.1:1/db", **environ}
    assert json.loads(_settings_in_a_new_process(tmp_path, PRINT_OPTIONS, **environ)) == options


def test_manage_py_commands_run_without_a_limit_but_runserver(tmp_path):
    show = "from django.conf import settings; print(settings.MIRROR_STATEMENT_TIMEOUT)"
    argv = ("manage.py", "shell", "--no-imports", "-c")
    assert _settings_in_a_new_process(tmp_path, show, argv) == "0.0"
    assert _settings_in_a_new_process(tmp_path, show, argv,
                                      MIRROR_COMMAND_STATEMENT_TIMEOUT="5") == "5.0"
    environ = {"MIRROR_STATEMENT_TIMEOUT": "12"}
    manage.unlimited_unless_serving(["manage.py", "runserver"], environ)
    assert environ == {"MIRROR_STATEMENT_TIMEOUT": "12"}
    manage.unlimited_unless_serving(["manage.py", "migrate"], environ)
    assert environ == {"MIRROR_STATEMENT_TIMEOUT": "0"}


@pytest.mark.parametrize("message", ["canceling statement due to statement timeout",
                                     "Abbruch der Anweisung wegen Zeitüberschreitung"])
def test_a_cancelled_statement_is_known_by_its_code_in_any_language(message):
    """PostgreSQL words the message in the server's lc_messages: only the SQLSTATE is stable."""
    import psycopg.errors
    from django.db import OperationalError

    from mirror.core.statement_timeout import _cancelled

    error = OperationalError(message)
    error.__cause__ = psycopg.errors.QueryCanceled(message)
    assert _cancelled(error)
    other = OperationalError("server closed the connection unexpectedly")
    other.__cause__ = psycopg.errors.OperationalError("server closed the connection")
    assert not _cancelled(other)

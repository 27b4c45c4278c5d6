"""A credential the platform echoes back (or a library quotes) is stored, printed, shown and
logged nowhere: not in the database, /import-runs, the admin, the command's output or the logs."""
import logging
from io import StringIO

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command
from rest_framework.test import APIClient

from importers.models import Connection, ImportRun
from tests import factories
from tests.api.conftest import token_client
from tests.importers.conftest import TOKEN


def _database_text() -> str:
    """Every value of every row of every table, as text, but the connections' (where the
    credential and the configured URLs are kept, on purpose)."""
    values = [repr(connection) + str(connection) for connection in Connection.objects.all()]
    for model in apps.get_models():
        if model is not Connection:
            fields = [field.attname for field in model._meta.concrete_fields]
            values += [repr(row) for row in model._base_manager.values_list(*fields)]
    return "\n".join(values)


def _everything_shown(run_output: str, caplog) -> str:
    reader = token_client(factories.make_user("reader", read_only=True))
    admin = APIClient()
    admin.force_login(factories.make_user("root", is_staff=True, is_superuser=True))
    run = ImportRun.objects.get()
    shown = [run_output, caplog.text, _database_text(),
             reader.get("/import-runs").content.decode(),
             reader.get(f"/import-runs/{run.pk}").content.decode(),
             admin.get("/admin/importers/importrun/").content.decode(),
             admin.get(f"/admin/importers/importrun/{run.pk}/change/").content.decode()]
    return "\n".join(shown)


def _import(*args) -> str:
    """Run mirror_import; its stdout, stderr and failure message together."""
    out, err = StringIO(), StringIO()
    try:
        call_command("mirror_import", "gaze-study", *args, stdout=out, stderr=err)
    except CommandError as error:
        return f"{out.getvalue()}{err.getvalue()}{error}"
    return out.getvalue() + err.getvalue()


@pytest.fixture(autouse=True)
def plain_static_files(settings):
    settings.STORAGES = {**settings.STORAGES, "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}


@pytest.mark.parametrize("status", [401, 403, 500])
@pytest.mark.parametrize("echo", ["full", "token", "cut", "padded"])
def test_echoed_credential_of_a_failed_listing_is_nowhere(connection, fake, caplog, status,
                                                          echo):
    caplog.set_level(logging.DEBUG)
    fake.fail_next(status, count=20, echo=echo)
    output = _import()
    run = ImportRun.objects.get()
    assert run.status == "failed" and f"HTTP {status}" in run.error
    assert "[redac" in run.error  # the marker (cut by the length limit when padded)
    assert TOKEN[:8] not in _everything_shown(output, caplog)


def test_echoed_credential_of_a_failed_download_is_nowhere(connection, fake, caplog):
    """One session's download fails (skipped, the run goes on): its message is kept, clean."""
    caplog.set_level(logging.DEBUG)
    fake.fail_next(404, match="/download/259516", echo="token")
    output = _import()
    run = ImportRun.objects.get()
    assert run.status == "partial" and "session 259516" in run.error
    assert "session 259516" in output and TOKEN[:8] not in _everything_shown(output, caplog)


def test_credential_quoted_by_the_http_library_is_nowhere(connection, fake, caplog):
    """requests refuses a header value with a newline and quotes it in its error."""
    caplog.set_level(logging.DEBUG)
    connection.credential = f"{TOKEN}\n"
    connection.save()
    output = _import()
    run = ImportRun.objects.get()
    assert run.status == "failed" and "InvalidHeader" in run.error
    assert TOKEN[:8] not in _everything_shown(output, caplog)


def test_webhook_secret_is_scrubbed_from_run_errors(connection, monkeypatch):
    """Whatever an importer raises, the stored and printed message keeps no secret."""
    from importers.labvanced import importer

    def failing(*args, **kwargs):
        raise RuntimeError(f"bad hook /hooks/labvanced/{connection.webhook_token} and {TOKEN}")

    monkeypatch.setattr(importer, "_import", failing)
    output = _import()
    run = ImportRun.objects.get()
    assert "RuntimeError" in output and "bad hook" in run.error
    for secret in (connection.webhook_token, TOKEN):
        assert secret not in run.error and secret not in output


def test_credentials_in_the_request_url_are_nowhere(connection, fake, caplog):
    """A key in an endpoint's query string, echoed by the platform."""
    caplog.set_level(logging.DEBUG)
    connection.settings = {**connection.settings,
                           "sessions_path": "/api/{exp_id}/sessions?api_key=query-secret-88"}
    connection.save()
    fake.fail_next(401, count=20, echo="full")
    output = _import()
    shown = _everything_shown(output, caplog)
    assert "HTTP 401" in ImportRun.objects.get().error
    for secret in ("query-secret-88", TOKEN[:8]):
        assert secret not in shown, secret


def test_a_base_url_with_a_login_is_refused_without_showing_it(connection, fake, caplog):
    """A login in a saved base URL (https://user:password@host) stops the import before any
    request, and the message leaves the password out."""
    caplog.set_level(logging.DEBUG)
    Connection.objects.filter(pk=connection.pk).update(
        base_url=fake.base_url.replace("http://", "http://mirror:url-password-77@"))
    output = _import()
    assert "may hold no query, fragment or login" in output
    assert "url-password-77" not in output + caplog.text
    assert not ImportRun.objects.exists() and fake.requests == []

"""Every upstream fault ends with a clear message and a consistent database."""
import functools
import http.server
import logging
import re
import threading

import pytest
from django.core.management import CommandError

from importers.labvanced import importer
from importers.models import Connection, ImportRun
from mirror.actions.models import Session
from mirror.data.models import Dataset, FileRecord
from tests.importers.conftest import TOKEN
from tests.importers.helpers import mirror_import, state
from tests.subprocesses import free_port


def _consistent(connection) -> None:
    """Every dataset has its file on disk with its checksum; no temporary files are left."""
    for dataset in Dataset.objects.all():
        (copy,) = FileRecord.objects.filter(dataset=dataset)
        path = connection.repository.directory / copy.relative_path
        assert path.is_file() and path.stat().st_size == dataset.file_size
    leftovers = [p for p in connection.repository.directory.rglob(".partial-*")] \
        if connection.repository.directory.exists() else []
    assert leftovers == []


@pytest.mark.parametrize("status, fix", [(401, "the connection's credential was refused"),
                                         (403, "study owner's token"),
                                         (404, "check the connection's target")])
def test_client_errors_fail_clearly(connection, fake, status, fix):
    fake.fail_next(status, count=10)
    with pytest.raises(CommandError) as raised:
        mirror_import("gaze-study")
    message = str(raised.value)
    assert "[gaze-study]" in message and f"HTTP {status}" in message and fix in message
    assert "/api/4107/sessions" in message
    run = ImportRun.objects.get()
    assert run.status == "failed" and f"HTTP {status}" in run.error
    assert Session.objects.count() == 0


def test_a_refused_credential_says_how_to_replace_it(connection, fake):
    fake.fail_next(401, count=10)
    with pytest.raises(CommandError, match=re.escape(
            "run `manage.py mirror_connection gaze-study --credential-env VARIABLE`")):
        mirror_import("gaze-study")


@pytest.fixture
def website(tmp_path):
    """A web server that is not an API: every path is an HTML 404 page (Python's own)."""
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(tmp_path))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_a_base_url_at_a_website_says_so_in_one_line(connection, website):
    connection.base_url = website
    connection.save()
    with pytest.raises(CommandError) as raised:
        mirror_import("gaze-study")
    message, done = str(raised.value).split("\n")  # why; then what it had done
    assert done == "gaze-study: before it stopped: nothing imported."
    assert "<" not in message and len(message) < 600
    assert "HTTP 404: a text/html page of" in message
    assert "the base URL is not the platform's API root" in message


@pytest.mark.parametrize("base_url, words", [
    ("", "no base URL is set"),
    ("127.0.0.1:8301", "has no scheme: write https://127.0.0.1:8301"),
])
def test_a_saved_base_url_that_cannot_work_names_the_fix(connection, base_url, words):
    """A connection saved before base URLs were checked (or by a script) fails before any
    request, naming the command that fixes it, with no traceback."""
    Connection.objects.filter(pk=connection.pk).update(base_url=base_url)
    with pytest.raises(CommandError, match=re.escape(words)) as raised:
        mirror_import("gaze-study")
    assert "mirror_connection gaze-study --base-url" in str(raised.value)


def test_nothing_listening_is_said_plainly(connection):
    connection.base_url = f"http://127.0.0.1:{free_port()}"
    connection.settings = {**connection.settings, "retries": 0}
    connection.save()
    with pytest.raises(CommandError) as raised:
        mirror_import("gaze-study")
    message = str(raised.value)
    assert "no answer: could not connect: nothing listens at that address and port" in message
    assert "HTTPConnectionPool" not in message and "mirror_connection gaze-study" in message


def test_credential_never_logged(connection, fake, caplog):
    caplog.set_level(logging.DEBUG)
    fake.fail_next(401, count=10)
    with pytest.raises(CommandError) as raised:
        mirror_import("gaze-study")
    assert TOKEN not in caplog.text and TOKEN not in str(raised.value)
    assert TOKEN not in ImportRun.objects.get().error
    assert TOKEN not in repr(connection) and TOKEN not in str(connection)


def test_429_retry_after_is_honoured(connection, fake):
    fake.fail_next(429, count=1, retry_after=1)
    out, _ = mirror_import("gaze-study")
    assert "succeeded" in out
    first, second = fake.requests[0], fake.requests[1]
    assert first.status == 429 and second.at - first.at >= 0.95


def test_server_error_is_retried(connection, fake):
    fake.fail_next(500, count=2)
    out, _ = mirror_import("gaze-study")
    assert "succeeded: sessions 5 created" in out


def test_persistent_server_error_gives_up_with_advice(connection, fake):
    fake.fail_next(500, count=50)
    connection.settings = {**connection.settings, "retries": 1}
    connection.save()
    with pytest.raises(CommandError, match=r"HTTP 500.*run the import again later"):
        mirror_import("gaze-study")


def test_slow_response_times_out_then_retries(connection, fake):
    connection.settings = {**connection.settings, "timeout": 0.5}
    connection.save()
    fake.slow_next(2.0, count=1)
    out, _ = mirror_import("gaze-study")
    assert "succeeded: sessions 5 created" in out


@pytest.mark.parametrize("mode", ["body", "connection"])
def test_truncated_zip_skips_that_session_only(connection, fake, mode):
    fake.truncate_zip(259516, mode=mode)
    with pytest.raises(CommandError, match="partial"):
        mirror_import("gaze-study")
    run = ImportRun.objects.get()
    assert run.status == "partial" and run.failed == 1 and "session 259516" in run.error
    assert Session.objects.count() == 4
    assert not Session.objects.filter(source_id="4107/259516").exists()
    _consistent(connection)


def test_malformed_csv_is_named_with_its_line(connection, fake):
    fake.malform_csv(259733)
    with pytest.raises(CommandError):
        mirror_import("gaze-study")
    run = ImportRun.objects.get()
    assert "session 259733: trials.csv, line" in run.error
    assert Session.objects.count() == 4
    fake.reset_faults()
    out, _ = mirror_import("gaze-study")  # the next run picks it up
    assert Session.objects.count() == 5 and "succeeded" in out
    _consistent(connection)


def test_killed_run_resumes_to_the_same_result(connection, fake, monkeypatch, tmp_path,
                                               settings):
    """A run interrupted after two sessions, then run again, equals a clean run."""
    real_store, calls = importer.store, []

    def dying_store(writer, record):
        calls.append(record.source_id)
        if len(calls) == 3:
            real_store(writer, record)
            raise KeyboardInterrupt  # the process dies in the middle of a session
        return real_store(writer, record)

    monkeypatch.setattr(importer, "store", dying_store)
    with pytest.raises(KeyboardInterrupt):
        importer.run(connection=connection)
    assert ImportRun.objects.get().status == "failed"
    assert Session.objects.count() == 2  # the third session was rolled back whole
    monkeypatch.setattr(importer, "store", real_store)
    fake.clear_requests()
    mirror_import("gaze-study")
    assert len(fake.downloads()) == 3  # only what was not committed is fetched again
    resumed = state(connection.repository)
    _consistent(connection)

    Session.objects.all().delete()
    settings.MIRROR_DATA_ROOT = tmp_path / "clean"
    mirror_import("gaze-study")
    assert state(connection.repository) == resumed


def test_second_run_of_a_connection_is_refused_while_one_runs(connection):
    ImportRun.objects.create(connection=connection, heartbeat_at=_now())
    with pytest.raises(CommandError, match="already running"):
        mirror_import("gaze-study")


def test_a_dead_run_no_longer_blocks(connection):
    import datetime

    stale = ImportRun.objects.create(connection=connection,
                                     heartbeat_at=_now() - datetime.timedelta(hours=1))
    out, _ = mirror_import("gaze-study")
    stale.refresh_from_db()
    assert stale.status == "abandoned" and "succeeded" in out


def test_a_dead_run_leaves_no_half_written_files(connection):
    """The files a killed process was writing are removed by the run that finds it dead;
    another process's, and files that merely look alike, are kept."""
    import datetime

    from mirror.data.services import partial_prefix

    folder = connection.repository.directory / "lab" / "Subjects" / "S1"
    folder.mkdir(parents=True)
    dead = folder / f"{partial_prefix('lab-host', 4242)}abc"
    alive = folder / f"{partial_prefix('lab-host', 42421)}abc"
    elsewhere = folder / f"{partial_prefix('lab-host-4242', 7)}abc"
    for path in (dead, alive, elsewhere):
        path.write_bytes(b"half")
    ImportRun.objects.create(connection=connection, host="lab-host", pid=4242,
                             heartbeat_at=_now() - datetime.timedelta(hours=1))
    mirror_import("gaze-study")
    assert not dead.exists() and alive.exists() and elsewhere.exists()


def _now():
    from django.utils import timezone

    return timezone.now()

"""Every fault of the fake Labstep ends in a clear message naming the fix, or is ridden out;
the database is then the old state or the new one, never half of an experiment."""
import hashlib

import pytest

from importers.core.errors import BadSourceData, SourceError
from importers.labstep import importer
from importers.models import ImportRun
from mirror.actions.models import Session
from mirror.data.models import Dataset
from tests.importers.helpers import state

LISTING = "/api/generic/experiment-workflow"


def run(connection, **options):
    connection.refresh_from_db()
    return importer.run(connection=connection, **options)


def failed_run(connection, error=SourceError):
    """A run that stops: it raises (the command prints it), and is recorded as failed."""
    with pytest.raises(error):
        run(connection)
    return ImportRun.objects.latest("started_at")


def test_a_refused_key_fails_the_run_naming_how_to_replace_it(connection, fake):
    fake.api_key = "another-key"
    finished = failed_run(connection)
    assert finished.status == "failed"
    assert "HTTP 401" in finished.error
    assert "mirror_connection eln --credential-env" in finished.error
    assert "ls-secret-apikey-123" not in finished.error
    assert Session.objects.count() == 0


def test_an_unknown_workspace_names_the_target(connection, fake):
    connection.target = "999999"
    connection.save()
    finished = failed_run(connection, BadSourceData)
    assert finished.status == "failed" and "no workspace with this id" in finished.error
    assert "--target" in finished.error and "1801" in finished.error
    assert Session.objects.count() == 0


@pytest.mark.parametrize("retry_after", [1, None])
def test_429_is_waited_out_with_or_without_retry_after(connection, fake, retry_after):
    fake.fail_next(429, 2, retry_after, match=LISTING)
    finished = run(connection)
    assert finished.status == "succeeded", finished.error
    assert Session.objects.count() == 4


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_server_errors_in_a_burst_are_retried(connection, fake, status):
    fake.fail_next(status, 3, match="/api/generic/metadata")
    finished = run(connection)
    assert finished.status == "succeeded", finished.error
    assert Session.objects.count() == 4


def test_an_outage_longer_than_the_retries_fails_the_run_and_a_rerun_completes(connection,
                                                                                 fake):
    run(connection)
    before = state(connection.repository)
    fake.edit_experiment(5002, name="renamed")
    fake.fail_next(503, 50, match=LISTING)
    finished = failed_run(connection)
    assert finished.status == "failed" and "run the import again later" in finished.error
    assert state(connection.repository) == before  # nothing half-written
    fake.reset_faults()
    assert run(connection).status == "succeeded"
    assert Session.objects.get(source_id="1801/5002").name == "renamed"


def test_an_expired_signed_url_is_minted_again(connection, fake):
    fake.expire_next_signed_url(1, file_id=2042)
    finished = run(connection)
    assert finished.status == "succeeded", finished.error
    dataset = Dataset.objects.get(name__contains="_2042.")
    assert dataset.hash == fake.file_content(2042).md5()
    # seven files in workspace 1801 (2050, a protocol step's, in two experiments), one of
    # them minted twice
    assert len(fake.calls("download")) == 7 + 1


def test_a_download_cut_short_is_fetched_again_whole(connection, fake):
    fake.cut_next_download(1, file_id=2042)
    finished = run(connection)
    assert finished.status == "succeeded", finished.error
    dataset = Dataset.objects.get(name__contains="_2042.")
    on_disk = connection.repository.file(dataset.file_records.get().relative_path)
    assert hashlib.md5(on_disk.read_bytes()).hexdigest() == fake.file_content(2042).md5()
    assert not list(connection.repository.directory.rglob(".partial-*"))


def test_a_file_that_keeps_failing_skips_its_experiment_alone(connection, fake):
    fake.fail_next(500, 50, match="/_signed/")
    finished = run(connection)
    assert finished.status == "partial"
    assert "file " in finished.error and "skipped" in finished.error
    # experiments without attachments landed; those with one are not half there
    assert set(Session.objects.values_list("source_id", flat=True)) == {"1801/5004"}
    fake.reset_faults()
    assert run(connection).status == "succeeded"
    assert Session.objects.count() == 4


def test_malformed_json_fails_clearly_and_leaves_the_old_state(connection, fake):
    run(connection)
    before = state(connection.repository)
    fake.malform_next(1, match=LISTING)
    finished = failed_run(connection)
    assert finished.status == "failed"
    assert "not JSON" in finished.error
    assert state(connection.repository) == before

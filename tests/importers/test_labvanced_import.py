"""Mirroring a Labvanced experiment from the fake server: full, repeated, changed, deleted."""
import csv
import datetime
import io

import pytest
from django.db import connection as db
from django.test.utils import CaptureQueriesContext

from importers.labvanced.importer import run
from importers.models import ImportRun
from mirror.actions.models import Session
from mirror.data.models import Dataset
from mirror.subjects.models import Project, Subject
from tests.fakes.labvanced_store import DEFAULT_FIXTURES
from tests.importers.helpers import mirror_import, state

RAW = DEFAULT_FIXTURES / "4107" / "sessions"


def _session(rec_id) -> Session:
    return Session.objects.get(source="labvanced", source_id=f"4107/{rec_id}")


def test_full_import_builds_alyx_records(connection):
    out, _ = mirror_import("gaze-study")
    assert out == ("gaze-study: import succeeded: sessions 5 created; subjects 4 created; "
                   "projects 1 created; datasets 19 created; files 19 written (21.0 KB).\n")
    assert Session.objects.count() == 5 and Subject.objects.count() == 4
    project = Project.objects.get()
    assert project.name == "Speaker Gaze Task (4107)" and project.source == "labvanced"
    first = _session(259515)
    assert first.subject.nickname == "LV-a7Kq2Xw9Lm" and first.lab.name == "gazelab"
    assert first.start_time == datetime.datetime(2021, 6, 17, 12, 3, 14)  # local wall clock
    assert first.task_protocol == "Speaker Gaze Task v3" and first.number == 1
    assert list(first.projects.all()) == [project]
    assert first.json["labvanced"]["utc_offset"] == "+02"
    second = _session(259601)
    assert second.subject == first.subject and second.number == 2
    assert second.task_protocol == "Speaker Gaze Task v4"
    unfinished = _session(259517)
    assert unfinished.end_time is None and unfinished.json["labvanced"]["status"] == "incomplete"


def test_originals_stay_byte_for_byte(connection):
    mirror_import("gaze-study")
    session = _session(259516)
    for name, original in [("_labvanced_raw.trials.csv", "trials.csv"),
                           ("_labvanced_raw.sessions.csv", "sessions.csv")]:
        dataset = session.data_dataset_session_related.get(name=name)
        stored = connection.repository.directory / dataset.file_records.get().relative_path
        assert stored.read_bytes() == (RAW / "259516" / original).read_bytes()


def test_trials_table_is_normalised(connection):
    """BOM gone, every trial kept, ids readable whatever their casing."""
    mirror_import("gaze-study")
    dataset = _session(259516).data_dataset_session_related.get(
        name="_labvanced_trials.table.csv", collection="alf")
    text = (connection.repository.directory / dataset.file_records.get().relative_path) \
        .read_text()
    assert not text.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == _session(259516).n_trials > 0
    assert {row["rec_session_id"] for row in rows} == {"259516"}


def test_timeseries_keeps_extra_fields(connection):
    mirror_import("gaze-study")
    dataset = _session(259515).data_dataset_session_related.get(
        name="_labvanced_timeseries.table.csv")
    text = (connection.repository.directory / dataset.file_records.get().relative_path) \
        .read_text()
    gaze = [row for row in csv.DictReader(io.StringIO(text))
            if row["variable_name"] == "Gaze_XYT" and row["values"]]
    assert gaze and all(row["values"].startswith("[") and row["values"].count(",") == 3
                        for row in gaze)


def test_reimport_of_unchanged_source_writes_and_downloads_nothing(connection, fake):
    mirror_import("gaze-study")
    fake.clear_requests()
    with CaptureQueriesContext(db) as queries:
        out, _ = mirror_import("gaze-study")
    writes = [q["sql"] for q in queries.captured_queries
              if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))
              and "importers_importrun" not in q["sql"]]
    assert writes == []
    assert fake.downloads() == []
    assert "succeeded: sessions 5 unchanged; subjects 4 unchanged; projects 1 unchanged; " \
        "datasets 19 unchanged; no file written." in out


def test_upstream_change_updates_in_place(connection, fake):
    mirror_import("gaze-study")
    before = state(connection.repository)
    trials_before = _session(259515).n_trials
    fake.change_session(259515)
    fake.clear_requests()
    out, _ = mirror_import("gaze-study")
    after = state(connection.repository)
    assert len(fake.downloads()) == 1
    assert _session(259515).n_trials == trials_before + 1
    assert _session(259515).end_time > before["sessions"]["4107/259515"][2]
    changed = {key for key in after["datasets"] if after["datasets"][key] !=
               before["datasets"][key]}
    assert changed and all(key.startswith("4107/259515/") for key in changed)
    assert Session.objects.count() == 5
    assert "sessions 1 updated, 4 unchanged;" in out and "datasets 3 updated, 16 unchanged; " \
        "files 3 written" in out and "created" not in out


def test_upstream_deletion_is_marked_not_kept_silently(connection, fake):
    mirror_import("gaze-study")
    fake.delete_session(259733)
    out, _ = mirror_import("gaze-study")
    assert "sessions 4 unchanged, 1 marked deleted upstream;" in out
    gone = _session(259733)
    assert gone.upstream_deleted_at is not None
    assert gone.data_dataset_session_related.exists()  # kept, marked
    fake.restore_session(259733)
    mirror_import("gaze-study")
    assert _session(259733).upstream_deleted_at is None


def test_since_limits_the_sessions(connection, fake):
    mirror_import("gaze-study", "--since", "2021-06-19")
    assert sorted(Session.objects.values_list("source_id", flat=True)) == [
        "4107/259601", "4107/259733"]


def test_dry_run_writes_nothing(connection):
    out, _ = mirror_import("gaze-study", "--dry-run")
    assert out.startswith("gaze-study: dry run (nothing written) succeeded: sessions 5 created; ")
    assert "files 19 written" in out
    assert Session.objects.count() == 0 and Dataset.objects.count() == 0
    assert not connection.repository.directory.exists() or not any(
        p.is_file() for p in connection.repository.directory.rglob("*"))
    assert ImportRun.objects.get().dry_run is True


def test_every_run_is_recorded(connection):
    mirror_import("gaze-study")
    mirror_import("gaze-study")
    runs = list(ImportRun.objects.order_by("started_at"))
    assert [(r.status, r.created, r.unchanged) for r in runs] == [
        ("succeeded", 29, 0), ("succeeded", 0, 29)]
    assert all(r.finished_at >= r.started_at for r in runs)


@pytest.mark.django_db
def test_unknown_connection_names_the_fix(connection):
    from django.core.management import CommandError

    with pytest.raises(CommandError, match="No connection 'nope' .*gaze-study.*mirror_connection"):
        mirror_import("nope")


def test_run_function_returns_the_run(connection):
    result = run(connection=connection)
    assert result.status == "succeeded" and result.connection == connection


def test_a_since_that_matches_nothing_says_so(connection):
    out, _ = mirror_import("gaze-study", "--since", "2030-01-01")
    assert "nothing imported; --since 2030-01-01 00:00 matched no session; the newest of the " \
        "5 listed started 2021-06-" in out
    assert ImportRun.objects.get().counts["notes"][0].startswith("--since 2030-01-01")


def test_a_failed_run_says_why_and_what_it_had_done(connection, fake):
    from django.core.management import CommandError

    fake.fail_next(401, count=10)
    with pytest.raises(CommandError) as raised:
        mirror_import("gaze-study")
    reason, done = str(raised.value).split("\n")
    assert "HTTP 401" in reason and done == "gaze-study: before it stopped: nothing imported."
    assert "0 failed" not in str(raised.value)


def test_a_partial_run_counts_its_failed_sessions(connection, fake):
    from django.core.management import CommandError

    fake.malform_csv(259515)
    with pytest.raises(CommandError, match="Import partial"):
        mirror_import("gaze-study")
    run = ImportRun.objects.get()
    assert run.counts["kinds"]["sessions"] == {"created": 4, "failed": 1}

"""Syncing a live HyperStudy experiment: each run after the first reads only what is new (from
the newest record time it read, less an overlap), appends it to the tables, each record once,
and the tables then equal those of one full import."""
import csv
import datetime
import io

import pytest

from importers.hyperstudy import importer
from importers.hyperstudy import tables as table_files
from importers.models import ImportRun, TableTail
from mirror.actions.models import Session
from mirror.data.models import Dataset, FileRecord


def run(connection, **options):
    connection.refresh_from_db()
    return importer.run(connection=connection, **options)


def tables(connection) -> dict:
    """Every table's rows, by session and name (the rows sorted: order is not content)."""
    out = {}
    for dataset in Dataset.objects.filter(name__endswith=".table.csv").select_related("session"):
        copy = FileRecord.objects.get(dataset=dataset)
        text = connection.repository.file(copy.relative_path).read_text()
        rows = [tuple(sorted((k, v) for k, v in row.items() if v != ""))
                for row in csv.DictReader(io.StringIO(text))]
        out[dataset.session.source_id, dataset.name] = sorted(rows)
    return out


def event_ids(connection) -> list[str]:
    ids = []
    for dataset in Dataset.objects.filter(name="_hyperstudy_events.table.csv"):
        text = connection.repository.file(FileRecord.objects.get(dataset=dataset)
                                          .relative_path).read_text()
        ids += [row["id"] for row in csv.DictReader(io.StringIO(text))]
    return ids


def test_a_sync_reads_only_the_new_events_and_equals_a_full_import(connection, fake, clock,
                                                                    settings, tmp_path):
    run(connection)
    first = ImportRun.objects.latest("started_at")
    assert first.watermark
    clock.advance(600)
    fake.add_events(6)
    fake.clear_requests()
    synced = run(connection)
    assert synced.status == "succeeded", synced.error
    asked = [r for r in fake.calls("data") if "/data/events/" in r.path]
    assert asked and all("startTime" in r.query for r in asked)
    after_sync = tables(connection)

    Session.objects.all().delete()
    ImportRun.objects.all().delete()
    settings.MIRROR_DATA_ROOT = tmp_path / "full"
    assert run(connection).status == "succeeded"
    assert tables(connection) == after_sync


def test_ten_syncs_with_events_arriving_lose_and_repeat_none(connection, fake, clock):
    run(connection)
    for n in range(10):
        clock.advance(30)
        fake.add_events(3)
        if n % 3 == 0:
            fake.add_events(2, lag_ms=20_000)  # late arrivals, stamped 20 s ago
        assert run(connection).status == "succeeded"
    ids = event_ids(connection)
    assert len(ids) == len(set(ids))  # none twice
    assert set(ids) == {e["id"] for e in fake.events()}  # none lost


@pytest.mark.parametrize("fake_options", [{"max_page_size": 7}])
def test_a_sync_reads_few_pages(connection, fake, clock):
    run(connection)
    full_pages = len([r for r in fake.calls("data") if "/data/events/" in r.path])
    clock.advance(600)
    fake.add_events(3)
    fake.clear_requests()
    run(connection)
    sync_pages = len([r for r in fake.calls("data") if "/data/events/" in r.path])
    assert full_pages >= 10 and sync_pages == 1


def test_a_record_stamped_in_the_far_future_does_not_move_the_sync_past_everything(
        connection, fake, clock):
    fake.add_events(1, lag_ms=-10 ** 13)  # ~300 years ahead
    run(connection)
    assert ImportRun.objects.latest("started_at").watermark < "2100"
    clock.advance(600)
    (later,) = fake.add_events(1)
    run(connection)
    assert later["id"] in event_ids(connection)


def test_a_sync_that_reads_only_mirrored_records_rewrites_no_table(connection, fake, clock):
    run(connection)
    mtimes = {path: path.stat().st_mtime_ns
              for path in connection.repository.directory.rglob("*.table.csv")}
    clock.advance(10)  # inside the overlap: the sync reads records it has
    quiet = run(connection)
    assert any("0 rooms with new data" in note for note in quiet.counts["notes"]), \
        quiet.counts["notes"]
    assert {p: p.stat().st_mtime_ns for p in mtimes} == mtimes
    fake.add_events(2, room_id="room_003")
    busy = run(connection)
    assert any("1 rooms with new data" in note for note in busy.counts["notes"])


def variables_asked(fake) -> list[str]:
    return sorted(r.path.rsplit("/", 1)[-1] for r in fake.calls("variables"))


def test_a_sync_appends_from_the_tails_without_reading_a_table(connection, fake, clock,
                                                              monkeypatch):
    run(connection)
    assert TableTail.objects.exists()
    clock.advance(20)
    fake.add_events(4)  # live events have columns the seed's lack: their tables are rewritten
    assert run(connection).status == "succeeded"

    def read_through(*args, **kwargs):
        raise AssertionError("a sync whose tails cover it read a table through")

    monkeypatch.setattr(table_files, "merge_csv", read_through)
    for _ in range(3):
        clock.advance(20)  # inside the overlap: each sync reads the last one's events again
        fake.add_events(4)
        assert run(connection).status == "succeeded"
    ids = event_ids(connection)
    assert len(ids) == len(set(ids)) and set(ids) == {e["id"] for e in fake.events()}


def test_a_sync_from_before_the_tails_reads_the_tables_through(connection, fake, clock):
    run(connection)
    clock.advance(20)
    fake.add_events(4)
    # --since a date before every record: the tails do not cover it, the tables are read
    synced = run(connection, since=datetime.datetime(2020, 1, 1, tzinfo=datetime.timezone.utc))
    assert synced.status == "succeeded", synced.error
    ids = event_ids(connection)
    assert len(ids) == len(set(ids)) and set(ids) == {e["id"] for e in fake.events()}
    clock.advance(20)
    fake.add_events(2)
    assert run(connection).status == "succeeded"  # and the tails it wrote serve the next one
    assert sorted(event_ids(connection)) == sorted(e["id"] for e in fake.events())


def test_a_new_column_rewrites_the_table_with_every_record_once(connection, fake, clock):
    run(connection)
    clock.advance(20)
    (added,) = fake.add_events(1, room_id="room_003")
    stored = next(e for e in fake.store.records["events"] if e["id"] == added["id"])
    stored["gaze"] = {"x": 0.25}  # a field no mirrored row has: the header must change
    assert run(connection).status == "succeeded"
    rows = [row for dataset in Dataset.objects.filter(name="_hyperstudy_events.table.csv")
            for row in csv.DictReader(io.StringIO(connection.repository.file(
                FileRecord.objects.get(dataset=dataset).relative_path).read_text()))]
    assert [row["gaze.x"] for row in rows if row["id"] == added["id"]] == ["0.25"]
    assert len(rows) == len({row["id"] for row in rows}) == len(fake.events())


def test_a_sync_rereads_variables_only_of_rooms_that_changed_or_are_due(connection, fake,
                                                                        clock):
    run(connection)
    assert variables_asked(fake) == ["room_001", "room_002", "room_003"]
    clock.advance(20)
    fake.add_events(3)  # to the active room_003, whose variables were read just now
    fake.clear_requests()
    assert run(connection).status == "succeeded"
    assert variables_asked(fake) == []
    fake.store.rooms["room_001"]["participantCount"] += 1  # its record moved
    fake.clear_requests()
    assert run(connection).status == "succeeded"
    assert variables_asked(fake) == ["room_001"]
    connection.settings = {**connection.settings, "variables_every_seconds": 0}
    connection.save()
    fake.clear_requests()
    assert run(connection).status == "succeeded"
    assert variables_asked(fake) == ["room_003"]  # active and due; the others are done

"""Mirroring a HyperStudy experiment against the fake: rooms and participants as sessions,
every data type as a table, recordings as files; the stated rate limits never reached."""
import csv
import datetime
import hashlib
import io
import os
import time
from pathlib import Path

import pytest

from importers.core.errors import BadSourceData, SourceError
from importers.hyperstudy import importer
from importers.models import ImportRun
from mirror.actions.models import Session
from mirror.data.models import Dataset

ROOMS = {"room_001": ["user_001", "user_002"], "room_002": ["user_003", "user_004", "user_005"],
         "room_003": ["user_002", "user_006"]}


def run(connection, **options):
    connection.refresh_from_db()
    return importer.run(connection=connection, **options)


def table(connection, session, name) -> list[dict]:
    dataset = Dataset.objects.get(session=session, name=name)
    text = connection.repository.file(dataset.file_records.get().relative_path).read_text()
    return list(csv.DictReader(io.StringIO(text)))


def test_rooms_and_participants_become_sessions_with_parents(connection, fake):
    finished = run(connection)
    assert finished.status == "succeeded", finished.error
    rooms = {s.json["hyperstudy"]["room"]: s for s in Session.objects.filter(
        parent_session__isnull=True)}
    assert set(rooms) == set(ROOMS)
    for room_id, people in ROOMS.items():
        children = Session.objects.filter(parent_session=rooms[room_id])
        assert sorted(s.subject.nickname for s in children) == sorted(f"HS-{p}" for p in people)
    # user_002 was in two rooms: one subject, two sessions
    assert Session.objects.filter(subject__nickname="HS-user_002").count() == 2
    assert {s.subject.nickname for s in rooms.values()} == {"HS-exp_hs_001"}


def test_a_participants_events_keep_all_columns_onset_in_ms_and_seconds(connection, fake):
    run(connection)
    session = Session.objects.get(source_id="exp_hs_001/room_001/user_001")
    events = table(connection, session, "_hyperstudy_events.table.csv")
    expected = [e for e in fake.events() if e["roomId"] == "room_001"
                and e["participantId"] == "user_001"]
    assert len(events) == len(expected) == 10
    by_id = {row["id"]: row for row in events}
    for event in expected:
        row = by_id[event["id"]]
        assert float(row["onset"]) == event["onset"]
        assert float(row["onset_sec"]) == event["onset"] / 1000
        assert row["eventType"] == event["eventType"]
    assert any(k.startswith("response.") for k in events[0]) or "response" in events[0]


def test_room_level_data_is_on_the_room_session(connection, fake):
    run(connection)
    room = Session.objects.get(source_id="exp_hs_001/room_002")
    names = set(Dataset.objects.filter(session=room).values_list("name", flat=True))
    assert {"_hyperstudy_chat.table.csv", "_hyperstudy_components.table.csv",
            "_hyperstudy_sync.table.csv", "_hyperstudy_variables.table.csv",
            "_hyperstudy_participants.table.csv", "_hyperstudy_rooms.table.csv",
            "_hyperstudy_events.table.csv"} <= names  # its events: the system ones
    chat = table(connection, room, "_hyperstudy_chat.table.csv")
    assert len(chat) == 6 and chat[0]["recipientIds"].startswith("[")
    participants = table(connection, room, "_hyperstudy_participants.table.csv")
    assert sorted(p["id"] for p in participants) == ROOMS["room_002"]


def test_recordings_are_streamed_with_their_bytes(connection, fake):
    run(connection)
    recordings = Dataset.objects.filter(name__startswith="_hyperstudy_recording.")
    assert recordings.count() == 9
    for dataset in recordings:
        rec_id = dataset.name.split(".")[1]
        on_disk = connection.repository.file(dataset.file_records.get().relative_path)
        assert hashlib.md5(on_disk.read_bytes()).hexdigest() == dataset.hash == \
            fake.recording_content(rec_id).md5()
    audio = recordings.filter(name__contains="EG_audio_001").get()
    assert audio.collection == "raw_audio_data"
    table_rows = table(connection, audio.session, "_hyperstudy_recordings.table.csv")
    assert "downloadUrl" not in table_rows[0]  # a signed link is a credential: not kept


def test_the_stated_rate_limits_are_never_reached(connection, fake, clock):
    fake.set_limits(per_minute=4, per_hour=30)
    connection.settings = {**connection.settings, "requests_per_minute": 4,
                           "requests_per_hour": 30}
    connection.save()
    began = clock()
    assert run(connection).status == "succeeded"
    assert [r for r in fake.requests if r.status == 429] == []
    assert fake.max_per_minute() <= 4 and fake.max_per_hour() <= 30
    assert clock() - began > 60  # it waited (on the simulated clock) rather than be refused


def test_a_429_that_comes_anyway_is_waited_out(connection, fake):
    fake.fail_next(429, 3, 2, match="/data/events")
    assert run(connection).status == "succeeded"


def test_a_server_error_burst_is_retried(connection, fake):
    fake.fail_next(500, 2, match="/data/chat")
    assert run(connection).status == "succeeded"


def failed(connection, error=SourceError) -> ImportRun:
    with pytest.raises(error):
        run(connection)
    return ImportRun.objects.latest("started_at")


def test_a_refused_key_names_how_to_replace_it(connection, fake):
    fake.revoke_key(connection.credential)
    finished = failed(connection)
    assert "HTTP 401" in finished.error and "--credential-env" in finished.error
    assert connection.credential not in finished.error


@pytest.mark.parametrize("fake_options", [{"scopes": (
    "read:experiments", "read:events", "read:chat", "read:ratings", "read:sync",
    "read:components", "read:videochat")}])
def test_a_missing_scope_names_the_scope(connection, fake):
    finished = failed(connection)
    assert "HTTP 403" in finished.error and "read:recordings" in finished.error
    assert "add read:recordings to the API key" in finished.error
    assert Session.objects.count() == 0


def test_an_unknown_experiment_fails_clearly(connection, fake):
    connection.target = "exp_nope"
    connection.save()
    assert "HTTP 404" in failed(connection).error


def test_malformed_json_fails_and_leaves_nothing_half_written(connection, fake):
    fake.malform_next(1, match="/data/sync")
    finished = failed(connection)
    assert "not JSON" in finished.error and Session.objects.count() == 0


def test_an_answer_past_max_json_bytes_is_refused_before_it_is_held(connection, fake):
    connection.settings = {**connection.settings, "max_json_bytes": 4096}
    connection.save()
    finished = failed(connection)  # the events pages are larger
    assert "more than 4,096 bytes" in finished.error and "page_size" in finished.error
    assert Session.objects.count() == 0


def test_a_recording_cut_short_is_fetched_again_whole(connection, fake):
    fake.cut_next_download(1, recording_id="EG_video_003")
    assert run(connection).status == "succeeded"
    dataset = Dataset.objects.get(name__contains="EG_video_003")
    assert dataset.hash == fake.recording_content("EG_video_003").md5()


def test_warnings_are_recorded_on_the_run(connection, fake):
    fake.add_missing_index("events", "experiment")
    finished = run(connection)
    assert any("MISSING_INDEX" in note for note in finished.counts["notes"])


def test_a_second_run_writes_no_file(connection, fake):
    run(connection)
    again = run(connection)
    assert again.counts.get("files", {}).get("written", 0) == 0
    assert again.counts["kinds"]["sessions"] == {"unchanged": 10}


def test_an_experiment_that_never_ran_imports_nothing(connection, fake):
    connection.target = "exp_hs_002"
    connection.save()
    assert run(connection).status == "succeeded" and Session.objects.count() == 0


def test_from_file_is_refused(connection):
    with pytest.raises(BadSourceData, match="from its API"):
        importer.run(connection=connection, from_file="x.zip")


def test_an_expired_recording_link_is_minted_again(connection, fake):
    fake.expire_next_signed_url(1, recording_id="EG_video_003")
    assert run(connection).status == "succeeded"
    dataset = Dataset.objects.get(name__contains="EG_video_003")
    assert dataset.hash == fake.recording_content("EG_video_003").md5()
    mints = [r for r in fake.calls("mint") if "EG_video_003" in r.path]
    assert len(mints) == 2


def test_an_unchanged_recording_is_not_fetched_again(connection, fake):
    """Read again from the start (--since long ago): every recording is listed again, none
    is downloaded again (same id, size and end), and the tables keep each record once."""
    run(connection)
    fetched = len(fake.calls("storage"))
    again = run(connection, since=datetime.datetime(2000, 1, 1))
    assert again.status == "succeeded"
    assert len(fake.calls("storage")) == fetched
    session = Session.objects.get(source_id="exp_hs_001/room_001/user_001")
    assert len(table(connection, session, "_hyperstudy_events.table.csv")) == 10


def test_spools_left_by_a_killed_import_are_swept(connection, fake, settings):
    root = Path(settings.VAR_DIR) / "spool"
    stale = root / "hyperstudy-left-behind"
    stale.mkdir(parents=True, exist_ok=True)
    (stale / "spool.sqlite3").write_bytes(b"x" * 100)
    old = time.time() - 3 * 24 * 3600
    os.utime(stale, (old, old))
    fresh = root / "hyperstudy-running-now"
    fresh.mkdir(exist_ok=True)
    run(connection)
    assert not stale.exists() and fresh.exists()
    fresh.rmdir()
    assert [p.name for p in root.iterdir()] == []  # this run's own spool is gone too

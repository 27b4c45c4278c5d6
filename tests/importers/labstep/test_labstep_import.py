"""Mirroring a Labstep workspace against the fake: what lands, and what a re-run does."""
import csv
import hashlib
import io
import json

import pytest
from django.db import connection as db
from django.test.utils import CaptureQueriesContext

from importers.labstep import importer
from mirror.actions.models import Session
from mirror.data.models import Dataset
from mirror.people.models import User
from mirror.subjects.models import Project
from tests.importers.helpers import state

EXPERIMENTS = {"5001", "5002", "5003", "5004"}  # workspace 1801's live ones (5006 is deleted)


def run(connection, **options):
    connection.refresh_from_db()
    return importer.run(connection=connection, **options)


def sessions() -> dict[str, Session]:
    return {s.json["labstep"]["id"] and str(s.json["labstep"]["id"]): s
            for s in Session.objects.select_related("subject")}


def downloads(fake) -> int:
    return len(fake.calls("signed"))


def test_a_workspace_lands_with_folders_authors_fields_protocols_and_files(connection, fake):
    finished = run(connection)
    assert finished.status == "succeeded", finished.error
    mirrored = sessions()
    assert set(mirrored) == EXPERIMENTS
    pilot = mirrored["5001"]
    assert pilot.name == "EEG pilot 1" and pilot.lab.name == "notebook"
    assert pilot.start_time.isoformat() == "2024-03-04T09:12:00"
    assert sorted(p.name for p in pilot.projects.all()) == ["Pilot studies (3101)"]
    assert sorted(p.name for p in mirrored["5003"].projects.all()) == ["Main cohort (3102)"]
    assert Project.objects.filter(source="labstep").count() == 2
    assert pilot.task_protocol == "EEG cap preparation v2"  # version 1, counted from 0
    assert pilot.json["labstep"]["tags"] == ["eeg", "pilot"]
    # authors: users who cannot log in until an admin gives them a password
    authors = {s.json["labstep"]["id"]: [u.username for u in s.users.all()]
               for s in mirrored.values()}
    assert authors == {5001: ["test@labstep.com"], 5002: ["ada@lab.example"],
                       5003: ["ada@lab.example"], 5004: ["grace@lab.example"]}
    for user in User.objects.filter(source="labstep"):
        assert not user.has_usable_password()
        assert list(user.labs.values_list("name", flat=True)) == ["notebook"]
    # one subject for the workspace (Labstep has none)
    (nickname,) = {s.subject.nickname for s in mirrored.values()}
    assert nickname.startswith("LS-Test_account_s_Workspace-")  # made a folder name, + a hash


def test_data_fields_are_one_table_of_every_type(connection, fake):
    run(connection)
    dataset = Dataset.objects.get(session__source_id="1801/5001",
                                  name="_labstep_datafields.table.csv")
    copy = dataset.file_records.get()
    rows = list(csv.DictReader(io.StringIO(
        connection.repository.file(copy.relative_path).read_text())))
    by_name = {row["name"]: row for row in rows}
    assert set(rows[0]) == {"name", "type", "value", "unit", "when"}
    assert by_name["Subject ID"]["value"] == "S01"
    assert (by_name["Sampling rate"]["value"], by_name["Sampling rate"]["unit"]) == ("512", "Hz")
    assert by_name["Condition"]["value"] == "eyes open"
    assert by_name["Recording date"]["type"] == "date"
    assert by_name["Impedance report"]["type"] == "file"
    assert "Old label" not in by_name  # soft-deleted upstream


def test_protocols_are_kept_whole_with_their_versions(connection, fake):
    run(connection)
    dataset = Dataset.objects.get(session__source_id="1801/5001",
                                  name="_labstep_protocols.body.json")
    body = json.loads(connection.repository.file(dataset.file_records.get().relative_path)
                      .read_text())
    (protocol,) = body
    assert protocol["name"] == "EEG cap preparation" and protocol["version"] == 1
    assert protocol["protocol_collection"] == 7001
    steps = [node for node in protocol["body"]["state"]["content"]
             if node["type"] == "protocol_step"]
    assert len(steps) == 2 and protocol["body"]["protocol_timers"][0]["name"] == "Gel settle"


def test_attachments_are_stored_with_upstreams_bytes(connection, fake):
    finished = run(connection)
    attachments = Dataset.objects.filter(session__source_id="1801/5001",
                                         collection="raw_labstep_data")
    ids = set()
    for dataset in attachments:
        file_id = int(dataset.name.split(".")[1].rsplit("_", 1)[1])
        ids.add(file_id)
        on_disk = connection.repository.file(dataset.file_records.get().relative_path)
        expected = b"".join(fake.file_content(file_id).chunks())
        assert hashlib.md5(on_disk.read_bytes()).hexdigest() == dataset.hash == \
            hashlib.md5(expected).hexdigest()
    # the entry's files, the protocol step's and the file data field's; not the Drive link
    assert ids == {2041, 2042, 2049, 2050}
    assert "protocol_notes.gdoc" in finished.counts["notes"][0]
    assert "google-drive" in finished.counts["notes"][0]


def test_a_second_run_makes_no_write_and_no_download(connection, fake):
    run(connection)
    before, fetched = state(connection.repository), downloads(fake)
    with CaptureQueriesContext(db) as queries:
        again = run(connection)
    writes = [q["sql"] for q in queries.captured_queries
              if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))
              and "importers_importrun" not in q["sql"]]
    assert writes == []
    assert downloads(fake) == fetched
    assert again.counts["kinds"]["sessions"] == {"unchanged": 4}
    assert state(connection.repository) == before


def test_a_changed_attachment_is_fetched_again_and_only_it(connection, fake):
    run(connection)
    fetched = downloads(fake)
    fake.replace_file_bytes(2041, b"new,bytes\n1,2\n")
    again = run(connection)
    assert downloads(fake) == fetched + 1
    dataset = Dataset.objects.get(name__contains="_2041.")
    assert dataset.hash == hashlib.md5(b"new,bytes\n1,2\n").hexdigest()
    assert again.counts["files"]["written"] == 1


def test_an_edited_experiment_is_updated_in_place(connection, fake):
    run(connection)
    key = sessions()["5002"].pk
    fake.edit_experiment(5002, name="EEG pilot 2 (redone)")
    again = run(connection)
    edited = Session.objects.get(pk=key)
    assert edited.name == "EEG pilot 2 (redone)"
    assert again.counts["kinds"]["sessions"] == {"updated": 1, "unchanged": 3}


def test_a_soft_delete_is_marked_and_a_restore_clears_it(connection, fake):
    run(connection)
    fake.soft_delete(5003)
    run(connection)
    marked = Session.objects.get(source_id="1801/5003")
    assert marked.upstream_deleted_at is not None
    assert Dataset.objects.filter(session=marked).exists()  # marked, never deleted
    fake.restore(5003)
    run(connection)
    marked.refresh_from_db()
    assert marked.upstream_deleted_at is None


def test_old_plus_0000_timestamps_parse(connection, fake):
    connection.target = "1802"
    connection.save()
    finished = run(connection)
    assert finished.status == "succeeded", finished.error
    legacy = Session.objects.get(source_id="1802/5005")
    assert legacy.start_time.isoformat() == "2018-04-10T13:47:38"


def test_a_subject_can_come_from_a_data_field(connection, fake):
    connection.settings = {**connection.settings, "subject_field": "subject id"}
    connection.save()
    run(connection)
    nicknames = {k: s.subject.nickname for k, s in sessions().items()}
    assert nicknames["5001"] == "LS-S01" and nicknames["5002"] == "LS-S02"
    assert nicknames["5003"].startswith("LS-Test_account_s_Workspace")  # no field: workspace
    run(connection)  # stable across runs
    assert {k: s.subject.nickname for k, s in sessions().items()} == nicknames


def test_a_file_over_the_size_limit_is_skipped_with_the_setting_named(connection, fake):
    connection.settings = {**connection.settings, "max_file_bytes": 1000}
    connection.save()
    finished = run(connection)
    assert finished.status == "succeeded"
    assert any("max_file_bytes" in note for note in finished.counts["notes"])


def test_tags_are_filterable(connection, fake, api):
    run(connection)
    response = api.get("/sessions", {"json": "labstep__tags__icontains,pilot"})
    assert response.status_code == 200, response.content
    body = response.json()
    rows = body["results"] if isinstance(body, dict) else body
    assert {r["id"] for r in rows} == {str(sessions()["5001"].pk)}


@pytest.mark.parametrize("dry_run", [True])
def test_a_dry_run_writes_and_downloads_nothing(connection, fake, dry_run):
    finished = run(connection, dry_run=dry_run)
    assert finished.status == "succeeded" and finished.dry_run
    assert Session.objects.count() == 0 and downloads(fake) == 0
    assert finished.counts["kinds"]["sessions"] == {"created": 4}


def test_a_run_naming_only_its_protocol_keeps_the_last_version(connection, fake):
    """Run 9952 (in experiment 5003) made to name protocol 7001 but no version."""
    with fake.store.lock:
        row = fake.store.row("experiment", 9952)
        row["_protocol"] = None
        row["protocol_collection"] = {"id": 7001, "name": "EEG cap preparation"}
    run(connection)
    dataset = Dataset.objects.get(session__source_id="1801/5003",
                                  name="_labstep_protocols.body.json")
    (protocol,) = json.loads(connection.repository.file(
        dataset.file_records.get().relative_path).read_text())
    assert protocol["body"]["id"] == 7102 and protocol["kept"].startswith("the protocol's last")
    assert Session.objects.get(source_id="1801/5003").task_protocol == "EEG cap preparation v2"

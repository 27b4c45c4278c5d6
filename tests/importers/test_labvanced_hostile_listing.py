"""A hostile or broken upstream listing (issue 11: every path component from outside is checked;
no tracebacks): ids that would climb the download URL, codes that would climb the data folder,
NUL characters and oversized values. Bad entries fail alone, named; the rest is imported."""
import json
import shutil

import pytest

from importers.labvanced.importer import run
from importers.models import Connection, ImportRun
from mirror.actions.models import Session
from mirror.data.models import DataRepository, FileRecord
from mirror.people.models import Lab
from tests.fakes.labvanced import FakeLabvanced
from tests.fakes.labvanced_store import DEFAULT_FIXTURES

TOKEN = "lv-secret-token-123"


@pytest.fixture
def hostile_fake(tmp_path):
    fixtures = tmp_path / "fixtures"
    shutil.copytree(DEFAULT_FIXTURES, fixtures)
    listing_path = fixtures / "4107" / "sessions.json"
    listing = json.loads(listing_path.read_text())
    listing[0].update(subject_code="../../../../tmp/evil\x00", session_nr=10**22,
                      experiment_name="Gaze\x00" + "x" * 400)
    listing[1].update(start_time="not a time")
    listing.append({"rec_session_id": "../../4107/sessions"})
    listing.append({"rec_session_id": 12.5})
    listing.append({"rec_session_id": "9" * 300})
    listing_path.write_text(json.dumps(listing))
    with FakeLabvanced(token=TOKEN, fixtures=fixtures) as server:
        yield server


@pytest.fixture
def hostile_connection(db, hostile_fake):
    lab = Lab.objects.create(name="gazelab")
    repository = DataRepository.objects.create(name="gazelab_labvanced")
    return Connection.objects.create(
        name="gaze-study", source="labvanced", base_url=hostile_fake.base_url, credential=TOKEN,
        target="4107", lab=lab, repository=repository,
        settings={"requests_per_second": None, "timeout": 5, "backoff": 0.05})


def test_bad_listing_entries_fail_alone_and_nothing_leaves_the_repository(
        hostile_connection, hostile_fake, data_root):
    finished = run(connection=hostile_connection)
    assert finished.status == ImportRun.PARTIAL, finished.error
    assert finished.failed == 4
    assert "listing entry 2: 'not a time' is not a Labvanced time" in finished.error
    assert "rec_session_id '../../4107/sessions' is not a number" in finished.error
    assert "rec_session_id '9999" in finished.error
    downloads = [request.path for request in hostile_fake.downloads()]
    assert not any(".." in path for path in downloads)
    session = Session.objects.get(source_id="4107/259515")
    assert session.subject.nickname.startswith("LV-") and "/" not in session.subject.nickname
    assert session.number == 1 and session.json["labvanced"]["session_nr"] == str(10**22)
    assert len(session.projects.get().name) <= 255 and "\x00" not in session.task_protocol
    for copy in FileRecord.objects.all():
        assert hostile_connection.repository.file(copy.relative_path).is_file()
    fixtures = data_root.parent / "fixtures"
    assert [p for p in data_root.parent.rglob("*") if p.is_file()
            and not p.is_relative_to(data_root) and not p.is_relative_to(fixtures)] == []
    # a second run finds the good sessions unchanged and marks none of the listed ones deleted
    again = run(connection=hostile_connection)
    assert again.created == 0 and again.deleted == 0

"""The shared writer keeps each session's files in its own ALF folder (issue 11, items 2-3)."""
import datetime
import hashlib

import pytest
from django.db import transaction

from importers.core.counts import Counts
from importers.core.errors import BadSourceData
from importers.core.records import DatasetFile, ProjectRecord, SessionRecord
from importers.core.writer import Writer
from importers.labvanced.importer import store
from importers.labvanced.mapping import participant
from importers.models import Connection
from mirror.actions.models import Session
from mirror.data.models import DataRepository, FileRecord
from mirror.people.models import Lab

DAY = datetime.datetime(2026, 3, 2, 9, 30)


@pytest.fixture
def connection(db):
    lab = Lab.objects.create(name="pathlab")
    repository = DataRepository.objects.create(name="pathlab_labvanced")
    return Connection.objects.create(name="paths", source="labvanced", target="4107", lab=lab,
                                     repository=repository)


def _record(rec_id, *, code="p1", number=1, content=b"a,b\n1,2\n", start=DAY, exp="4107",
            protocol="task v1"):
    return SessionRecord(
        source_id=f"{exp}/{rec_id}", subject=participant(exp, code),
        project=ProjectRecord(source_id=exp, name=f"study {exp}"), start_time=start,
        number=number, task_protocol=protocol, upstream={"rec_session_id": str(rec_id)},
        files=(DatasetFile("alf", "_labvanced_trials.table.csv", "trials.table", "csv",
                           content),))


def _store(connection, record) -> Session:
    writer = Writer(connection=connection, counts=Counts(), now=datetime.datetime(2026, 4, 1))
    with transaction.atomic():
        return store(writer, record)


def _file(connection, session) -> bytes:
    record = FileRecord.objects.get(dataset__session=session)
    return connection.repository.file(record.relative_path).read_bytes()


def test_two_sessions_with_one_code_date_and_number_get_their_own_folders(connection):
    first = _store(connection, _record(1, content=b"first\n"))
    second = _store(connection, _record(2, content=b"second\n"))
    assert (first.number, second.number) == (1, 2)
    assert _file(connection, first) == b"first\n" and _file(connection, second) == b"second\n"
    assert second.json["labvanced"]["rec_session_id"] == "2"


def test_numbers_stay_put_when_imported_again(connection):
    _store(connection, _record(1))
    _store(connection, _record(2))
    again = [_store(connection, _record(rec)).number for rec in (2, 1)]
    assert again == [2, 1]


def test_a_path_held_by_another_dataset_is_refused_before_writing(connection, lab_world):
    """A copy of another dataset (e.g. recorded over the API) already has the path."""
    relative_path = "pathlab/Subjects/LV-p1/2026-03-02/001/alf/_labvanced_trials.table.csv"
    theirs = connection.repository.file(relative_path)
    theirs.parent.mkdir(parents=True)
    theirs.write_bytes(b"theirs\n")
    FileRecord.objects.create(dataset=lab_world.datasets[0], data_repository=connection.repository,
                              relative_path=relative_path, exists=True)
    with pytest.raises(BadSourceData, match="already holds the file of dataset"):
        _store(connection, _record(1, content=b"mine\n"))
    assert theirs.read_bytes() == b"theirs\n"
    assert not Session.objects.filter(source="labvanced").exists()


@pytest.mark.parametrize("code", ["../../../../tmp/x", "a/b", "..", ".", "x\x00y", "ü" * 70,
                                  "a" * 200])
def test_hostile_participant_codes_stay_inside_the_repository(connection, data_root, code):
    session = _store(connection, _record(1, code=code))
    nickname = session.subject.nickname
    assert nickname.startswith("LV-") and "/" not in nickname and len(nickname) <= 64
    record = FileRecord.objects.get(dataset__session=session)
    path = connection.repository.file(record.relative_path)
    assert path.is_file() and path.is_relative_to(connection.repository.directory)
    outside = [p for p in data_root.parent.rglob("*") if p.is_file()
               and not p.is_relative_to(data_root)]
    assert outside == []


def test_codes_that_differ_keep_different_subjects(connection):
    """Sanitising must not merge participants: `a/b` and `a_b` stay two subjects."""
    one = _store(connection, _record(1, code="a/b")).subject
    two = _store(connection, _record(2, code="a_b")).subject
    assert one.pk != two.pk and one.nickname != two.nickname


def test_nul_characters_and_overlong_text_are_cleaned(connection):
    """PostgreSQL refuses NUL in text and JSON and enforces lengths (were tracebacks)."""
    record = _record(1, code="p\x001", protocol="task\x00 v1" + "x" * 2000)
    record = SessionRecord(**{**record.__dict__, "upstream": {"note\x00": "a\x00b"}})
    session = _store(connection, record)
    assert "\x00" not in session.task_protocol and len(session.task_protocol) <= 1023
    assert session.json["labvanced"] == {"note": "ab"}


def test_a_23_digit_session_number_gets_an_alf_number(connection):
    session = _store(connection, _record(1, number=10**22))
    assert session.number == 1


def test_one_code_in_two_studies_of_one_lab_gives_two_subjects(connection):
    """Labvanced codes repeat across studies; the lab's nickname constraint used to fail."""
    first = _store(connection, _record(1, code="7", exp="4107")).subject
    second = _store(connection, _record(1, code="7", exp="5000")).subject
    assert first.nickname == "LV-7" and second.nickname.startswith("LV-7-")
    assert _store(connection, _record(1, code="7", exp="5000")).subject.nickname == \
        second.nickname


def test_file_content_hash_is_recorded(connection):
    session = _store(connection, _record(1, content=b"abc"))
    dataset = session.data_dataset_session_related.get()
    assert dataset.hash == hashlib.md5(b"abc").hexdigest() and dataset.file_size == 3


def test_a_remote_repository_is_a_clear_failure_not_a_traceback(connection):
    DataRepository.objects.filter(pk=connection.repository_id).update(
        repository_type="remote", data_url="https://files.example.org/")
    connection.refresh_from_db()
    with pytest.raises(BadSourceData, match="is remote"):
        _store(connection, _record(1))


def test_a_protected_dataset_is_not_rewritten_by_a_reimport(connection):
    """Protected means kept as it is (issue 11, item 7): upstream changes fail the session."""
    from mirror.data.models import Tag

    session = _store(connection, _record(1, content=b"published\n"))
    dataset = session.data_dataset_session_related.get()
    dataset.tags.add(Tag.objects.create(name="paper", protected=True))
    with pytest.raises(BadSourceData, match="protected tag: its file is kept"):
        _store(connection, _record(1, content=b"changed upstream\n"))
    assert _file(connection, session) == b"published\n"
    _store(connection, _record(1, content=b"published\n"))  # unchanged bytes: fine

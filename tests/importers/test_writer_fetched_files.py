"""The writer's one-pass files (FetchedFile): fetched once into the repository, never held in
memory, not fetched again while upstream's fingerprint is the same, never left half-written."""
import datetime
import hashlib

import pytest
from django.db import transaction

from importers.core.counts import Counts
from importers.core.errors import BadSourceData
from importers.core.records import DatasetFile, FetchedFile, ProjectRecord, SessionRecord
from importers.core.writer import Writer
from importers.labvanced.importer import store
from importers.labvanced.mapping import participant
from importers.models import Connection
from mirror.data.models import DataRepository, Dataset, FileRecord, Tag
from mirror.people.models import Lab

NAME = "_source_attachment.raw.bin"


@pytest.fixture
def connection(db):
    lab = Lab.objects.create(name="fetchlab")
    repository = DataRepository.objects.create(name="fetchlab_files")
    return Connection.objects.create(name="fetch", source="labvanced", target="4107", lab=lab,
                                     repository=repository)


class Upstream:
    """Bytes behind a fingerprint, counting fetches; can fail part-way or start over once."""

    def __init__(self, content: bytes, fingerprint: str = "v1"):
        self.content, self.fingerprint, self.fetches = content, fingerprint, 0
        self.fail_after: int | None = None
        self.restart_once = False

    def fetch(self, handle) -> int:
        self.fetches += 1
        if self.restart_once:  # a transfer cut short, started over by the client
            handle.write(self.content[: len(self.content) // 2])
            handle.seek(0)
            handle.truncate()
            self.restart_once = False
        if self.fail_after is not None:
            handle.write(self.content[: self.fail_after])
            raise OSError("connection reset")
        handle.write(self.content)
        return len(self.content)

    def file(self) -> FetchedFile:
        return FetchedFile(self.fetch, self.fingerprint, size=len(self.content))


def _store(connection, upstream: Upstream, *, dry_run=False):
    record = SessionRecord(
        source_id="4107/1", subject=participant("4107", "p1"),
        project=ProjectRecord(source_id="4107", name="study"),
        start_time=datetime.datetime(2026, 3, 2, 9, 30), number=1, task_protocol="task",
        files=(DatasetFile("raw_data", NAME, "attachment.raw", "bin", upstream.file()),))
    counts = Counts()
    writer = Writer(connection=connection, counts=counts, now=datetime.datetime(2026, 4, 1),
                    dry_run=dry_run)
    with transaction.atomic():
        store(writer, record)
        if dry_run:
            transaction.set_rollback(True)
    return counts


def _on_disk(connection):
    record = FileRecord.objects.get(dataset__name=NAME)
    return connection.repository.file(record.relative_path)


def _leftovers(connection):
    return [p for p in connection.repository.directory.rglob(".partial-*")]


def test_a_fetched_file_is_stored_with_its_md5_and_size(connection):
    upstream = Upstream(b"x" * 3_000_000)
    counts = _store(connection, upstream)
    dataset = Dataset.objects.get(name=NAME)
    assert dataset.hash == hashlib.md5(upstream.content).hexdigest()
    assert dataset.file_size == 3_000_000 == _on_disk(connection).stat().st_size
    assert dataset.json["labvanced"]["fingerprint"] == "v1"
    assert counts.by_kind()["files"]["written"] == 1 and upstream.fetches == 1


def test_the_same_fingerprint_is_not_fetched_again(connection):
    upstream = Upstream(b"abc")
    _store(connection, upstream)
    mtime = _on_disk(connection).stat().st_mtime_ns
    counts = _store(connection, upstream)
    assert upstream.fetches == 1
    assert _on_disk(connection).stat().st_mtime_ns == mtime
    assert counts.by_kind()["kinds"]["datasets"] == {"unchanged": 1}


def test_a_new_fingerprint_with_the_same_bytes_fetches_but_rewrites_nothing(connection):
    upstream = Upstream(b"abc")
    _store(connection, upstream)
    inode = _on_disk(connection).stat().st_ino
    upstream.fingerprint = "v2"
    _store(connection, upstream)
    assert upstream.fetches == 2 and _on_disk(connection).stat().st_ino == inode
    assert Dataset.objects.get(name=NAME).json["labvanced"]["fingerprint"] == "v2"
    assert _leftovers(connection) == []


def test_changed_bytes_replace_the_file(connection):
    upstream = Upstream(b"old bytes")
    _store(connection, upstream)
    upstream.content, upstream.fingerprint = b"new bytes, longer", "v2"
    _store(connection, upstream)
    assert _on_disk(connection).read_bytes() == b"new bytes, longer"
    assert Dataset.objects.get(name=NAME).hash == hashlib.md5(b"new bytes, longer").hexdigest()


def test_a_transfer_started_over_is_hashed_as_what_was_finally_written(connection):
    upstream = Upstream(b"0123456789" * 1000)
    upstream.restart_once = True
    _store(connection, upstream)
    assert Dataset.objects.get(name=NAME).hash == hashlib.md5(upstream.content).hexdigest()


def test_a_fetch_that_fails_leaves_the_old_file_and_no_partial_one(connection):
    upstream = Upstream(b"old bytes")
    _store(connection, upstream)
    upstream.content, upstream.fingerprint, upstream.fail_after = b"new bytes" * 100, "v2", 50
    with pytest.raises(OSError):
        _store(connection, upstream)
    assert _on_disk(connection).read_bytes() == b"old bytes"
    assert Dataset.objects.get(name=NAME).json["labvanced"]["fingerprint"] == "v1"
    assert _leftovers(connection) == []


def test_a_dry_run_fetches_nothing_and_counts_the_declared_size(connection):
    upstream = Upstream(b"y" * 1234)
    counts = _store(connection, upstream, dry_run=True)
    assert upstream.fetches == 0 and not Dataset.objects.filter(name=NAME).exists()
    assert counts.by_kind()["files"] == {"written": 1, "bytes": 1234}


def test_a_protected_dataset_is_not_replaced(connection):
    upstream = Upstream(b"published")
    _store(connection, upstream)
    tag = Tag.objects.create(name="paper", protected=True)
    Dataset.objects.get(name=NAME).tags.add(tag)
    upstream.content, upstream.fingerprint = b"changed upstream", "v2"
    with pytest.raises(BadSourceData, match="protected"):
        _store(connection, upstream)
    assert _on_disk(connection).read_bytes() == b"published"
    assert _leftovers(connection) == []

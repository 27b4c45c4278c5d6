"""The one writer every importer uses: change-aware upserts keyed on deterministic UUIDs.

Upstream fields are written when they differ and left alone when they do not; annotations that
users edit (projects, narrative, qc, the rest of `json`) are set when a record is created and never
touched again. Upstream metadata goes to `json[<source>]`, which the importer owns. Files go to the
connection's local repository atomically, and are rewritten only when their checksum changed.

Every file goes to its session's own ALF folder: a session's number is allocated so that no
other session shares `<lab>/Subjects/<subject>/<date>/<NNN>` (mirror.actions.numbers), and a
path that another dataset's copy already holds is refused before anything is written. Upstream
text is cleaned first (importers.core.clean): no NUL, no value longer than its column.
"""
import datetime
import hashlib

from django.contrib.auth.hashers import make_password
from django.db.models import Q

from importers.core import clean
from importers.core.counts import Counts, Outcome
from importers.core.errors import BadSourceData
from importers.core.records import (
    NAME_CONFIGURED,
    DatasetFile,
    FetchedFile,
    ProjectRecord,
    SessionRecord,
    SubjectRecord,
    UserRecord,
)
from importers.models import LiveRecording
from mirror.actions.models import Session
from mirror.actions.numbers import NoFreeNumber, session_number_allocate
from mirror.core.provenance import deterministic_uuid
from mirror.data.models import DataFormat, Dataset, DatasetType, FileRecord
from mirror.data.paths import UnsafePath, safe_component
from mirror.data.services import StagedFile, file_store_atomically, session_relative_path
from mirror.people.models import User
from mirror.subjects.models import Project, Subject

_NOT_LOOKED_UP = object()


class Writer:
    def __init__(self, *, connection, counts: Counts, now: datetime.datetime,
                 dry_run: bool = False):
        self.connection, self.counts, self.now = connection, counts, now
        self.dry_run = dry_run  # count what would happen; the caller rolls the records back
        self.source = connection.source
        self._vocabulary: dict = {}

    def _find(self, model, source_id: str):
        return model.objects.filter(
            pk=deterministic_uuid(self.source, model._meta.model_name, source_id)).first()

    def _upsert(self, model, source_id: str, fields: dict, *, on_create: dict | None = None,
                record=_NOT_LOOKED_UP):
        """Create or update one record; returns (record, outcome). `record` is the current
        one when the caller has already read it (None: it does not exist yet)."""
        key = deterministic_uuid(self.source, model._meta.model_name, source_id)
        if record is _NOT_LOOKED_UP:
            record = model.objects.filter(pk=key).first()
        if record is None:
            record = model(id=key, source=self.source, source_id=source_id,
                           imported_at=self.now, **fields, **(on_create or {}))
            record.save()
            return record, self.counts.add(Outcome.CREATED, _kind(model), key=record.pk)
        changed = [name for name, value in fields.items() if getattr(record, name) != value]
        if record.upstream_deleted_at is not None:
            record.upstream_deleted_at = None  # it came back upstream
            changed.append("upstream_deleted_at")
        if not changed:
            return record, self.counts.add(Outcome.UNCHANGED, _kind(model), key=record.pk)
        for name in changed:
            if name != "upstream_deleted_at":
                setattr(record, name, fields[name])
        record.imported_at = self.now
        record.save(update_fields=[*changed, "imported_at"])
        return record, self.counts.add(Outcome.UPDATED, _kind(model), key=record.pk)

    def project(self, item: ProjectRecord) -> Project:
        """The project, renamed only by a name known at least as well as its current one
        (importers.core.records.NAME_*): a route that only guesses a name leaves it alone."""
        current = self._find(Project, item.source_id)
        naming = ((current.json or {}).get(self.source) or {}) if current else {}
        # a project named before names were ranked keeps its name against a guess
        if current is not None and item.name_known < naming.get("name_known", NAME_CONFIGURED):
            self.counts.add(Outcome.UNCHANGED, _kind(Project), key=current.pk)
            return current
        json = {**((current.json or {}) if current else {}), self.source: clean.json_value(
            {"title": item.title or item.name, "name_known": item.name_known})}
        record, _ = self._upsert(Project, item.source_id,
                                 {"name": clean.field_text(Project, "name", item.name),
                                  "json": json},
                                 on_create={"description": clean.text(item.description)},
                                 record=current)
        return record

    def project_title(self, project: Project) -> str:
        """The project's undecorated name, as the best-informed route gave it."""
        return ((project.json or {}).get(self.source) or {}).get("title") or project.name

    def _free_nickname(self, item: SubjectRecord) -> str:
        """`item.nickname`, or, when another subject of this source and lab already has it (the
        same participant code in two studies), the nickname with a stable suffix of its own."""
        key = deterministic_uuid(self.source, "subject", item.source_id)
        taken = Subject.objects.filter(source=self.source, lab_id=self.connection.lab_id,
                                       nickname=item.nickname).exclude(pk=key).exists()
        if not taken:
            return item.nickname
        suffix = hashlib.sha1(item.source_id.encode()).hexdigest()[:6]
        return safe_component(f"{item.nickname[:64 - 7]}-{suffix}", max_length=64)

    def subject(self, item: SubjectRecord) -> Subject:
        """The subject; its nickname must already be a folder name (mirror.data.paths)."""
        fields = {"nickname": self._free_nickname(item), "lab_id": self.connection.lab_id,
                  "species": clean.field_text(Subject, "species", item.species)}
        record, _ = self._upsert(Subject, item.source_id, fields,
                                 on_create={"description": clean.text(item.description)})
        return record

    def session_number(self, *, subject: Subject, start_time: datetime.datetime, wanted,
                       session_pk=None) -> int:
        """The ALF number of a session: `wanted` if its folder is free, else the next free."""
        try:
            return session_number_allocate(
                lab_name=self.connection.lab.name, nickname=subject.nickname,
                day=start_time.date(), wanted=wanted, exclude=session_pk)
        except NoFreeNumber as error:
            raise BadSourceData(subject.nickname, str(error)) from None

    def user(self, item: UserRecord) -> User:
        """The user; created with no usable password (they cannot log in until an admin sets
        one) and a username of their own: upstream's, or with a suffix if a user has it."""
        key = deterministic_uuid(self.source, "user", item.source_id)
        username = clean.field_text(User, "username", item.username) or f"user-{key.hex[:8]}"
        if User.objects.filter(username=username).exclude(pk=key).exists():
            suffix = f"-{self.source}-{hashlib.sha1(item.source_id.encode()).hexdigest()[:6]}"
            username = username[:150 - len(suffix)] + suffix
        fields = {"first_name": clean.field_text(User, "first_name", item.first_name),
                  "last_name": clean.field_text(User, "last_name", item.last_name),
                  "email": clean.field_text(User, "email", item.email)}
        record, outcome = self._upsert(User, item.source_id, fields, on_create={
            "username": username, "password": make_password(None)})
        if outcome is Outcome.CREATED and self.connection.lab_id:
            record.labs.add(self.connection.lab_id)
        return record

    def session(self, item: SessionRecord, *, subject: Subject, project: Project,
                also_projects: tuple[Project, ...] = (), users: tuple[User, ...] = ()) -> Session:
        """The session. Its projects and users are added when it is created, and those
        upstream adds later are added too; none is ever taken away (they are annotations
        a lab may have changed here)."""
        key = deterministic_uuid(self.source, "session", item.source_id)
        # An import owns what it writes: the webhook may no longer change the session. Taking
        # its live recording first waits for a webhook call in progress, so the session read
        # next is the one that call left.
        LiveRecording.objects.filter(session_id=key, status=LiveRecording.RUNNING) \
            .update(status=LiveRecording.IMPORTED)
        existing = self._find(Session, item.source_id)
        json = dict((existing.json or {}) if existing else {})
        json[self.source] = clean.json_value(item.upstream)
        fields = {"subject_id": subject.pk, "lab_id": self.connection.lab_id,
                  "start_time": item.start_time, "end_time": item.end_time,
                  "number": self.session_number(subject=subject, start_time=item.start_time,
                                                wanted=item.number, session_pk=key),
                  "task_protocol": clean.field_text(Session, "task_protocol",
                                                    item.task_protocol),
                  "type": clean.field_text(Session, "type", item.type),
                  "n_trials": item.n_trials, "json": json}
        if item.name:
            fields["name"] = clean.field_text(Session, "name", item.name)
        if item.parent_source_id is not None:
            fields["parent_session_id"] = deterministic_uuid(self.source, "session",
                                                             item.parent_source_id)
        record, outcome = self._upsert(Session, item.source_id, fields, record=existing)
        if outcome is not Outcome.UNCHANGED:
            record.projects.add(project, *also_projects)
            subject.projects.add(project, *also_projects)
            if users:
                record.users.add(*users)
        return record

    def store(self, record: SessionRecord) -> Session:
        """A whole session record: its projects, users and subject, the session, its files."""
        projects = [self.project(item) for item in (record.project, *record.also_projects)]
        users = tuple(self.user(item) for item in record.users)
        subject = self.subject(record.subject)
        session = self.session(record, subject=subject, project=projects[0],
                               also_projects=tuple(projects[1:]), users=users)
        for item in record.files:
            self.dataset_file(item, session=session)
        return session

    def _vocab(self, model, name: str, **defaults):
        if (model, name) not in self._vocabulary:
            self._vocabulary[model, name] = model.objects.get_or_create(
                name=name, defaults=defaults)[0]
        return self._vocabulary[model, name]

    def dataset_file(self, item: DatasetFile, *, session: Session) -> Dataset:
        """Store one file: unchanged bytes write nothing; changed bytes replace the file.

        A `FetchedFile` whose fingerprint matches the stored one is not fetched at all; any
        other is fetched once, into a hidden file beside its target, and renamed into place
        only if its bytes changed."""
        source_id = f"{session.source_id}/{item.collection}/{item.name}"
        repository = self.connection.repository
        copy_key = deterministic_uuid(self.source, "filerecord", source_id)
        try:
            relative_path = session_relative_path(session, item.collection, item.name)
            on_disk = repository.file(relative_path)
        except UnsafePath as error:
            raise BadSourceData(item.name, str(error)) from None
        self._check_path_free(repository, relative_path, copy_key)
        current = self._find(Dataset, source_id)
        json = (current.json or {}) if current else {}
        try:
            if isinstance(item.content, FetchedFile):
                md5, size = self._store_fetched(item, current, relative_path, on_disk)
                json = {**json, self.source: {"fingerprint": item.content.fingerprint}}
            else:
                md5, size = self._store_chunks(item, current, relative_path, on_disk)
        except UnsafePath as error:  # e.g. the connection's repository is not local
            raise BadSourceData(item.name, str(error)) from None
        fields = {"session_id": session.pk, "collection": item.collection, "name": item.name,
                  "hash": md5, "file_size": size,
                  "dataset_type_id": self._vocab(DatasetType, item.dataset_type).pk,
                  "data_format_id": self._vocab(
                      DataFormat, item.data_format,
                      file_extension=f".{item.name.rsplit('.', 1)[-1]}").pk}
        if json:
            fields["json"] = json
        dataset, _ = self._upsert(Dataset, source_id, fields, record=current,
                                  on_create={"created_datetime": self.now})
        copy, created = FileRecord.objects.get_or_create(
            id=copy_key,
            defaults={"dataset": dataset, "data_repository": repository, "exists": True,
                      "relative_path": relative_path, "source": self.source,
                      "source_id": source_id, "imported_at": self.now})
        if not created and (copy.relative_path != relative_path or not copy.exists):
            copy.relative_path, copy.exists, copy.imported_at = relative_path, True, self.now
            copy.save(update_fields=["relative_path", "exists", "imported_at"])
        return dataset

    @staticmethod
    def _is_stale(current, md5: str, size: int, on_disk) -> bool:
        return current is None or current.hash != md5 or current.file_size != size \
            or not on_disk.is_file() or on_disk.stat().st_size != size

    @staticmethod
    def _refuse_if_protected(current, name: str) -> None:
        if current is not None and \
                Dataset.protected_rows(Dataset.objects.filter(pk=current.pk)).exists():
            raise BadSourceData(name, f"dataset {current.pk} carries a protected tag: its "
                                "file is kept as it is; a staff user must unprotect it for "
                                "the import to update it")

    def _store_chunks(self, item: DatasetFile, current, relative_path: str, on_disk):
        """Bytes that can be read twice: hashed first, written only if they changed."""
        md5, size = _digest(item.chunks())
        stale = self._is_stale(current, md5, size, on_disk)
        if stale:
            self._refuse_if_protected(current, item.name)
        if stale and not self.dry_run:
            stored = file_store_atomically(repository=self.connection.repository,
                                           relative_path=relative_path, content=item.chunks())
            if (stored.md5, stored.size) != (md5, size):
                raise BadSourceData(item.name, "changed while it was being stored")
        if stale:  # a dry run counts what it would write
            self.counts.wrote_file(size)
        return md5, size

    def _store_fetched(self, item: DatasetFile, current, relative_path: str, on_disk):
        """A download: skipped when its fingerprint is the stored one and the file is in place;
        else fetched once beside its target and renamed into place if its bytes changed."""
        fetched: FetchedFile = item.content
        stored_print = ((current.json or {}).get(self.source) or {}).get("fingerprint") \
            if current else None
        if stored_print == fetched.fingerprint and \
                not self._is_stale(current, current.hash, current.file_size, on_disk):
            return current.hash, current.file_size
        if self.dry_run:  # what it would fetch, without fetching it
            self.counts.wrote_file(fetched.size or 0)
            return (current.hash, current.file_size) if current else ("", fetched.size or 0)
        with StagedFile(repository=self.connection.repository,
                        relative_path=relative_path) as staged:
            fetched.fetch(staged.handle)
            written = staged.digest()
            if self._is_stale(current, written.md5, written.size, on_disk):
                self._refuse_if_protected(current, item.name)
                staged.commit()
                self.counts.wrote_file(written.size)
        return written.md5, written.size

    @staticmethod
    def _check_path_free(repository, relative_path: str, copy_key) -> None:
        """Refuse, before writing, a path that another dataset's copy holds in the repository:
        writing would replace that dataset's file (the database would then roll back, the file
        on disk would not)."""
        holder = FileRecord.objects.filter(data_repository=repository,
                                           relative_path=relative_path).exclude(pk=copy_key)
        other = holder.values_list("dataset_id", flat=True).first()
        if other is not None:
            raise BadSourceData(relative_path, f"already holds the file of dataset {other} in "
                                f"repository {repository.name}; nothing was overwritten")

    def mark_deleted(self, model, *, scope: Q, seen: set[str]) -> int:
        """Flag records of `scope` that upstream no longer lists; returns how many were new."""
        gone = list(model.objects.filter(scope, source=self.source,
                                         upstream_deleted_at__isnull=True)
                    .exclude(source_id__in=seen).values_list("pk", flat=True))
        if gone:  # no write at all when nothing went away
            model.objects.filter(pk__in=gone).update(upstream_deleted_at=self.now)
        if gone:
            self.counts.add(Outcome.DELETED, _kind(model), len(gone))
        return len(gone)


def _kind(model) -> str:
    """How counts name a model's records: "sessions", "subjects", "projects", "datasets"."""
    return str(model._meta.verbose_name_plural)


def _digest(chunks) -> tuple[str, int]:
    digest, size = hashlib.md5(), 0
    for chunk in chunks:
        digest.update(chunk)
        size += len(chunk)
    return digest.hexdigest(), size

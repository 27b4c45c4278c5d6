"""A lab-scale database in minutes: deterministic rows written with bulk inserts, not the API.

Shape at `scale=1` (the issue's "lab scale"): 2 labs, 10 users, 200 subjects, 3 projects, 20,000
sessions over four years, 10 datasets a session (200,000), each with a file record in a server
repository and in a personal one (400,000). `scale` multiplies subjects and sessions (so a subject
keeps 100 sessions and a month holds `scale` times more). Rows are generated and inserted a chunk
of sessions at a time, so memory stays flat whatever the scale. Only the session `SHOWCASE` (the
newest) has real files, written under the server repository, for ONE's load step.
"""
import datetime
import hashlib
import random
import uuid
from dataclasses import dataclass

from django.db import connection, transaction

from bench import catalog
from mirror.actions.models import Session
from mirror.data.models import DataRepository, Dataset, FileRecord
from mirror.people.models import Lab, User
from mirror.subjects.models import Project, Subject

SESSIONS_PER_SUBJECT = 100
SUBJECTS_PER_SCALE = 200
FIRST_DAY = datetime.datetime(2021, 1, 4, 9, 0)
CHUNK = 500  # sessions per round of inserts
BENCH_USER, BENCH_PASSWORD = "bench", "bench-mirror-password"


@dataclass
class SeedSummary:
    labs: int = 0
    users: int = 0
    subjects: int = 0
    sessions: int = 0
    datasets: int = 0
    file_records: int = 0
    showcase: uuid.UUID | None = None


class Ids:
    """Deterministic UUIDs (version 4 layout, random order like Alyx's uuid4 keys)."""

    def __init__(self, seed: int = 2026):
        self.random = random.Random(seed)

    def __call__(self) -> uuid.UUID:
        return uuid.UUID(int=self.random.getrandbits(128), version=4)


def _vocabulary(ids: Ids):
    labs = [Lab.objects.create(id=ids(), name=name, institution=institution)
            for name, institution in catalog.LABS]
    server = DataRepository.objects.create(id=ids(), **catalog.SERVER_REPOSITORY)
    personal = DataRepository.objects.create(id=ids(), **catalog.PERSONAL_REPOSITORY)
    for lab in labs:
        lab.repositories.add(server, personal)
    users = [User(id=ids(), username=name, is_staff=(name == BENCH_USER))
             for name in catalog.USERNAMES]
    for user in users:
        user.set_unusable_password()
    users[0].set_password(BENCH_PASSWORD)
    User.objects.bulk_create(users)
    for index, user in enumerate(users):
        user.labs.add(labs[index % len(labs)])
    projects = [Project.objects.create(id=ids(), name=name) for name in catalog.PROJECTS]
    return labs, (server, personal), users, projects, catalog.dataset_kinds(ids)


def _subjects(ids: Ids, scale: float, labs, users, projects) -> list[Subject]:
    count = max(1, round(SUBJECTS_PER_SCALE * scale))
    subjects = [Subject(id=ids(), nickname=catalog.nickname(index, labs[index % len(labs)].name),
                        lab=labs[index % len(labs)], responsible_user=users[index % len(users)],
                        sex="MF"[index % 2], species="Mus musculus", strain="C57BL/6J",
                        birth_date=datetime.date(2020, 6, 1) + datetime.timedelta(days=index % 90))
                for index in range(count)]
    Subject.objects.bulk_create(subjects)
    Subject.projects.through.objects.bulk_create(
        [Subject.projects.through(subject=s, project=projects[i % len(projects)])
         for i, s in enumerate(subjects)])
    return subjects


def _session(ids: Ids, subject: Subject, s: int, k: int) -> Session:
    """Subject `s`'s `k`-th session: one every 14 days, staggered by subject, over ~4 years."""
    start = FIRST_DAY + datetime.timedelta(days=k * 14 + s % 14, hours=s % 9, minutes=s % 60)
    trials = 400 + (s * 7 + k * 13) % 600
    return Session(id=ids(), subject=subject, lab_id=subject.lab_id, number=1 + (s + k) % 2,
                   type="Experiment", task_protocol=catalog.PROTOCOLS[(s + k) % 3],
                   start_time=start, end_time=start + datetime.timedelta(hours=1),
                   n_trials=trials, n_correct_trials=trials * (60 + k % 35) // 100,
                   qc=catalog.QCS[(s + k) % len(catalog.QCS)],
                   extended_qc={"_task_iti_delays": round((k % 10) / 10, 1)})


def _datasets(ids: Ids, session: Session, subject: Subject, lab_name: str, kinds, repositories,
              users):
    for collection, name, kind in catalog.session_datasets(session.task_protocol, kinds):
        dataset_id = ids()
        digest = hashlib.md5(dataset_id.bytes).hexdigest()
        yield Dataset(
            id=dataset_id, session=session, name=name, collection=collection,
            dataset_type=kind.dataset_type, data_format=kind.data_format,
            created_by=users[int(digest[5:7], 16) % len(users)],
            created_datetime=session.start_time + datetime.timedelta(hours=2),
            file_size=1000 + int(digest[:5], 16), hash=digest, version="1.0.0", qc=0)
        path = catalog.relative_path(lab_name, subject.nickname, session, collection, name)
        for repository in repositories:
            yield FileRecord(id=ids(), dataset_id=dataset_id, data_repository=repository,
                             relative_path=path, exists=True)


def seed(*, scale: float = 1.0, data_root=None, log=print) -> SeedSummary:
    """Fill an empty, migrated database; returns what was made. Refuses a non-empty database."""
    if Session.objects.exists():
        raise RuntimeError("The database already has sessions: seed an empty database.")
    ids, summary = Ids(), SeedSummary()
    with transaction.atomic():
        labs, repositories, users, projects, kinds = _vocabulary(ids)
        subjects = _subjects(ids, scale, labs, users, projects)
    lab_names = {lab.id: lab.name for lab in labs}
    summary.labs, summary.users, summary.subjects = len(labs), len(users), len(subjects)
    plan = [(s, k) for k in range(SESSIONS_PER_SUBJECT) for s in range(len(subjects))]
    newest = None
    for begin in range(0, len(plan), CHUNK):
        sessions, rows = [], []
        for s, k in plan[begin:begin + CHUNK]:
            session = _session(ids, subjects[s], s, k)
            sessions.append(session)
            rows.extend(_datasets(ids, session, subjects[s], lab_names[session.lab_id], kinds,
                                  repositories, users))
            if newest is None or session.start_time >= newest.start_time:
                newest = session
        with transaction.atomic():
            Session.objects.bulk_create(sessions)
            Session.projects.through.objects.bulk_create([Session.projects.through(
                session=x, project=projects[i % 3]) for i, x in enumerate(sessions)])
            Session.users.through.objects.bulk_create([Session.users.through(
                session=x, user=users[i % len(users)]) for i, x in enumerate(sessions)])
            datasets = [row for row in rows if isinstance(row, Dataset)]
            Dataset.objects.bulk_create(datasets, batch_size=2000)
            FileRecord.objects.bulk_create([row for row in rows if isinstance(row, FileRecord)],
                                           batch_size=2000)
        summary.sessions += len(sessions)
        summary.datasets += len(datasets)
        summary.file_records += len(rows) - len(datasets)
        if begin % (CHUNK * 20) == 0:
            log(f"  {summary.sessions:,} sessions, {summary.datasets:,} datasets")
    summary.showcase = newest.id
    catalog.write_showcase_files(newest, repositories[0], data_root)
    _analyze()
    return summary


def _analyze() -> None:
    """Planner statistics (and PostgreSQL's visibility map, for index-only COUNTs) as a
    database that has lived a while would have them; bulk loads leave neither."""
    vacuum = connection.vendor == "postgresql" and not connection.in_atomic_block
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if vacuum else "ANALYZE")

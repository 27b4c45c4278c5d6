"""A small demo lab with real files, for `make run` and for trying ONE against the mirror."""
import csv
import datetime
import io
from pathlib import Path

import numpy as np
from django.db import transaction

from mirror.actions.models import Session
from mirror.data.models import DataFormat, DataRepository, DatasetType
from mirror.data.services import dataset_register_file
from mirror.people.models import Lab, User
from mirror.subjects.models import Project, Subject

LABVANCED_EXPORT = Path(__file__).parent / "demo_exports" / "labvanced_export_4107.zip"
DEMO_USERNAME = "demo"
DEMO_PASSWORD = "demo-mirror-password"  # documented in the README; a demo database only
LAB, REPOSITORY, PROJECT = "demolab", "demolab_local", "demo_project"
SUBJECTS = ("DEMO-001", "DEMO-002")
FIRST_DAY = datetime.datetime(2026, 3, 2, 9, 30)
TYPES = {"trials.table": "Trials of a task, one row each.",
         "wheel.position": "Wheel position (radians).",
         "wheel.timestamps": "Times of wheel samples (seconds)."}
FORMATS = {"csv": ".csv", "npy": ".npy"}


def _trials_csv(rng: np.random.Generator, n_trials: int) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["intervals_0", "intervals_1", "choice", "feedbackType", "contrast"])
    start = 0.0
    for _ in range(n_trials):
        duration = float(rng.uniform(1.0, 3.0))
        writer.writerow([round(start, 4), round(start + duration, 4), int(rng.choice([-1, 1])),
                         int(rng.choice([-1, 1])), float(rng.choice([0.0, 0.25, 1.0]))])
        start += duration + 0.5
    return buffer.getvalue().encode()


def _npy(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array)
    return buffer.getvalue()


def load_demo(*, sessions_per_subject: int = 3) -> User:
    """The demo user and lab with real files, then a Labvanced study imported from a bundled
    export through the importer's `--from-file` path (both once; safe to run again)."""
    user = _load_lab(sessions_per_subject=sessions_per_subject)
    _import_labvanced_sample()
    return user


def _import_labvanced_sample() -> None:
    from importers.labvanced.importer import run
    from importers.models import Connection

    lab = Lab.objects.get(name=LAB)
    repository, _ = DataRepository.objects.get_or_create(name="demolab_labvanced")
    lab.repositories.add(repository)
    connection, created = Connection.objects.get_or_create(
        name="demo-labvanced", defaults={
            "source": "labvanced", "target": "4107", "lab": lab, "repository": repository,
            "base_url": "https://www.labvanced.com",
            "settings": {"study_name": "Speaker Gaze Task"}})
    if created:
        run(connection=connection, from_file=LABVANCED_EXPORT)


@transaction.atomic
def _load_lab(*, sessions_per_subject: int) -> User:
    user, created = User.objects.get_or_create(
        username=DEMO_USERNAME, defaults={"is_staff": True, "is_superuser": True})
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save()
    if Lab.objects.filter(name=LAB).exists():
        return user
    repository = DataRepository.objects.create(name=REPOSITORY, repository_type="local")
    lab = Lab.objects.create(name=LAB, institution="Demo Institute", timezone="Europe/London")
    lab.repositories.add(repository)
    user.labs.add(lab)
    project = Project.objects.create(name=PROJECT, description="Demo sessions with real files.")
    types = {name: DatasetType.objects.get_or_create(
        name=name, defaults={"description": text, "filename_pattern": f"*{name}.*"})[0]
        for name, text in TYPES.items()}
    formats = {name: DataFormat.objects.get_or_create(
        name=name, defaults={"file_extension": extension})[0]
        for name, extension in FORMATS.items()}
    rng = np.random.default_rng(7)
    for index, nickname in enumerate(SUBJECTS):
        subject = Subject.objects.create(nickname=nickname, lab=lab, responsible_user=user,
                                         species="Mus musculus", sex="F",
                                         birth_date=datetime.date(2025, 10, 1))
        subject.projects.add(project)
        for day in range(sessions_per_subject):
            session = Session.objects.create(
                subject=subject, lab=lab, number=1, type="Experiment",
                start_time=FIRST_DAY + datetime.timedelta(days=day, hours=index),
                task_protocol="demo_choiceWorld_1.0", n_trials=40, n_correct_trials=30)
            session.projects.add(project)
            session.users.add(user)
            positions = np.cumsum(rng.normal(0, 0.01, 500))
            files = [
                ("_ibl_trials.table.csv", _trials_csv(rng, 40), "trials.table", "csv"),
                ("_ibl_wheel.position.npy", _npy(positions), "wheel.position", "npy"),
                ("_ibl_wheel.timestamps.npy", _npy(np.arange(500) / 100.0), "wheel.timestamps",
                 "npy"),
            ]
            for name, content, type_name, format_name in files:
                dataset_register_file(
                    session=session, repository=repository, collection="alf", name=name,
                    content=content, dataset_type=types[type_name],
                    data_format=formats[format_name], created_by=user,
                    created_datetime=session.start_time)
    return user

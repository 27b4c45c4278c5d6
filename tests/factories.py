"""Small factories for tests: plain functions that make valid records with real files."""
import datetime
from dataclasses import dataclass, field

from mirror.actions.models import Session
from mirror.data.models import DataFormat, DataRepository, Dataset, DatasetType
from mirror.data.services import dataset_register_file
from mirror.people.models import Lab, User
from mirror.subjects.models import Project, Subject


def make_user(username: str, *, password: str = "a-long-password-1", **fields) -> User:
    user = User.objects.create(username=username, **fields)
    user.set_password(password)
    user.save()
    return user


@dataclass
class World:
    user: User
    lab: Lab
    repository: DataRepository
    project: Project
    subjects: list = field(default_factory=list)
    sessions: list = field(default_factory=list)
    datasets: list = field(default_factory=list)


def make_world(user: User, *, n_subjects: int = 2, sessions_per_subject: int = 2) -> World:
    repository = DataRepository.objects.create(name="testlab_local")
    lab = Lab.objects.create(name="testlab", institution="Test Institute")
    lab.repositories.add(repository)
    project = Project.objects.create(name="test_project")
    dtype = DatasetType.objects.create(name="trials.table", filename_pattern="*trials.table.*")
    fmt = DataFormat.objects.create(name="csv", file_extension=".csv")
    world = World(user=user, lab=lab, repository=repository, project=project)
    for s in range(n_subjects):
        subject = Subject.objects.create(nickname=f"SUBJ{s + 1:02d}", lab=lab,
                                         responsible_user=user)
        subject.projects.add(project)
        world.subjects.append(subject)
        for day in range(sessions_per_subject):
            session = Session.objects.create(
                subject=subject, number=1, task_protocol="choiceWorld_6.4",
                start_time=datetime.datetime(2020, 1, 1 + day, 10 + s, 0), n_trials=100,
                n_correct_trials=80)
            session.projects.add(project)
            session.users.add(user)
            world.sessions.append(session)
            content = f"intervals_0,intervals_1,choice\n0.0,1.5,{s}\n2.0,3.0,{day}\n".encode()
            world.datasets.append(dataset_register_file(
                session=session, repository=repository, collection="alf",
                name="_ibl_trials.table.csv", content=content, dataset_type=dtype,
                data_format=fmt, created_by=user, created_datetime=session.start_time))
    return world


def dataset_without_file(session: Session, name: str = "_ibl_wheel.position.npy") -> Dataset:
    dtype, _ = DatasetType.objects.get_or_create(name="wheel.position")
    fmt, _ = DataFormat.objects.get_or_create(name="npy", defaults={"file_extension": ".npy"})
    return Dataset.objects.create(session=session, name=name, collection="alf",
                                  dataset_type=dtype, data_format=fmt)

"""Small factories for tests: plain functions that make valid records with real files."""
import datetime
import re
from dataclasses import dataclass, field

from mirror.actions.models import Session
from mirror.data.models import DataFormat, DataRepository, Dataset, DatasetType, FileRecord
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


# Single records with defaults for whatever they need; shared parents are made once per test.

def make_lab(name: str, **fields) -> Lab:
    return Lab.objects.create(name=name, **fields)


def make_project(name: str, **fields) -> Project:
    return Project.objects.create(name=name, **fields)


def make_subject(nickname: str, *, lab: Lab | None = None, **fields) -> Subject:
    lab = lab or Lab.objects.get_or_create(name="factory_lab", source="local")[0]
    return Subject.objects.create(nickname=nickname, lab=lab, **fields)


def make_subject_once(nickname: str) -> Subject:
    """The subject `nickname` of the factory lab, made on first use."""
    existing = Subject.objects.filter(nickname=nickname, lab__name="factory_lab").first()
    return existing or make_subject(nickname)


def make_session(*, subject: Subject | None = None, number: int = 1, **fields) -> Session:
    subject = subject or make_subject_once("factory_subject")
    fields.setdefault("start_time", datetime.datetime(2020, 1, 1, 10, 0))
    return Session.objects.create(subject=subject, number=number, **fields)


def make_dataset(name: str, *, session: Session | None = None, collection: str = "alf",
                 **fields) -> Dataset:
    if session is None:
        session = (Session.objects.filter(subject__nickname="factory_subject").first()
                   or make_session())
    fields.setdefault("dataset_type", DatasetType.objects.get_or_create(name="factory.type")[0])
    fields.setdefault("data_format", DataFormat.objects.get_or_create(
        name="npy", defaults={"file_extension": ".npy"})[0])
    return Dataset.objects.create(name=name, session=session, collection=collection, **fields)


def make_file_record(relative_path: str, *, dataset: Dataset | None = None,
                     repository: DataRepository | None = None, **fields) -> FileRecord:
    dataset = dataset or make_dataset(relative_path.rsplit("/", 1)[-1])
    repository = repository or DataRepository.objects.get_or_create(name="factory_repo")[0]
    return FileRecord.objects.create(dataset=dataset, data_repository=repository,
                                     relative_path=relative_path, **fields)


def add_session(world: World, subject: Subject, *, start_time: datetime.datetime,
                number: int = 1, lab: Lab | None = None, **fields) -> Session:
    """One more session in the world's project, run by the world's user."""
    session = Session.objects.create(subject=subject, lab=lab or subject.lab, number=number,
                                     start_time=start_time, **fields)
    session.projects.add(world.project)
    session.users.add(world.user)
    world.sessions.append(session)
    return session


def add_dataset(world: World, session: Session, name: str, content: bytes, *,
                collection: str = "alf") -> Dataset:
    """A real file in the world's repository; type and format follow the ALF name
    (`_ibl_wheel.position.npy` → type `wheel.position`, format `npy`)."""
    stem, extension = name.rsplit(".", 1)
    type_name = re.sub(r"^_[^_]+_", "", stem)  # drop the ALF namespace
    dtype, _ = DatasetType.objects.get_or_create(
        name=type_name, defaults={"filename_pattern": f"*{type_name}.*"})
    fmt, _ = DataFormat.objects.get_or_create(name=extension,
                                              defaults={"file_extension": f".{extension}"})
    dataset = dataset_register_file(
        session=session, repository=world.repository, collection=collection, name=name,
        content=content, dataset_type=dtype, data_format=fmt, created_by=world.user,
        created_datetime=session.start_time)
    world.datasets.append(dataset)
    return dataset

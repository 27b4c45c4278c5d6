"""Reading back what an import left: database rows and files on disk."""
import hashlib
from io import StringIO

from django.core.management import call_command

from mirror.actions.models import Session
from mirror.data.models import Dataset, FileRecord


def mirror_import(*args) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("mirror_import", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def state(repository) -> dict:
    """Everything an import decides, without volatile columns (times of the run)."""
    sessions = {s.source_id: (s.subject.nickname, s.start_time, s.end_time, s.number,
                              s.task_protocol, s.n_trials, s.upstream_deleted_at is not None)
                for s in Session.objects.select_related("subject")}
    datasets = {d.source_id: (d.session.source_id, d.collection, d.name, d.hash, d.file_size)
                for d in Dataset.objects.select_related("session")}
    files = {path.relative_to(repository.directory).as_posix():
             hashlib.md5(path.read_bytes()).hexdigest()
             for path in repository.directory.rglob("*") if path.is_file()}
    return {"sessions": sessions, "datasets": datasets, "files": files,
            "copies": FileRecord.objects.filter(exists=True).count()}


def make_connection(name: str, source: str, *, lab: str, target: str, base_url: str = "",
                    credential: str = "", settings: dict | None = None):
    """A connection into a new lab and its own repository `<lab>_<source>`, as
    `mirror_connection` makes them."""
    from importers.models import Connection
    from mirror.data.models import DataRepository
    from mirror.people.models import Lab

    lab_row = Lab.objects.create(name=lab)
    repository = DataRepository.objects.create(name=f"{lab}_{source}")
    lab_row.repositories.add(repository)
    return Connection.objects.create(name=name, source=source, base_url=base_url,
                                     credential=credential, target=target, lab=lab_row,
                                     repository=repository, settings=settings or {})

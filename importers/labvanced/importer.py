"""`run()`: mirror one Labvanced experiment (REST pull, or a hand-downloaded export)."""
import dataclasses
import datetime
import logging
import tempfile

from django.db.models import Q

from importers.core.batches import (
    SessionUnavailable,
    already_mirrored,
    count_unchanged,
    import_one,
    record_failure,
)
from importers.core.errors import BadSourceData, SourceError
from importers.core.progress import Progress
from importers.core.runs import run_import
from importers.core.writer import Writer
from importers.labvanced import client as api
from importers.labvanced.export import open_export, read_zip
from importers.labvanced.mapping import fingerprint, is_session_id, task_protocol, to_records
from importers.labvanced.parse import parse_local_time
from importers.models import LiveRecording
from mirror.actions.models import Session

logger = logging.getLogger(__name__)


def store(writer: Writer, record) -> Session:
    """One session; its task protocol names the study as its project does (the best name any
    route knows), whichever route this record came from."""
    project = writer.project(record.project)
    record = dataclasses.replace(record, task_protocol=task_protocol(
        writer.project_title(project), record.upstream.get("experiment_version", "")))
    subject = writer.subject(record.subject)
    session = writer.session(record, subject=subject, project=project)
    for item in record.files:
        writer.dataset_file(item, session=session)
    return session


def _listed_sessions(context, listing) -> list[tuple[dict, datetime.datetime | None]]:
    """The listing's sessions that can be fetched: an object with a numeric `rec_session_id`
    (it becomes part of the download URL) and a readable start time; the rest fail, named."""
    if not isinstance(listing, list):
        raise BadSourceData("session listing", f"expected a JSON list, got "
                            f"{type(listing).__name__}: check `sessions_path`")
    usable = []
    for position, item in enumerate(listing):
        rec_id = item.get("rec_session_id") if isinstance(item, dict) else None
        problem = None if is_session_id(rec_id) else \
            f"rec_session_id {str(rec_id)[:40]!r} is not a number of at most 20 digits"
        start = None
        if problem is None:
            try:
                start = parse_local_time(str(item.get("start_time") or ""))
            except ValueError as error:
                problem = str(error)
        if problem:
            record_failure(context, f"listing entry {position + 1}", f"{problem} (skipped)")
            continue
        usable.append((item, start))
    return usable


def _pull(context, writer, connection, *, since, dry_run, stream) -> None:
    client = api.make_client(connection)
    exp_id = str(connection.target)
    raw = api.list_sessions(client, connection)
    listed = _listed_sessions(context, raw)
    chosen = [item for item, start in listed
              if since is None or (start or datetime.datetime.min) >= since]
    if since is not None and not chosen:
        starts = [start for _, start in listed if start is not None]
        newest = f"; the newest of the {len(listed)} listed started {max(starts):%Y-%m-%d %H:%M}" \
            if starts else f"; the listing has {len(listed)} sessions"
        context.counts.note(f"--since {since:%Y-%m-%d %H:%M} matched no session{newest}")
    progress = Progress(total=len(chosen), label=f"{connection.name} sessions", stream=stream)
    for item in chosen:
        unchanged = already_mirrored(connection, f"{exp_id}/{item['rec_session_id']}",
                                     fingerprint(item, {}))
        if unchanged is not None:
            count_unchanged(context.counts, *unchanged)
            progress.step(str(item["rec_session_id"]))
            continue

        def load(item=item):
            with tempfile.TemporaryFile() as handle:
                try:
                    api.download_session(client, connection, item["rec_session_id"], handle)
                except SourceError as error:
                    if error.status in (401, 403):
                        raise  # the credential is bad: every other session would fail too
                    raise SessionUnavailable(str(error)) from None
                handle.seek(0)
                folders = read_zip(f"{item['rec_session_id']}.zip", handle)
            files = next(iter(folders.values()), {})
            return to_records(exp_id=exp_id, files=files, listing=item)

        import_one(context, writer, label=f"session {item['rec_session_id']}", load=load,
                   store=store)
        progress.step(str(item["rec_session_id"]))
    if since is None and not dry_run:
        # Only what a listing or an export brought can go missing from one: a session only the
        # webhook has seen (live, or finished but not listed yet) is not marked deleted.
        webhook_only = Q(live_recording__isnull=False) & \
            ~Q(live_recording__status=LiveRecording.IMPORTED)
        writer.mark_deleted(Session, scope=Q(source_id__startswith=f"{exp_id}/") & ~webhook_only,
                            seen={f"{exp_id}/{item.get('rec_session_id')}" for item in raw
                                  if isinstance(item, dict)})


def _from_file(context, writer, connection, *, path, stream) -> None:
    study_name = (connection.settings or {}).get("study_name")
    with open_export(path) as sessions:
        progress = Progress(total=len(sessions), label=f"{connection.name} export",
                            stream=stream)
        for folder, files in sessions:
            import_one(context, writer, label=folder, store=store,
                       load=lambda files=files: to_records(
                           exp_id=str(connection.target), files=files(), study_name=study_name))
            progress.step(folder)


def _import(context, writer, connection, *, since, from_file, dry_run, stream) -> None:
    if from_file:
        _from_file(context, writer, connection, path=from_file, stream=stream)
    else:
        _pull(context, writer, connection, since=since, dry_run=dry_run, stream=stream)


def run(*, connection, since: datetime.datetime | None = None, dry_run: bool = False,
        from_file=None, stream=None):
    """Import the connection's experiment; returns the finished ImportRun."""
    return run_import(connection, lambda context, writer: _import(
        context, writer, connection, since=since, from_file=from_file, dry_run=dry_run,
        stream=stream), dry_run=dry_run, origin=str(from_file) if from_file else "api")


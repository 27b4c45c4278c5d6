"""The unit of every import: one session in one transaction, skipped when it is unchanged.

A session fails alone (its error is recorded on the run and the import goes on), an unchanged
one is counted as the writer would count it without a request or a write, and the run's
heartbeat follows each one, so a killed import resumes where it stopped.
"""
import logging

from django.db import transaction

from importers.core.counts import Outcome
from importers.core.errors import BadSourceData, FileTooLarge
from mirror.actions.models import Session
from mirror.core.provenance import deterministic_uuid
from mirror.data.paths import UnsafePath

logger = logging.getLogger(__name__)


class SessionUnavailable(Exception):
    """One session's data could not be fetched for good (not the credential): skip it."""


def record_failure(context, label: str, message: str) -> None:
    context.counts.add(Outcome.FAILED, "sessions")
    context.run.error = (context.run.error + "\n" if context.run.error else "") + \
        f"{label}: {message}"


def import_one(context, writer, *, label: str, load, store) -> None:
    """`store(writer, load())` in one transaction: all of the session lands, or none of it."""
    try:
        with transaction.atomic():
            store(writer, load())
    except (BadSourceData, SessionUnavailable, FileTooLarge) as error:
        record_failure(context, label, f"{error} (skipped; the rest of the import went on)")
        logger.error("[%s] %s: %s", writer.connection.name, label, error)
    context.beat()


def already_mirrored(connection, source_id: str, fingerprint: str) -> tuple | None:
    """(the session, its datasets) if it was imported with this fingerprint, is not marked
    deleted, and every file is in place at its size; else None."""
    session = Session.objects.filter(
        pk=deterministic_uuid(connection.source, "session", source_id)).first()
    upstream = ((session.json or {}) if session else {}).get(connection.source) or {}
    if session is None or upstream.get("fingerprint") != fingerprint \
            or session.upstream_deleted_at is not None:
        return None
    datasets = list(session.data_dataset_session_related.prefetch_related(
        "file_records__data_repository"))
    for dataset in datasets:
        copies = [c for c in dataset.file_records.all() if c.exists]
        try:
            path = copies[0].data_repository.file(copies[0].relative_path) if copies else None
        except UnsafePath:
            return None
        if path is None or not path.is_file() or path.stat().st_size != dataset.file_size:
            return None
    return session, datasets


def count_unchanged(counts, session, datasets) -> None:
    """A session skipped as unchanged counts as the writer would have counted it."""
    counts.add(Outcome.UNCHANGED, "sessions", key=session.pk)
    counts.add(Outcome.UNCHANGED, "subjects", key=session.subject_id)
    for project_id in session.projects.values_list("pk", flat=True):
        counts.add(Outcome.UNCHANGED, "projects", key=project_id)
    for user_id in session.users.filter(source=session.source).values_list("pk", flat=True):
        counts.add(Outcome.UNCHANGED, "users", key=user_id)
    for dataset in datasets:
        counts.add(Outcome.UNCHANGED, "datasets", key=dataset.pk)


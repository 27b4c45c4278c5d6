"""The sessions' hot reads, prepared once per process (mirror.core.prepared); keys and times
come back as the API's text."""
from django.db.models import OuterRef, Subquery

from mirror.actions.models import Session
from mirror.core.prepared import UUID, PreparedRead
from mirror.data.selectors import downloadable_copies_first, downloadable_datasets

DETAIL_COLUMNS = ("id", "subject__nickname", "lab__name", "type", "task_protocol", "number",
                  "start_time", "end_time", "narrative", "parent_session_id", "n_correct_trials",
                  "n_trials", "extended_qc", "qc", "auto_datetime", "json", "name", "source",
                  "source_id", "imported_at", "upstream_deleted_at")

session_row = PreparedRead(
    lambda pk: Session.objects.filter(pk=pk).values_list(*DETAIL_COLUMNS), UUID, text=True)

session_users = PreparedRead(
    lambda pk: Session.users.through.objects.filter(session_id=pk).order_by(
        "user__username").values_list("user__username"), UUID, text=True)

session_projects = PreparedRead(
    lambda pk: Session.projects.through.objects.filter(session_id=pk).order_by(
        "project__name").values_list("project__name"), UUID, text=True)


def _session_datasets(pk):
    """A session's downloadable datasets and the preferred copy of each (what `data_url` is
    made from), read by two correlated subqueries."""
    first = downloadable_copies_first(OuterRef("pk"))
    return downloadable_datasets().filter(session_id=pk).order_by(
        "collection", "name", "id").annotate(
        copy_path=Subquery(first.values("relative_path")[:1]),
        copy_root=Subquery(first.values("data_repository__data_url")[:1])).values_list(
        "id", "name", "dataset_type__name", "file_size", "hash", "version", "collection",
        "revision__name", "default_dataset", "qc", "copy_path", "copy_root")


session_datasets = PreparedRead(_session_datasets, UUID, text=True)

"""`run()`: mirror one Labstep workspace (its experiments, with their authors, folders, data
fields, protocols and attachments); incremental: an experiment whose `updated_at` (and
folders) did not change since the last run is neither fetched again nor written."""
import datetime
import logging

from django.db.models import Q

from importers.core.batches import (
    SessionUnavailable,
    already_mirrored,
    count_unchanged,
    import_one,
)
from importers.core.errors import BadSourceData, SourceError
from importers.core.progress import Progress
from importers.core.records import FetchedFile
from importers.core.runs import run_import
from importers.core.writer import Writer
from importers.labstep import client as api
from importers.labstep import mapping
from mirror.actions.models import Session

logger = logging.getLogger(__name__)


def store(writer: Writer, record) -> Session:
    return writer.store(record)


class Workspace:
    """What one run reads once: the workspace, its folders and which experiments each holds."""

    def __init__(self, client, connection):
        self.client, self.connection = client, connection
        user = api.user_info(client, connection)
        active = user.get("group") if isinstance(user.get("group"), dict) else {}
        target = str(connection.target or "").strip() or str(active.get("id") or "")
        if not target:
            raise BadSourceData("user/info", "the key's user has no active workspace: set the "
                                "connection's target to a workspace id")
        self.id = target
        self.info = active if str(active.get("id")) == target else \
            self._workspace(target, active)
        self.folders = list(api.entities(client, connection, "folder", group_id=target))
        self.folders_of: dict[str, list[dict]] = {}
        for folder in self.folders:
            for experiment in api.entities(client, connection, "experiment-workflow",
                                           group_id=target, folder_id=folder.get("id")):
                self.folders_of.setdefault(str(experiment.get("id")), []).append(folder)

    def _workspace(self, target: str, active: dict) -> dict:
        try:
            return api.get_one(self.client, self.connection, "group", target)
        except SourceError as error:
            if error.status != 404:
                raise
            raise BadSourceData(f"workspace {target}", (
                "Labstep has no workspace with this id that the key's user can see: set the "
                f"connection's target to one (`manage.py mirror_connection "
                f"{self.connection.name} --target …`; the user's active workspace is "
                f"{active.get('id')}, {active.get('name')!r})")) from None

    def experiments(self) -> list[dict]:
        return list(api.entities(self.client, self.connection, "experiment-workflow",
                                 group_id=self.id))


def _nested_files(value) -> list[dict]:
    """Every file object inside a protocol's body (its steps, tables, values…)."""
    found = []
    if isinstance(value, dict):
        for key, inner in value.items():
            if key in ("files", "file") and isinstance(inner, (list, dict)):
                found += [f for f in (inner if isinstance(inner, list) else [inner])
                          if isinstance(f, dict) and f.get("id") is not None]
            else:
                found += _nested_files(inner)
    elif isinstance(value, list):
        for inner in value:
            found += _nested_files(inner)
    return found


class ExperimentLoader:
    """Fetches what one changed experiment needs, and builds its record."""

    def __init__(self, workspace: Workspace, context, experiment: dict):
        self.workspace, self.context, self.experiment = workspace, context, experiment
        self.client, self.connection = workspace.client, workspace.connection

    def _fetch(self, what: str, call):
        """A request for this experiment: a refused key stops the run (every experiment would
        fail the same way); anything else skips this experiment alone, with the reason."""
        try:
            return call()
        except SourceError as error:
            api_host = error.url.startswith(self.connection.base_url.rstrip("/"))
            if error.status == 401 or (error.status == 403 and api_host):
                raise
            raise SessionUnavailable(f"{what}: {error}") from None

    def _entry(self) -> dict:
        entry = self.experiment.get("root_experiment")
        if isinstance(entry, dict) and "metadata_thread" in entry:
            return entry
        full = self._fetch("the experiment", lambda: api.get_one(
            self.client, self.connection, "experiment-workflow", self.experiment.get("id")))
        return full.get("root_experiment") if isinstance(full.get("root_experiment"), dict) \
            else {}

    def _data_fields(self, entry: dict) -> list[dict]:
        thread = entry.get("metadata_thread") or {}
        if isinstance(thread.get("metadatas"), list):
            return [f for f in thread["metadatas"] if isinstance(f, dict)]
        if thread.get("id") is None:
            return []
        return self._fetch("its data fields", lambda: list(api.entities(
            self.client, self.connection, "metadata", metadata_thread_id=thread["id"])))

    def _protocols(self) -> list[dict]:
        """The protocols the experiment ran: each run's version (the one it ran), or, for a
        run that names only its protocol, that protocol's last version."""
        runs = self._fetch("its protocols", lambda: list(api.entities(
            self.client, self.connection, "experiment", search=False, is_root=0,
            experiment_workflow_id=self.experiment.get("id"))))
        return [self._protocol(run) for run in runs]

    def _protocol(self, run: dict) -> dict:
        version = run.get("protocol") if isinstance(run.get("protocol"), dict) else {}
        ran = "the version it ran"
        if version.get("id") is None:
            named = run.get("protocol_collection") or run.get("collection") or {}
            if isinstance(named, dict) and named.get("id") is not None:
                collection = self._fetch("its protocol", lambda: api.get_one(
                    self.client, self.connection, "protocol-collection", named["id"]))
                version = collection.get("last_version") or {}
                ran = "the protocol's last version (the run names no version)"
        if version.get("id") is not None:
            version = self._fetch("a protocol version", lambda v=version: api.get_by_path(
                self.client, self.connection, "protocol", v["id"]))
        collection = version.get("collection") or version.get("protocol_collection") or {}
        return {"name": run.get("name") or version.get("name") or collection.get("name"),
                "version": version.get("version"), "kept": ran,
                "protocol_collection": collection.get("id") if isinstance(collection, dict)
                else None, "run": run, "body": version}

    def _attachments(self, entry: dict, protocols: list[dict], fields: list[dict]) -> list:
        files = {}
        for file in [*(entry.get("files") or []), *_nested_files(protocols),
                     *_nested_files(fields)]:
            if isinstance(file, dict) and file.get("id") is not None and not file.get("deleted_at"):
                files.setdefault(str(file["id"]), file)
        attachments = []
        limit = int(api.setting(self.connection, "max_file_bytes"))
        label = f"experiment {self.experiment.get('id')}"
        for file in files.values():
            name = file.get("name")
            if mapping.is_external(file):
                self.context.counts.note(f"{label}: file {name!r} is kept in "
                                         f"{file['link_source']} (outside Labstep): skipped")
                continue
            size = file.get("size")
            if isinstance(size, int) and size > limit:
                self.context.counts.note(
                    f"{label}: file {name!r} is {size:,} bytes, over max_file_bytes "
                    f"({limit:,}): skipped (raise the connection's max_file_bytes to take it)")
                continue
            attachments.append((file, FetchedFile(
                lambda handle, file_id=file["id"], name=name: self._fetch(
                    f"file {name!r}", lambda: api.download_file(
                        self.client, self.connection, file_id, handle)),
                fingerprint=mapping.file_fingerprint(file),
                size=size if isinstance(size, int) else None)))
        return attachments

    def load(self):
        entry = self._entry()
        fields = self._data_fields(entry)
        protocols = self._protocols()
        return mapping.to_record(
            experiment=self.experiment, workspace=self.workspace.info,
            folders=self.workspace.folders_of.get(str(self.experiment.get("id")), []),
            fields=fields, protocols=protocols,
            attachments=self._attachments(entry, protocols, fields),
            subject_field=str(api.setting(self.connection, "subject_field") or ""))


def _started(experiment: dict) -> datetime.datetime | None:
    try:
        return mapping.parse_time(experiment.get("started_at") or experiment.get("created_at"))
    except BadSourceData:
        return None


def _pull(context, writer, connection, *, since, dry_run, stream) -> None:
    client = api.make_client(connection)
    workspace = Workspace(client, connection)
    listed = workspace.experiments()
    live = [e for e in listed if not e.get("deleted_at")]
    chosen = [e for e in live if since is None or (_started(e) or datetime.datetime.min) >= since]
    if since is not None and not chosen:
        context.counts.note(f"--since {since:%Y-%m-%d %H:%M} matched none of the "
                            f"{len(live)} experiments")
    progress = Progress(total=len(chosen), label=f"{connection.name} experiments", stream=stream)
    for experiment in chosen:
        exp_id = str(experiment.get("id"))
        folders = [f.get("id") for f in workspace.folders_of.get(exp_id, [])]
        unchanged = already_mirrored(connection, mapping.experiment_key(workspace.id, exp_id),
                                     mapping.fingerprint(experiment, folders))
        if unchanged is not None:
            count_unchanged(context.counts, *unchanged)
        else:
            loader = ExperimentLoader(workspace, context, experiment)
            import_one(context, writer, label=f"experiment {exp_id}", load=loader.load,
                       store=store)
        progress.step(exp_id)
    if since is None and not dry_run:
        # Soft-deleted upstream (or gone from the workspace): marked, never deleted here.
        writer.mark_deleted(Session, scope=Q(source_id__startswith=f"{workspace.id}/"),
                            seen={mapping.experiment_key(workspace.id, e.get("id"))
                                  for e in live})


def run(*, connection, since: datetime.datetime | None = None, dry_run: bool = False,
        from_file=None, stream=None):
    """Import the connection's workspace; returns the finished ImportRun."""
    if from_file:
        raise BadSourceData(str(from_file), "Labstep has no export files to import: run "
                            "without --from-file")
    return run_import(connection, lambda context, writer: _pull(
        context, writer, connection, since=since, dry_run=dry_run, stream=stream),
        dry_run=dry_run)

"""Labstep JSON → the importer's records (pure: no HTTP, no database).

- An experiment (`experiment-workflow`) is a session; its author a user; its folders projects
  (the workspace itself when it is in none); its tags `json.labstep.tags`.
- Labstep has no subjects: a session's subject is the value of the data field named by the
  connection's `subject_field` setting when the entry has one, else one subject per workspace.
- Its files become datasets: the entry's data fields as one table, the protocols it ran as
  one JSON document, every attachment as a raw file (fetched once, by the writer).
"""
import csv
import hashlib
import io
import json
import re

from importers.core.errors import BadSourceData
from importers.core.records import (
    DatasetFile,
    FetchedFile,
    ProjectRecord,
    SessionRecord,
    SubjectRecord,
    UserRecord,
)
from importers.core.times import parse_time
from mirror.data.paths import safe_component

ALF, RAW = "alf", "raw_labstep_data"
DATA_FIELDS = "_labstep_datafields.table.csv"
PROTOCOLS = "_labstep_protocols.body.json"
DATA_FIELD_COLUMNS = ("name", "type", "value", "unit", "when")


def fingerprint(experiment: dict, folder_ids) -> str:
    """What tells a changed experiment from an unchanged one without fetching more of it:
    Labstep bumps `updated_at` on an edit (and a soft delete or restore); the entry's files
    are in the listing too, and a file's bytes can change without the experiment's time."""
    entry = experiment.get("root_experiment") if isinstance(
        experiment.get("root_experiment"), dict) else {}
    files = sorted(file_fingerprint(f) for f in entry.get("files") or [] if isinstance(f, dict))
    parts = [experiment.get("updated_at"), experiment.get("deleted_at"),
             sorted(str(f) for f in folder_ids), files]
    return hashlib.sha1(json.dumps(parts, default=str).encode()).hexdigest()


def experiment_key(workspace_id, experiment_id) -> str:
    """A session's source id: `<workspace id>/<experiment id>`."""
    return f"{workspace_id}/{experiment_id}"


def workspace_project(workspace: dict) -> ProjectRecord:
    name = str(workspace.get("name") or f"workspace {workspace.get('id')}")
    return ProjectRecord(source_id=f"group/{workspace.get('id')}",
                         name=f"{name} ({workspace.get('id')})", title=name,
                         description=f"Labstep workspace {workspace.get('id')}")


def folder_project(folder: dict) -> ProjectRecord:
    name = str(folder.get("name") or f"folder {folder.get('id')}")
    return ProjectRecord(source_id=f"folder/{folder.get('id')}",
                         name=f"{name} ({folder.get('id')})", title=name,
                         description=f"Labstep folder {folder.get('id')}")


def author_user(author: dict) -> UserRecord | None:
    if not isinstance(author, dict) or author.get("id") is None:
        return None
    username = author.get("username") or author.get("email") or author.get("name") or ""
    return UserRecord(source_id=str(author["id"]), username=str(username),
                      first_name=str(author.get("first_name") or ""),
                      last_name=str(author.get("last_name") or ""),
                      email=str(author.get("email") or ""))


def data_field_value(field: dict) -> str:
    """A data field's value as text, by its type (the SDK's getDataFieldValue)."""
    kind = field.get("type")
    if kind == "numeric":
        value = field.get("number")
    elif kind in ("date", "datetime"):
        value = field.get("date")
    elif kind == "options":
        options = field.get("options") or {}
        chosen = [name for name, on in (options.get("values") or {}).items() if on]
        value = "; ".join(chosen) if chosen else None
    elif kind == "file":
        value = "; ".join(str(f.get("name")) for f in field.get("files") or []
                          if isinstance(f, dict)) or None
    else:
        value = field.get("value")
    if isinstance(value, (dict, list)):
        return json.dumps(value, sort_keys=True)
    return "" if value is None else str(value)


def data_fields_table(fields: list[dict]) -> bytes:
    """One row a field: name, type, value, unit, when (its last change, as given)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(DATA_FIELD_COLUMNS)
    for field in sorted(fields, key=lambda f: (str(f.get("label") or ""), str(f.get("id")))):
        writer.writerow([field.get("label") or "", field.get("type") or "",
                         data_field_value(field), field.get("unit") or "",
                         field.get("updated_at") or field.get("created_at") or ""])
    return out.getvalue().encode()


def subject_for(workspace: dict, fields: list[dict], subject_field: str) -> SubjectRecord:
    """The data field `subject_field`'s value, else the workspace's one subject."""
    ws = workspace.get("id")
    if subject_field:
        for field in fields:
            value = data_field_value(field).strip()
            if str(field.get("label") or "").strip().lower() == subject_field.lower() and value:
                key = value if len(value) <= 200 else \
                    "sha1-" + hashlib.sha1(value.encode()).hexdigest()
                return SubjectRecord(source_id=f"{ws}/field/{key}",
                                     nickname=safe_component(value, prefix="LS-"),
                                     description=f"Labstep {subject_field} {value}")
    name = str(workspace.get("name") or ws)
    return SubjectRecord(source_id=f"{ws}/workspace",
                         nickname=safe_component(name, prefix="LS-"),
                         description=f"Labstep workspace {name} (Labstep has no subjects)")


def attachment_name(file: dict) -> tuple[str, str]:
    """`_labstep_attachment.<stem>_<id>.<ext>`: letters and digits of the upstream name (a
    name cannot place the file), with its id (two files may share a name)."""
    stem, _, extension = str(file.get("name") or "").rpartition(".")
    stem = re.sub(r"[^A-Za-z0-9]", "", stem or str(file.get("name") or ""), flags=re.ASCII)
    extension = re.sub(r"[^A-Za-z0-9]", "", extension if stem else "", flags=re.ASCII)[:16]
    file_id = re.sub(r"[^A-Za-z0-9]", "", str(file.get("id")), flags=re.ASCII)[:24]
    attribute = safe_component(f"{stem[:40] or 'file'}_{file_id}")
    return f"_labstep_attachment.{attribute}.{extension.lower() or 'bin'}", extension.lower()


def is_external(file: dict) -> bool:
    """A file kept in an outside cloud (Google Drive, OneDrive…): Labstep cannot serve it."""
    return bool(file.get("link_source"))


def file_fingerprint(file: dict) -> str:
    return json.dumps([file.get("id"), file.get("size"), file.get("updated_at"),
                       file.get("path")], default=str)


def task_protocol(protocols: list[dict]) -> str:
    """The protocols an experiment ran, as Labstep names their versions (`name v<n>`, counted
    from 1; upstream's `version` counts from 0), joined by `; `."""
    named = []
    for protocol in protocols:
        name = protocol.get("name") or "protocol"
        version = protocol.get("version")
        named.append(f"{name} v{version + 1}" if isinstance(version, int) else str(name))
    return "; ".join(dict.fromkeys(named))


def protocols_document(protocols: list[dict]) -> bytes:
    return json.dumps(protocols, indent=1, sort_keys=True, default=str).encode()


def to_record(*, experiment: dict, workspace: dict, folders: list[dict], fields: list[dict],
              protocols: list[dict], attachments: list[tuple[dict, FetchedFile]],
              subject_field: str = "") -> SessionRecord:
    """One experiment as a session; `attachments` pairs each downloadable file with how the
    writer fetches it (external files are left out by the caller, and noted)."""
    exp_id = experiment.get("id")
    start = parse_time(experiment.get("started_at") or experiment.get("created_at"),
                       f"experiment {exp_id} started_at")
    if start is None:
        raise BadSourceData(f"experiment {exp_id}", "has neither started_at nor created_at")
    projects = [folder_project(f) for f in folders] or [workspace_project(workspace)]
    files = [DatasetFile(ALF, DATA_FIELDS, "datafields.table", "csv", data_fields_table(fields)),
             DatasetFile(ALF, PROTOCOLS, "protocols.body", "json",
                         protocols_document(protocols))]
    for file, fetched in attachments:
        name, extension = attachment_name(file)
        files.append(DatasetFile(RAW, name, "attachment.raw", extension or "bin", fetched))
    user = author_user(experiment.get("author"))
    tags = sorted({str(t.get("name")) for t in experiment.get("tags") or []
                   if isinstance(t, dict) and t.get("name")})
    return SessionRecord(
        source_id=experiment_key(workspace.get("id"), exp_id),
        subject=subject_for(workspace, fields, subject_field),
        project=projects[0], also_projects=tuple(projects[1:]), start_time=start,
        end_time=parse_time(experiment.get("ended_at"), f"experiment {exp_id} ended_at"),
        number=1, task_protocol=task_protocol(protocols), type="Experiment",
        name=str(experiment.get("name") or ""),
        users=(user,) if user else (),
        upstream={"id": exp_id, "guid": experiment.get("guid"),
                  "name": experiment.get("name"), "workspace": workspace.get("id"),
                  "tags": tags, "updated_at": experiment.get("updated_at"),
                  "fingerprint": fingerprint(experiment, [f.get("id") for f in folders])},
        files=tuple(files))

"""The fake Labstep's data: entity rows under their wire names, list filters, edits, JSON views.

A row is the entity's own JSON fields plus private `_` keys holding relations by id (`_author`,
`_root`, `_files`, `_tags`, ...). `view()` builds the JSON the API answers from the current rows on
every call, so an edit anywhere shows in every embedding (a file's new size inside
`root_experiment.files`). Filters are the ones the SDK sends (reference B.2); a query parameter an
entity does not know is ignored, as a real API does: a client that trusts an invented filter such
as `updated_at_from` silently gets everything.
"""
import threading
import uuid
from datetime import datetime, timezone

from tests.fakes.content import Content

TS_FORMAT = "%Y-%m-%dT%H:%M:%S+00:00"
ENTITIES = ("user", "group", "folder", "tag", "experiment-workflow", "experiment",
            "protocol-collection", "protocol", "protocol-table", "metadata", "file")
_GUIDS = uuid.UUID("6f1c2a44-0b1e-4c55-9d7e-7a1ab5e0c0de")

# list filter -> the row attribute (scalar or list of ids) it must contain.
FILTERS = {
    "experiment-workflow": {"group_id": "_group", "folder_id": "_folders", "tag_id": "_tags"},
    "protocol-collection": {"group_id": "_group", "folder_id": "_folders", "tag_id": "_tags"},
    "experiment": {"experiment_workflow_id": "_workflow", "is_root": "is_root"},
    "protocol": {"protocol_collection_id": "_collection"},
    "protocol-table": {"protocol_id": "_protocol", "experiment_id": "_experiment"},
    "metadata": {"metadata_thread_id": "_thread"},
    "file": {"group_id": "_group", "extension": "_extension"},
    "folder": {"group_id": "_group", "type": "type"},
    "tag": {"group_id": "_group", "type": "type"},
    "user": {"group_id": "_groups"},
    "group": {},
}
# list filter naming a parent -> (parent entity, the parent's list of ids of this entity).
REVERSE_FILTERS = {
    ("folder", "experiment_workflow_id"): ("experiment-workflow", "_folders"),
    ("folder", "protocol_collection_id"): ("protocol-collection", "_folders"),
    ("tag", "experiment_workflow_id"): ("experiment-workflow", "_tags"),
    ("tag", "protocol_collection_id"): ("protocol-collection", "_tags"),
}
SEARCH_FIELD = {"metadata": "label"}
# Lists run newest first, except the parts of one document, which keep their creation order.
OLDEST_FIRST = {"metadata", "protocol-table", "experiment"}
FIXED_FIELDS = {"id", "guid", "created_at", "updated_at"}


def format_ts(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime(TS_FORMAT)


def parse_ts(text: str) -> datetime:
    """Either offset spelling (`+00:00` now, `+0000` in old data) or a bare `YYYY-MM-DD`."""
    for fmt in ("%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%d %H:%M:%S%z", "%Y-%m-%d"):
        try:
            moment = datetime.strptime(text, fmt)
        except (TypeError, ValueError):
            continue
        return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
    raise ValueError(f"not a timestamp: {text!r}")


def flag(value) -> str:
    """Query-string booleans as the SDK sends them ("true"/"false", 1/0) -> "1"/"0"."""
    text = str(value).lower()
    return {"true": "1", "false": "0"}.get(text, text)


def public(row: dict) -> dict:
    return {k: v for k, v in row.items() if not k.startswith("_")}


class LabstepStore:
    """Every entity the fake serves; one re-entrant lock because handlers run in threads."""

    def __init__(self, clock=None):
        self.rows: dict[str, dict[int, dict]] = {name: {} for name in ENTITIES}
        self.contents: dict[int, list[Content]] = {}  # file id -> its versions, newest last
        self.user_id = 0
        self.active_group_id = 0
        self.clock = clock or (lambda: datetime.now(timezone.utc))
        self.lock = threading.RLock()

    def now(self) -> str:
        return format_ts(self.clock())

    # Rows.
    def add(self, entity: str, row: dict) -> dict:
        row.setdefault("guid", str(uuid.uuid5(_GUIDS, f"{entity}:{row['id']}")))
        row.setdefault("deleted_at", None)
        with self.lock:
            self.rows[entity][row["id"]] = row
        return row

    def next_id(self, entity: str, floor: int = 1) -> int:
        with self.lock:
            return max([floor - 1, *self.rows[entity]]) + 1

    def find(self, entity: str, value, *, by: str = "id") -> dict | None:
        """The row, deleted or not; `by` is "id" or "guid"."""
        table = self.rows.get(entity, {})
        if by == "id":
            try:
                return table.get(int(value))
            except (TypeError, ValueError):
                return None
        return next((row for row in table.values() if row["guid"] == value), None)

    def row(self, entity: str, row_id: int) -> dict:
        found = self.find(entity, row_id)
        if found is None:
            raise KeyError(f"no {entity} {row_id} in the fake Labstep")
        return found

    def edit(self, entity: str, row: dict, fields: dict) -> dict:
        """Set the JSON fields given (unknown or fixed ones are ignored); bump updated_at only
        when something changed, as a server comparing before and after would."""
        with self.lock:
            changed = {k: v for k, v in fields.items()
                       if k in row and not k.startswith("_") and k not in FIXED_FIELDS
                       and row[k] != v}
            if changed:
                row.update(changed)
                if "updated_at" in row:
                    row["updated_at"] = self.now()
        return row

    def set_content(self, file_id: int, content: Content) -> None:
        with self.lock:
            self.contents.setdefault(file_id, []).append(content)

    def content(self, file_id: int) -> Content:
        with self.lock:
            return self.contents[file_id][-1]

    # Lists.
    def query(self, entity: str, params: dict[str, str]) -> list[dict]:
        """Rows matching the list filters in `params` in list order (`OLDEST_FIRST`, else newest
        id first); ValueError on a bad filter value."""
        deleted = params.get("is_deleted", "0")
        if flag(deleted) not in ("0", "1", "both"):
            raise ValueError(f"is_deleted must be 0, 1 or both, not {deleted!r}")
        tests = [self.deleted_test(deleted)]
        for name, value in params.items():
            tests += self._filter_tests(entity, name, value)
        with self.lock:
            rows = [row for row in self.rows[entity].values() if all(t(row) for t in tests)]
        return sorted(rows, key=lambda r: r["id"], reverse=entity not in OLDEST_FIRST)

    @staticmethod
    def deleted_test(mode: str = "0"):
        """`is_deleted`: 0 (the default) live rows only, 1 soft-deleted only, both: all."""
        if flag(mode) == "both":
            return lambda row: True
        wanted = flag(mode) == "1"
        return lambda row: (row.get("deleted_at") is not None) == wanted

    def _filter_tests(self, entity: str, name: str, value: str) -> list:
        if (entity, name) in REVERSE_FILTERS:
            parent_entity, attribute = REVERSE_FILTERS[(entity, name)]
            members = set((self.find(parent_entity, value) or {}).get(attribute, ()))
            return [lambda row: row["id"] in members]
        if name in FILTERS[entity]:
            attribute = FILTERS[entity][name]
            return [lambda row: flag(value) in _as_texts(row.get(attribute))]
        if name == "search_query" or (entity == "group" and name == "name"):
            needle = value.lower()
            return [lambda row: needle in self.search_text(entity, row)]
        if name in ("created_at_from", "created_at_to"):
            bound = parse_ts(value)
            if name.endswith("from"):
                return [lambda row: parse_ts(row["created_at"]) >= bound]
            return [lambda row: parse_ts(row["created_at"]) <= bound]
        return []

    def search_text(self, entity: str, row: dict) -> str:
        """What `search_query` looks in: the name (label), and an experiment's entry text."""
        text = str(row.get(SEARCH_FIELD.get(entity, "name")) or "")
        if entity == "experiment-workflow":
            text += " " + " ".join(_texts(self.row("experiment", row["_root"]).get("state")))
        return text.lower()

    # JSON views.
    def view(self, entity: str, row: dict) -> dict:
        with self.lock:
            out = public(row)
            extra = getattr(self, f"_view_{entity.replace('-', '_')}", None)
            if extra is not None:
                out.update(extra(row))
            return out

    def views(self, entity: str, ids) -> list[dict]:
        """Embedded lists leave soft-deleted members out."""
        rows = [self.row(entity, i) for i in ids]
        return [self.view(entity, r) for r in rows if r.get("deleted_at") is None]

    def summary(self, entity: str, row_id: int | None, *fields: str) -> dict | None:
        if row_id is None:
            return None
        row = self.row(entity, row_id)
        return {k: row.get(k) for k in ("id", "guid", *fields)}

    def user_info(self) -> dict:
        group = self.view("group", self.row("group", self.active_group_id))
        return {**self.view("user", self.row("user", self.user_id)), "group": group}

    def _author(self, row: dict) -> dict:
        return {"author": self.summary("user", row["_author"], "name", "first_name",
                                       "last_name", "username", "email")}

    def _view_experiment_workflow(self, row: dict) -> dict:
        return {**self._author(row),
                "root_experiment": self.view("experiment", self.row("experiment", row["_root"])),
                "tags": [self.summary("tag", t, "name", "type") for t in row["_tags"]]}

    def _view_experiment(self, row: dict) -> dict:
        return {"experiment_workflow": self.summary("experiment-workflow", row["_workflow"],
                                                    "name"),
                "protocol": self.summary("protocol", row.get("_protocol"), "name", "version"),
                "files": self.views("file", row["_files"])}

    def _view_protocol_collection(self, row: dict) -> dict:
        draft = row.get("_draft")
        return {**self._author(row),
                "last_version": self.view("protocol", self.row("protocol", row["_last"])),
                "draft_version": None if draft is None
                else self.view("protocol", self.row("protocol", draft)),
                "tags": [self.summary("tag", t, "name", "type") for t in row["_tags"]]}

    def _view_protocol(self, row: dict) -> dict:
        return {**self._author(row),
                "protocol_collection": self.summary("protocol-collection", row["_collection"],
                                                    "name"),
                "files": self.views("file", row["_files"])}

    def _view_metadata(self, row: dict) -> dict:
        return {"files": self.views("file", row["_files"])}

    def _view_folder(self, row: dict) -> dict:
        return {"group": self.summary("group", row["_group"], "name")}

    _view_tag = _view_folder


def _as_texts(value) -> set[str]:
    values = value if isinstance(value, list | set | tuple) else [value]
    return {flag(v) if isinstance(v, bool) else str(v) for v in values}


def _texts(node) -> list[str]:
    """The `text` leaves of a ProseMirror document."""
    if isinstance(node, dict):
        return ([node["text"]] if isinstance(node.get("text"), str) else []) + \
            [t for child in node.get("content", []) for t in _texts(child)]
    return []

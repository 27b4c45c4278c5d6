"""Outcome counters of an import: what was done, not what was attempted, per kind of record.

The five totals fill ImportRun's columns; `by_kind` (ImportRun.counts) says of what: a first
import's "29 created, 5 unchanged" reads "sessions 5 created; subjects 3 created, 2 unchanged;
…", and the files written and their bytes are counted apart from the records.
"""
from dataclasses import dataclass, field
from enum import Enum

# The order kinds are told in; a source may add others, which follow.
KINDS = ("sessions", "subjects", "projects", "users", "datasets")
TOTALS = ("created", "updated", "unchanged", "deleted", "failed")
WORDS = {"deleted": "marked deleted upstream"}


class Outcome(Enum):
    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    DELETED = "deleted"  # marked deleted upstream
    FAILED = "failed"


@dataclass
class Counts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0
    failed: int = 0
    kinds: dict[str, dict[str, int]] = field(default_factory=dict)
    files_written: int = 0
    bytes_written: int = 0
    notes: list[str] = field(default_factory=list)
    _counted: set = field(default_factory=set, repr=False)

    def add(self, outcome: Outcome, kind: str = "records", count: int = 1, *,
            key=None) -> Outcome:
        """Count `count` records of `kind`; a record given by `key` counts once a run (a
        study's project is met again with each of its sessions)."""
        if key is not None:
            if (kind, key) in self._counted:
                return outcome
            self._counted.add((kind, key))
        setattr(self, outcome.value, getattr(self, outcome.value) + count)
        per_kind = self.kinds.setdefault(kind, {})
        per_kind[outcome.value] = per_kind.get(outcome.value, 0) + count
        return outcome

    def wrote_file(self, size: int) -> None:
        self.files_written += 1
        self.bytes_written += size

    def note(self, text: str) -> None:
        """Something the summary must say that no count shows (e.g. --since matched nothing)."""
        self.notes.append(text)

    def as_dict(self) -> dict[str, int]:
        """The totals, ImportRun's columns."""
        return {name: getattr(self, name) for name in TOTALS}

    def by_kind(self) -> dict:
        """What ImportRun.counts keeps: outcomes per kind, the files written, the notes."""
        return {"kinds": self.kinds, "files": {"written": self.files_written,
                                               "bytes": self.bytes_written},
                "notes": self.notes}

    def summary(self) -> str:
        return summary_of(self.by_kind())


def summary_of(counts: dict) -> str:
    """One line of what a run did, from ImportRun.counts (or Counts.by_kind())."""
    kinds = counts.get("kinds") or {}
    parts = []
    for kind in [*[k for k in KINDS if k in kinds], *sorted(set(kinds) - set(KINDS))]:
        told = [f"{kinds[kind][outcome]} {WORDS.get(outcome, outcome)}"
                for outcome in TOTALS if kinds[kind].get(outcome)]
        if told:
            parts.append(f"{kind} {', '.join(told)}")
    files = counts.get("files") or {}
    if files.get("written"):
        parts.append(f"files {files['written']} written ({human_bytes(files['bytes'])})")
    elif parts:
        parts.append("no file written")
    return "; ".join([*(parts or ["nothing imported"]), *(counts.get("notes") or [])])


def human_bytes(size: int) -> str:
    for unit in ("bytes", "KB", "MB", "GB"):
        if size < 1000 or unit == "GB":
            return f"{size} {unit}" if unit == "bytes" else f"{size:.1f} {unit}"
        size /= 1000
    raise AssertionError("unreachable")

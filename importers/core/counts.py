"""Outcome counters of an import: what was done, not what was attempted."""
from dataclasses import dataclass, fields
from enum import Enum


class Outcome(Enum):
    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"


@dataclass
class Counts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0
    failed: int = 0

    def add(self, outcome: Outcome) -> Outcome:
        setattr(self, outcome.value, getattr(self, outcome.value) + 1)
        return outcome

    def as_dict(self) -> dict[str, int]:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    def summary(self) -> str:
        return ", ".join(f"{value} {name}" for name, value in self.as_dict().items())

"""The tail of a table that syncs append to: the keys of its records that a sync may read again.

A sync asks for records from the last watermark less the overlap, so it reads again records
its tables hold. Each table's tail (importers.models.TableTail) holds the keys of its records
stamped at or after `since` (the newest record time known when it was written, less the
overlap) and of those without a time. When a sync starts at or after `since`, a record it
reads is new exactly when its key is not in the tail: the table is never read to find out,
and appending copies its bytes. A sync that starts earlier (`--since`, a longer overlap than
before) reads the table through instead, and writes a tail that covers it again.
"""
from dataclasses import dataclass

from importers.models import TableTail


@dataclass(frozen=True)
class Tail:
    since: str  # ISO 8601 UTC (tables.iso_utc), compared as text
    keys: dict[str, str]  # record key → its time ("" for none)

    def covers(self, start: str) -> bool:
        """Whether every record of the table a read from `start` on can meet is in `keys`."""
        return self.since <= start

    def extended(self, keys: dict[str, str], since: str) -> "Tail":
        """This tail with `keys` added, cut to records stamped at or after `since`."""
        merged = {**self.keys, **keys}
        return Tail(since, {key: time for key, time in merged.items()
                            if time == "" or time >= since})


def load(dataset_ids) -> dict:
    """The stored tails of these datasets (one query), by dataset id."""
    return {tail.dataset_id: Tail(tail.since, tail.keys or {})
            for tail in TableTail.objects.filter(dataset_id__in=list(dataset_ids))}


def save(tails: dict) -> None:
    """Store these tails (dataset id → Tail) in place of the ones the datasets had."""
    if not tails:
        return
    TableTail.objects.filter(dataset_id__in=list(tails)).delete()
    TableTail.objects.bulk_create(TableTail(dataset_id=dataset_id, since=tail.since,
                                            keys=tail.keys)
                                  for dataset_id, tail in tails.items())

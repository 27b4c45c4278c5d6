"""One CSV dialect and one time format for the Labvanced fake, its fixtures and its generator.

Labvanced exports quote text and leave numbers bare (`"E6",1,239842,...`); empty cells are bare.
Times use the player's `pgFormatDate` shape: local time with the offset cut to hours (`+02`), or
`+05:30` off the whole hour. Sharing these helpers keeps every file the fake serves in one dialect.
"""
import csv
import io
import re
from collections.abc import Iterable
from datetime import datetime, timedelta

BOM = "\ufeff"
PG_TIME = re.compile(r"^(\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2})([+-]\d{2}(?::\d{2})?)$")
_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")


def csv_line(values: Iterable[object]) -> str:
    """One CSV line as Labvanced writes it: text quoted, numbers and empty cells bare."""
    cells = []
    for value in values:
        if value is None or value == "":
            cells.append("")
        elif isinstance(value, bool):
            cells.append("true" if value else "false")
        elif isinstance(value, int | float) or _NUMBER.match(str(value)):
            cells.append(str(value))
        else:
            cells.append('"' + str(value).replace('"', '""') + '"')
    return ",".join(cells) + "\n"


def read_rows(text: str) -> tuple[list[str], list[list[str]]]:
    """Header and rows of a CSV text; a leading BOM is dropped (callers that rewrite keep it)."""
    rows = list(csv.reader(io.StringIO(text.removeprefix(BOM))))
    return rows[0], rows[1:]


def column(header: list[str], name: str) -> int:
    """Index of a column matched case-insensitively, as the importer must (casing varies)."""
    wanted = name.lower()
    for index, cell in enumerate(header):
        if cell.lower() == wanted:
            return index
    raise KeyError(name)


def shift_pg_time(value: str, *, minutes: int) -> str:
    """Move a `YYYY-MM-DD HH:MM:SS+HH` time by some minutes, keeping its offset text as written."""
    match = PG_TIME.match(value)
    if not match:
        raise ValueError(f"not a Labvanced pg time: {value!r}")
    moved = datetime.strptime(match[1], "%Y-%m-%d %H:%M:%S") + timedelta(minutes=minutes)
    return moved.strftime("%Y-%m-%d %H:%M:%S") + match[2]

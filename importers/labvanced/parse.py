"""Reading Labvanced's CSV exports as they really are (pure: bytes in, rows out).

Quirks handled: a UTF-8 BOM, column names in either casing, empty cells, quoted cells with commas
and doubled quotes, local times with `+HH` or `+HH:MM` offsets, and time-series rows that spread an
array value over more fields than the header has (every value is kept). A malformed file raises
BadSourceData naming the file and line.
"""
import csv
import datetime
import io
import re
from dataclasses import dataclass

from importers.core.errors import BadSourceData

TIME = re.compile(r"^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})(\.\d+)?\s*"
                  r"(Z|[+-]\d{2}(:?\d{2})?)?$")


@dataclass(frozen=True)
class Table:
    name: str
    header: list[str]
    rows: list[list[str]]

    def index(self, column: str) -> int | None:
        wanted = column.casefold()
        for position, name in enumerate(self.header):
            if name.casefold() == wanted:
                return position
        return None

    def value(self, row: list[str], column: str, default: str = "") -> str:
        position = self.index(column)
        if position is None or position >= len(row):
            return default
        return row[position]

    def records(self) -> list[dict[str, str]]:
        return [dict(zip(self.header, row, strict=False)) for row in self.rows]


def decode(name: str, data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise BadSourceData(name, f"not UTF-8 text ({error.reason} at byte {error.start})") \
            from None


def read_table(name: str, data: bytes, *, ragged: bool = False) -> Table:
    """Parse a CSV strictly; `ragged` allows rows longer than the header (time series)."""
    reader = csv.reader(io.StringIO(decode(name, data), newline=""), strict=True)
    try:
        header = next(reader, None)
        if not header:
            raise BadSourceData(name, "empty file (no header row)", 1)
        rows = []
        for row in reader:
            if not row:
                continue
            if len(row) < len(header) or (len(row) > len(header) and not ragged):
                raise BadSourceData(name, f"{len(row)} fields where the header has "
                                    f"{len(header)}", reader.line_num)
            rows.append(row)
    except csv.Error as error:
        raise BadSourceData(name, f"malformed CSV ({error})", reader.line_num) from None
    return Table(name, [column.strip() for column in header], rows)


def parse_local_time(text: str) -> datetime.datetime | None:
    """'2021-06-17 12:03:14+02' → 2021-06-17 12:03:14: the participant's wall-clock time."""
    text = (text or "").strip()
    if not text or text.lower() in {"null", "none"}:
        return None
    match = TIME.match(text)
    if not match:
        raise ValueError(f"'{text}' is not a Labvanced time (YYYY-MM-DD HH:MM:SS+HH)")
    day, clock, fraction = match.group(1), match.group(2), match.group(3) or ""
    return datetime.datetime.fromisoformat(f"{day}T{clock}{fraction}")


def time_offset(text: str) -> str:
    """The UTC offset as written ('+02', '+05:30'), or '' when there is none."""
    match = TIME.match((text or "").strip())
    return (match.group(4) or "") if match else ""


def write_table(header: list[str], rows) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode()


def normalise_timeseries(table: Table) -> bytes:
    """The long time series with one `values` cell per row: arrays become a JSON list."""
    width = len(table.header)
    rows = []
    for row in table.rows:
        extra = row[width - 1:]
        cell = extra[0] if len(extra) == 1 else "[" + ",".join(v or "null" for v in extra) + "]"
        rows.append([*row[:width - 1], cell])
    return write_table(table.header, rows)

"""The fake Labvanced's data: fixture files on disk plus the upstream changes a test asks for.

Files are read from disk per request (never all held in memory) so the same store serves the
5-session fixture and a generated 1000-session benchmark study. Test-driven mutations (deleted,
changed, malformed sessions) are overlays applied at read time; the fixture files never change.
Layout read: `<root>/<exp_id>/sessions.json` (the session list) and
`<root>/<exp_id>/sessions/<rec_session_id>/*.csv` (the files of that session's zip).
"""
import io
import json
import threading
import zipfile
from pathlib import Path

from tests.fakes.labvanced_csv import BOM, column, csv_line, read_rows, shift_pg_time

DEFAULT_FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "labvanced"
ZIP_ORDER = ("sessions.csv", "trials.csv")
SHORT_ROW = '"broken row",1\n'


class StudyStore:
    """Experiments and sessions the fake serves; thread-safe because handlers run in threads."""

    def __init__(self, root: Path | str = DEFAULT_FIXTURES):
        self.root = Path(root)
        self._lists: dict[int, list[dict]] = {}
        for path in sorted(self.root.glob("*/sessions.json")):
            self._lists[int(path.parent.name)] = json.loads(path.read_text(encoding="utf-8"))
        self._index = {s["rec_session_id"]: (exp_id, s)
                       for exp_id, sessions in self._lists.items() for s in sessions}
        if not self._lists:
            raise FileNotFoundError(f"no <exp_id>/sessions.json under {self.root}; see README.md")
        self._lock = threading.Lock()
        self.deleted: set[int] = set()
        self.malformed: dict[int, str] = {}
        self.changes: dict[int, list[str]] = {}

    def experiments(self) -> list[int]:
        return sorted(self._lists)

    def sessions(self, exp_id: int) -> list[dict] | None:
        """The session list as upstream shows it now, or None for an unknown experiment."""
        if exp_id not in self._lists:
            return None
        with self._lock:
            return [self._current(s) for s in self._lists[exp_id]
                    if s["rec_session_id"] not in self.deleted]

    def session(self, exp_id: int, rec_id: int) -> dict | None:
        """The listed session, or None if unknown, deleted, or in another experiment."""
        owner, session = self._index.get(rec_id, (None, None))
        with self._lock:
            if owner != exp_id or rec_id in self.deleted:
                return None
            return self._current(session)

    def delete(self, rec_id: int) -> None:
        """Upstream deleted the session: it leaves the list and its download answers 404."""
        self._base(rec_id)
        with self._lock:
            self.deleted.add(rec_id)

    def restore(self, rec_id: int) -> None:
        with self._lock:
            self.deleted.discard(rec_id)

    def malform(self, rec_id: int, filename: str = "trials.csv") -> None:
        """Break one CSV of the zip: a short row after row 2, and a last row cut off inside a
        quoted cell (no closing quote, no newline). Python's csv accepts both unless strict."""
        self._base(rec_id)
        with self._lock:
            self.malformed[rec_id] = filename

    def change(self, rec_id: int, *, end_time: str | None = None) -> str:
        """Upstream changed the session: one more trial row, a later end_time, completed=true."""
        base = self._base(rec_id)
        with self._lock:
            ends = self.changes.setdefault(rec_id, [])
            previous = ends[-1] if ends else base["end_time"] or base["start_time"]
            ends.append(end_time or shift_pg_time(previous, minutes=7))
            return ends[-1]

    def files(self, exp_id: int, rec_id: int) -> dict[str, bytes] | None:
        """The session's zip members in zip order, overlays applied; None when not downloadable."""
        if self.session(exp_id, rec_id) is None:
            return None
        folder = self.root / str(exp_id) / "sessions" / str(rec_id)
        paths = sorted(folder.glob("*.csv"), key=lambda p: (p.name not in ZIP_ORDER, p.name))
        out = {p.name: p.read_text(encoding="utf-8") for p in paths}
        with self._lock:
            ends, broken = list(self.changes.get(rec_id, [])), self.malformed.get(rec_id)
        if ends:
            out["sessions.csv"] = _end_session(out["sessions.csv"], ends[-1])
            out["trials.csv"] = _add_trials(out["trials.csv"], len(ends))
        if broken in out:
            out[broken] = _break(out[broken])
        return {name: text.encode("utf-8") for name, text in out.items()}

    def zip_bytes(self, exp_id: int, rec_id: int) -> bytes | None:
        """A deterministic zip (fixed member dates) so unchanged sessions give identical bytes."""
        members = self.files(exp_id, rec_id)
        if members is None:
            return None
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, data in members.items():
                info = zipfile.ZipInfo(name, date_time=(2021, 6, 17, 12, 0, 0))
                info.compress_type = zipfile.ZIP_DEFLATED
                archive.writestr(info, data)
        return buffer.getvalue()

    def _base(self, rec_id: int) -> dict:
        if rec_id not in self._index:
            raise KeyError(f"session {rec_id} is not in the fixtures under {self.root}")
        return self._index[rec_id][1]

    def _current(self, session: dict) -> dict:
        ends = self.changes.get(session["rec_session_id"])
        return {**session, "end_time": ends[-1], "completed": True} if ends else dict(session)


def _end_session(text: str, end_time: str) -> str:
    bom = BOM if text.startswith(BOM) else ""
    header, rows = read_rows(text)
    end_col, done_col = column(header, "End_Time_Local"), column(header, "Completed")
    for row in rows:
        row[end_col], row[done_col] = end_time, "true"
    return bom + csv_line(header) + "".join(csv_line(row) for row in rows)


def _add_trials(text: str, count: int) -> str:
    header, rows = read_rows(text)
    last = rows[-1]
    extra = []
    for step in range(1, count + 1):
        row = list(last)
        for name in ("Trial_Nr", "Trial_Id"):
            index = column(header, name)
            row[index] = str(int(last[index]) + step)
        extra.append(csv_line(row))
    return text.rstrip("\n") + "\n" + "".join(extra)


def _break(text: str) -> str:
    lines = text.splitlines(keepends=True)
    last = lines[-1].rstrip("\n")
    cut = last[: last.rfind(',"') + 2] + "cut off mid-ce"
    return "".join(lines[:3]) + SHORT_ROW + "".join(lines[3:]) + cut

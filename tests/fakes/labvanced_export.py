"""Hand-downloaded GUI exports, built from the same data the fake serves, for `--from-file` tests.

A researcher without an API token downloads the study in the Labvanced web app and hands us the zip.
The real layout is unverified; the reference (A.1) says exports hold per-session folders with
`sessions.csv` and `trials.csv`, and names time series `<rec_session_id>.csv`. Chosen layout:

    labvanced_export_<exp_id>/Session_<rec_session_id>/sessions.csv
    labvanced_export_<exp_id>/Session_<rec_session_id>/trials.csv
    labvanced_export_<exp_id>/Session_<rec_session_id>/<rec_session_id>.csv   (when recorded)

There is no session-list JSON in an export: an importer reading it must take everything from the
CSVs. Files are the ones the REST zip carries (same quirks), including any overlay a test switched
on in a `StudyStore` (changed, malformed, deleted sessions). One session is in memory at a time.
"""
import zipfile
from pathlib import Path

from tests.fakes.labvanced_store import DEFAULT_FIXTURES, StudyStore


def export_root_name(exp_id: int) -> str:
    return f"labvanced_export_{exp_id}"


def build_gui_export(dest: Path | str, *, exp_id: int = 4107,
                     fixtures: Path | str = DEFAULT_FIXTURES, store: StudyStore | None = None,
                     as_zip: bool = True) -> Path:
    """Write the export under `dest` and return the zip (or the folder when `as_zip=False`)."""
    store = store or StudyStore(fixtures)
    sessions = store.sessions(exp_id)
    if sessions is None:
        raise KeyError(f"experiment {exp_id} is not in {store.root}")
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    root = export_root_name(exp_id)
    if as_zip:
        target = dest / f"{root}.zip"
        with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
            for rec_id, name, data in _members(store, exp_id, sessions):
                archive.writestr(f"{root}/Session_{rec_id}/{name}", data)
        return target
    target = dest / root
    for rec_id, name, data in _members(store, exp_id, sessions):
        folder = target / f"Session_{rec_id}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(data)
    return target


def _members(store: StudyStore, exp_id: int, sessions: list[dict]):
    for session in sessions:
        rec_id = session["rec_session_id"]
        for name, data in (store.files(exp_id, rec_id) or {}).items():
            yield rec_id, name, data

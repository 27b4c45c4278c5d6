"""Session files from a hand-downloaded Labvanced export (zip or folder) or a REST session zip.

Every folder that holds a `sessions.csv` is one session, whatever the nesting
(`labvanced_export_<exp>/Session_<rec>/sessions.csv`, or flat at the root of a REST zip).
"""
import zipfile
from collections.abc import Iterator
from pathlib import Path, PurePosixPath

from importers.core.errors import BadSourceData


def read_zip(name: str, handle) -> dict[str, dict[str, bytes]]:
    """{folder: {file name: bytes}} for every session folder of a zip."""
    try:
        archive = zipfile.ZipFile(handle)
        members = [info for info in archive.infolist() if not info.is_dir()]
        folders = {str(PurePosixPath(info.filename).parent) for info in members
                   if PurePosixPath(info.filename).name.lower() == "sessions.csv"}
        sessions: dict[str, dict[str, bytes]] = {folder: {} for folder in folders}
        for info in members:
            path = PurePosixPath(info.filename)
            if str(path.parent) in sessions:
                sessions[str(path.parent)][path.name] = archive.read(info)
        return sessions
    except (zipfile.BadZipFile, EOFError, OSError) as error:
        raise BadSourceData(name, f"not a readable zip (truncated download?): {error}") from None


def read_folder(root: Path) -> dict[str, dict[str, bytes]]:
    return {str(sessions_csv.parent): {path.name: path.read_bytes()
                                       for path in sessions_csv.parent.iterdir() if path.is_file()}
            for sessions_csv in sorted(root.rglob("*")) if sessions_csv.name.lower() ==
            "sessions.csv"}


def iter_export(path: Path) -> Iterator[tuple[str, dict[str, bytes]]]:
    """(folder label, files) per session of an export zip or folder, in a stable order."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"{path} does not exist: give the export's .zip or its folder")
    if path.is_dir():
        sessions = read_folder(path)
    else:
        with path.open("rb") as handle:
            sessions = read_zip(path.name, handle)
    if not sessions:
        raise BadSourceData(path.name, "no sessions.csv inside: is this a Labvanced export?")
    for folder in sorted(sessions):
        files = {_canonical(name): data for name, data in sessions[folder].items()}
        yield folder, files


def _canonical(name: str) -> str:
    lowered = name.lower()
    return lowered if lowered in {"sessions.csv", "trials.csv"} else name

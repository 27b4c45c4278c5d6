"""Session files from a hand-downloaded Labvanced export (zip or folder) or a REST session zip.

Every folder that holds a `sessions.csv` is one session, whatever the nesting
(`labvanced_export_<exp>/Session_<rec>/sessions.csv`, or flat at the root of a REST zip).

An export is untrusted input. Sessions are read one at a time (an export of a thousand sessions
is never in memory at once), each file no larger than MIRROR_IMPORT_MAX_FILE: a zip member is
checked against the size it declares before it is opened and against the bytes it really gives
while it is read (a 2 MB zip can unpack to gigabytes). A member that cannot be read (encrypted,
an unknown compression, corrupt) and, in a folder, a symbolic link are refused with a message
naming the file. Files are only read, never extracted, so member names cannot place anything.
"""
import os
import zipfile
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path, PurePosixPath

from django.conf import settings

from importers.core.errors import BadSourceData

Loader = Callable[[], dict[str, bytes]]
READ_CHUNK = 1024 * 1024


def _limit() -> int:
    return int(settings.MIRROR_IMPORT_MAX_FILE)


def _too_big(name: str, size: int | str) -> BadSourceData:
    return BadSourceData(name, f"{size} bytes, more than MIRROR_IMPORT_MAX_FILE "
                         f"({_limit()} bytes): raise that setting to import it")


def _read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    limit = _limit()
    if info.file_size > limit:
        raise _too_big(info.filename, info.file_size)
    parts, size = [], 0
    try:
        with archive.open(info) as member:
            while block := member.read(READ_CHUNK):
                size += len(block)
                if size > limit:
                    raise _too_big(info.filename, f"over {limit}")
                parts.append(block)
    except RuntimeError as error:  # zipfile's "File ... is encrypted, password required"
        raise BadSourceData(info.filename, f"cannot be read ({error}): export it again "
                            "without a password") from None
    except NotImplementedError as error:
        raise BadSourceData(info.filename, f"uses a compression this importer cannot read "
                            f"({error})") from None
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as error:
        raise BadSourceData(info.filename, f"is damaged ({error}): download it again") from None
    return b"".join(parts)


def _zip_folders(name: str, archive: zipfile.ZipFile) -> dict[str, list[zipfile.ZipInfo]]:
    members = [info for info in archive.infolist() if not info.is_dir()]
    folders = {str(PurePosixPath(info.filename).parent) for info in members
               if PurePosixPath(info.filename).name.lower() == "sessions.csv"}
    sessions: dict[str, list[zipfile.ZipInfo]] = {folder: [] for folder in folders}
    for info in members:
        folder = str(PurePosixPath(info.filename).parent)
        if folder in sessions:
            sessions[folder].append(info)
    return sessions


def _zip_loader(archive: zipfile.ZipFile, infos: list[zipfile.ZipInfo]) -> Loader:
    return lambda: {_canonical(PurePosixPath(info.filename).name): _read_member(archive, info)
                    for info in infos}


def _open_zip(name: str, handle) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(handle)
    except (zipfile.BadZipFile, EOFError, OSError) as error:
        raise BadSourceData(name, f"not a readable zip (truncated download?): {error}") from None


def read_zip(name: str, handle) -> dict[str, dict[str, bytes]]:
    """{folder: {file name: bytes}} for every session folder of a (one-session) REST zip."""
    archive = _open_zip(name, handle)
    return {folder: _zip_loader(archive, infos)()
            for folder, infos in _zip_folders(name, archive).items()}


def _folder_loader(folder: Path) -> Loader:
    def load() -> dict[str, bytes]:
        files = {}
        for path in sorted(folder.iterdir()):
            if path.is_symlink():
                raise BadSourceData(str(path), "is a symbolic link: exports hold plain files")
            if not path.is_file():
                continue
            if path.stat().st_size > _limit():
                raise _too_big(str(path), path.stat().st_size)
            files[_canonical(path.name)] = path.read_bytes()
        return files

    return load


def _folder_sessions(root: Path) -> dict[str, Loader]:
    sessions = {}
    for here, _folders, names in os.walk(root):  # does not follow symbolic links
        if any(name.lower() == "sessions.csv" for name in names):
            sessions[here] = _folder_loader(Path(here))
    return sessions


@contextmanager
def open_export(path: Path) -> Iterator[list[tuple[str, Loader]]]:
    """(folder label, loader of its files) per session of an export zip or folder, in a stable
    order; each loader reads its session's files when called (BadSourceData if it cannot)."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"{path} does not exist: give the export's .zip or its folder")
    if path.is_dir():
        sessions = _folder_sessions(path)
        if not sessions:
            raise BadSourceData(path.name, "no sessions.csv inside: is this a Labvanced export?")
        yield sorted(sessions.items())
        return
    with path.open("rb") as handle:
        archive = _open_zip(path.name, handle)
        folders = _zip_folders(path.name, archive)
        if not folders:
            raise BadSourceData(path.name, "no sessions.csv inside: is this a Labvanced export?")
        yield [(folder, _zip_loader(archive, folders[folder])) for folder in sorted(folders)]


def _canonical(name: str) -> str:
    lowered = name.lower()
    return lowered if lowered in {"sessions.csv", "trials.csv"} else name

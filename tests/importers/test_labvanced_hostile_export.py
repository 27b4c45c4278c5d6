"""Hostile export files: a zip bomb, encrypted or oddly compressed members, symbolic links
(issue 11, item 12 and the low items). Each ends as one failed session with a message naming
the file, the rest of the export is imported, and nothing is read whole into memory."""
import struct
import tracemalloc
import zipfile

import pytest

from importers.labvanced.importer import run
from importers.models import ImportRun
from mirror.actions.models import Session
from mirror.data.models import Dataset
from tests.fakes.labvanced_export import build_gui_export

TARGET = "Session_259515/trials.csv"


def _rewrite(source, dest, replace=None):
    """Copy a zip; `replace(name, archive)` may write a member itself (returning True)."""
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as new:
        for info in old.infolist():
            if replace is None or not replace(info.filename, new):
                new.writestr(info.filename, old.read(info))
    return dest


def _patch_central_entry(path, suffix: str, *, flags: int | None = None,
                         method: int | None = None) -> None:
    """Set the general-purpose flags or compression method of the member ending in `suffix`
    in the zip's central directory, which is what zipfile reads them from."""
    data = bytearray(path.read_bytes())
    at = data.find(b"PK\x01\x02")
    while at != -1:
        name_length = struct.unpack_from("<H", data, at + 28)[0]
        name = bytes(data[at + 46: at + 46 + name_length]).decode()
        if name.endswith(suffix):
            if flags is not None:
                struct.pack_into("<H", data, at + 8, flags)
            if method is not None:
                struct.pack_into("<H", data, at + 10, method)
        at = data.find(b"PK\x01\x02", at + 4)
    path.write_bytes(bytes(data))


@pytest.fixture
def export(tmp_path):
    return build_gui_export(tmp_path / "export", exp_id=4107)


def _failed_session_message(connection, path) -> str:
    finished = run(connection=connection, from_file=path)
    assert finished.status == ImportRun.PARTIAL and finished.failed == 1, finished.error
    assert Session.objects.filter(source_id="4107/259515").count() == 0
    assert Session.objects.count() == 4  # the other sessions of the export
    return finished.error


def test_a_zip_bomb_member_is_refused_without_reading_it_whole(connection, export, tmp_path,
                                                               settings):
    settings.MIRROR_IMPORT_MAX_FILE = 1024 * 1024

    def bomb(name, archive):
        if not name.endswith(TARGET):
            return False
        with archive.open(name, "w", force_zip64=True) as member:
            for _ in range(64):
                member.write(bytes(1024 * 1024))  # 64 MiB of zeros: a few kB compressed
        return True

    path = _rewrite(export, tmp_path / "bomb.zip", bomb)
    assert path.stat().st_size < 1024 * 1024
    tracemalloc.start()
    try:
        message = _failed_session_message(connection, path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert "MIRROR_IMPORT_MAX_FILE" in message and "trials.csv" in message
    assert peak < 16 * 1024 * 1024, f"peak {peak / 1e6:.0f} MB"


def test_a_member_bigger_than_it_declares_is_stopped_while_reading(connection, export,
                                                                   tmp_path, settings):
    """The size a member declares is checked first; the bytes it really gives, as read."""
    settings.MIRROR_IMPORT_MAX_FILE = 4096
    path = _rewrite(export, tmp_path / "liar.zip",
                    lambda name, archive: name.endswith(TARGET) and (
                        archive.writestr(name, b"x" * 100_000) or True))
    data = bytearray(path.read_bytes())
    # declare 100 bytes in the central directory; zipfile then stops (CRC check) at 100
    at = data.find(b"PK\x01\x02")
    while at != -1:
        length = struct.unpack_from("<H", data, at + 28)[0]
        if bytes(data[at + 46: at + 46 + length]).decode().endswith(TARGET):
            struct.pack_into("<I", data, at + 24, 100)
        at = data.find(b"PK\x01\x02", at + 4)
    path.write_bytes(bytes(data))
    message = _failed_session_message(connection, path)
    assert "trials.csv" in message and "damaged" in message


def test_an_encrypted_member_is_a_clear_message(connection, export, tmp_path):
    path = _rewrite(export, tmp_path / "encrypted.zip")
    _patch_central_entry(path, TARGET, flags=0x1)
    message = _failed_session_message(connection, path)
    assert "encrypted" in message and "without a password" in message


def test_an_unknown_compression_is_a_clear_message(connection, export, tmp_path):
    path = _rewrite(export, tmp_path / "aes.zip")
    _patch_central_entry(path, TARGET, method=99)
    message = _failed_session_message(connection, path)
    assert "compression" in message


def test_a_symbolic_link_in_an_export_folder_is_not_followed(connection, tmp_path):
    folder = build_gui_export(tmp_path / "export", exp_id=4107, as_zip=False)
    secret = tmp_path / "secret.csv"
    secret.write_text("Trial_Nr\nthe server's secret\n")
    trials = folder / TARGET
    trials.unlink()
    trials.symlink_to(secret)
    message = _failed_session_message(connection, folder)
    assert "symbolic link" in message
    assert not any("secret" in connection.repository.file(copy.relative_path).read_text()
                   for dataset in Dataset.objects.all()
                   for copy in dataset.file_records.all())


def test_a_session_id_too_long_for_a_key_fails_alone(connection, tmp_path):
    """A 300-digit Rec_Session_Id made a source_id longer than its column (PostgreSQL: a
    DataError that ended the whole run)."""
    folder = build_gui_export(tmp_path / "export", exp_id=4107, as_zip=False)
    sessions_csv = folder / "Session_259515" / "sessions.csv"
    sessions_csv.write_text(sessions_csv.read_text().replace("259515", "9" * 300))
    message = _failed_session_message(connection, folder)
    assert "at most 20 digits" in message

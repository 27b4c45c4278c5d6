"""A record is known by the same key as read and as its row in a table, and appending copies
the old table's bytes as they are."""
import csv

import pytest

from importers.hyperstudy.mapping import record_key
from importers.hyperstudy.tables import append_csv, write_csv


@pytest.mark.parametrize("data_type, record", [
    ("events", {"id": 17, "onset": 5}),
    ("components", {"roomId": "r1", "participantId": None, "componentId": "c", "stateId": 2}),
    ("videochat", {"roomId": "r1", "joined": True, "tracks": ["a", "v"], "quality": 0.5,
                   "meta": {"codec": "vp8", "bitrate": None}, "onset": -250, "note": ""}),
])
def test_a_record_and_its_table_row_have_one_key(tmp_path, data_type, record):
    path = write_csv([record], tmp_path / "t.csv", lambda: [record])
    with path.open(newline="", encoding="utf-8") as handle:
        (row,) = csv.DictReader(handle)
    assert record_key(data_type, row) == record_key(data_type, record)


def test_appending_keeps_the_old_bytes_and_refuses_a_new_column(tmp_path):
    old = write_csv([{"id": "a", "x": 1}, {"id": "b"}], tmp_path / "old.csv",
                    lambda: [{"id": "a", "x": 1}, {"id": "b"}])
    before = old.read_bytes()
    new = append_csv(old, lambda: [{"id": "c", "x": 3}], tmp_path / "new.csv")
    assert new.read_bytes() == before + b"c,3\n"
    assert append_csv(old, lambda: [{"id": "d", "y": 4}], tmp_path / "other.csv") is None

"""Labvanced CSV quirks, parsed without a database."""
import datetime

import pytest

from importers.core.errors import BadSourceData
from importers.labvanced.parse import (
    normalise_timeseries,
    parse_local_time,
    read_table,
    time_offset,
)


@pytest.mark.parametrize("text, expected", [
    ("2021-06-17 12:03:14+02", datetime.datetime(2021, 6, 17, 12, 3, 14)),
    ("2021-06-17 16:40:05+05:30", datetime.datetime(2021, 6, 17, 16, 40, 5)),
    ("2021-06-18 08:12:44-05", datetime.datetime(2021, 6, 18, 8, 12, 44)),
    ("2021-06-18T08:12:44.250Z", datetime.datetime(2021, 6, 18, 8, 12, 44, 250000)),
    ("", None),
])
def test_local_time_keeps_the_wall_clock(text, expected):
    assert parse_local_time(text) == expected


def test_offset_is_kept_as_written():
    assert time_offset("2021-06-17 16:40:05+05:30") == "+05:30"


def test_bom_and_casing():
    table = read_table("t.csv", "\ufeffrec_session_id,Trial_Nr\n1,2\n".encode())
    assert table.header == ["rec_session_id", "Trial_Nr"]
    assert table.value(table.rows[0], "Rec_Session_Id") == "1"


def test_short_row_is_reported_with_its_line():
    with pytest.raises(BadSourceData, match=r"t.csv, line 3: 1 fields where the header has 2"):
        read_table("t.csv", b"a,b\n1,2\n3\n")


def test_unbalanced_quote_is_reported():
    with pytest.raises(BadSourceData, match="malformed CSV"):
        read_table("t.csv", b'a,b\n1,"2\n')


def test_timeseries_keeps_every_value():
    table = read_table("s.csv", b'"variable_name","values"\n"Gaze_XYT",-45.5,232.3,16239,1\n'
                       b'"videoended",endofvideo\n"Gaze_XYT",\n', ragged=True)
    assert normalise_timeseries(table).decode().splitlines() == [
        "variable_name,values", 'Gaze_XYT,"[-45.5,232.3,16239,1]"', "Gaze_XYT,",
        "videoended,endofvideo"][:1] + ['Gaze_XYT,"[-45.5,232.3,16239,1]"',
                                        "videoended,endofvideo", "Gaze_XYT,"]

"""GUI export zips and the large synthetic study, checked against what the fake serves."""
import csv
import io
import json
import zipfile

import requests

from tests.fakes.labvanced import FakeLabvanced
from tests.fakes.labvanced_bigstudy import generate_study
from tests.fakes.labvanced_export import build_gui_export
from tests.fakes.labvanced_store import StudyStore


def test_gui_export_zip_has_one_folder_per_session(tmp_path):
    path = build_gui_export(tmp_path, exp_id=4107)
    names = zipfile.ZipFile(path).namelist()
    assert path.name == "labvanced_export_4107.zip"
    assert "labvanced_export_4107/Session_259515/259515.csv" in names
    assert len([n for n in names if n.endswith("/trials.csv")]) == 5


def test_gui_export_carries_the_same_bytes_as_the_rest_zip(tmp_path):
    store = StudyStore()
    folder = build_gui_export(tmp_path, store=store, as_zip=False)
    rest = zipfile.ZipFile(io.BytesIO(store.zip_bytes(4107, 259516)))
    exported = folder / "Session_259516" / "trials.csv"
    assert exported.read_bytes() == rest.read("trials.csv")
    assert exported.read_bytes().startswith(b"\xef\xbb\xbf")


def test_gui_export_reflects_upstream_overlays(tmp_path):
    store = StudyStore()
    store.delete(259733)
    store.change(259515)
    archive = zipfile.ZipFile(build_gui_export(tmp_path, store=store))
    assert not any("259733" in name for name in archive.namelist())
    trials = archive.read("labvanced_export_4107/Session_259515/trials.csv").decode()
    assert len(trials.splitlines()) == 8


def test_generated_study_is_served_by_the_fake(tmp_path):
    root = generate_study(tmp_path, exp_id=9001, sessions=60, trials=40, timeseries_every=20)
    listing = json.loads((root / "9001" / "sessions.json").read_text())
    assert len(listing) == 60
    assert [s["completed"] for s in listing].count(False) == 1
    with FakeLabvanced(token=None, fixtures=root) as fake:
        assert len(requests.get(fake.sessions_url(9001), timeout=5).json()) == 60
        answer = requests.get(fake.download_url(9001, 300001), timeout=5)
    archive = zipfile.ZipFile(io.BytesIO(answer.content))
    trials = list(csv.reader(io.StringIO(archive.read("trials.csv").decode("utf-8-sig"))))
    assert len(trials) == 41
    assert "rec_session_id" in trials[0]
    assert (root / "9001" / "sessions" / "300020" / "300020.csv").exists()

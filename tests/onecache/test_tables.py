"""The cache tables as ONE itself reads them (`one.alf.cache.load_tables`), and the command."""
import datetime
import json
import zipfile
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from one.alf.cache import QC_TYPE, load_tables

from mirror.core.qc import QC
from mirror.data.models import DataRepository, FileRecord, Revision, Tag
from mirror.onecache import build, store, tables
from tests import factories


def build_and_load(tmp_path, tag=None):
    """Build, unzip what a client downloads, and load it with ONE's own reader."""
    info = build.build(origin="http://mirror.test", tag=tag)
    unpacked = tmp_path / f"unpacked-{tag or 'all'}"
    with zipfile.ZipFile(store.zip_path(tag)) as bundle:
        assert sorted(bundle.namelist()) == ["cache_info.json", "datasets.pqt", "sessions.pqt"]
        bundle.extractall(unpacked)
    return info, load_tables(unpacked)


@pytest.fixture
def mixed_lab(lab_world):
    """lab_world plus what the tables must get right: a revision, QC, a file only on a
    personal repository, a dataset with no file, a second project, a session with no number."""
    world = lab_world
    first = world.sessions[0]
    second_project = factories.make_project("another_project")
    first.projects.add(second_project)
    revised = factories.dataset_without_file(first, "_ibl_trials.intervals.npy")
    revised.revision = Revision.objects.create(name="2024-01-01")
    revised.qc, revised.file_size, revised.hash = QC.FAIL, 123, "ab" * 16
    revised.save()
    laptop = DataRepository.objects.create(name="laptop", globus_is_personal=True)
    FileRecord.objects.create(dataset=revised, data_repository=laptop,
                              relative_path="x/_ibl_trials.intervals.npy", exists=True)
    factories.dataset_without_file(world.sessions[1], "_ibl_wheel.position.npy")
    world.sessions[2].number = None
    world.sessions[2].save()
    world.extra = {"revised": revised, "second_project": second_project}
    return world


def test_tables_load_in_one_with_its_types_and_order(mixed_lab, tmp_path):
    world = mixed_lab
    info, cache = build_and_load(tmp_path)
    sessions, datasets = cache["sessions"], cache["datasets"]
    meta = cache["_meta"]["raw"]["sessions"]
    assert meta["date_created"] == info["date_created"] and meta["origin"] == {"http://mirror.test"}
    assert info["tables"]["sessions"]["nrecs"] == len(world.sessions) == len(sessions)
    assert info["tables"]["datasets"]["nrecs"] == len(datasets) == 6
    # ONE keys rows by UUID and finds them already sorted (it would sort otherwise)
    assert sessions.index.is_monotonic_increasing and datasets.index.is_monotonic_increasing
    assert set(map(str, sessions.index)) == {str(s.id) for s in world.sessions}
    assert datasets.index.names == ["eid", "id"]
    assert datasets["qc"].dtype == QC_TYPE

    first = sessions.loc[world.sessions[0].id]
    assert (first["lab"], first["subject"], first["number"]) == ("testlab", "SUBJ01", 1)
    assert first["date"] == datetime.date(2020, 1, 1)
    assert first["task_protocol"] == "choiceWorld_6.4"
    assert first["projects"] == "another_project,test_project"
    assert sessions.loc[world.sessions[2].id]["number"] == 0

    trials = datasets.loc[(world.sessions[0].id, world.datasets[0].id)]
    assert trials["rel_path"] == "alf/_ibl_trials.table.csv"
    assert trials["exists"] and trials["default_revision"] and trials["qc"] == "NOT_SET"
    assert trials["hash"] == world.datasets[0].hash
    assert trials["file_size"] == world.datasets[0].file_size
    revised = datasets.loc[(world.sessions[0].id, world.extra["revised"].id)]
    assert revised["rel_path"] == "alf/#2024-01-01#/_ibl_trials.intervals.npy"
    assert not revised["exists"]  # only on a personal repository: ONE cannot download it
    assert revised["qc"] == "FAIL" and revised["file_size"] == 123
    no_file = datasets.xs(world.sessions[1].id, level="eid")
    assert sorted(no_file["exists"].tolist()) == [False, True]


def test_qc_compares_in_ones_order(mixed_lab, tmp_path):
    _, cache = build_and_load(tmp_path)
    qc = cache["datasets"]["qc"]
    assert (qc <= "WARNING").sum() == len(qc) - 1  # all but the FAIL one
    assert list(qc.cat.categories) == ["NOT_SET", "PASS", "WARNING", "FAIL", "CRITICAL"]


def test_tagged_tables_hold_the_tagged_datasets_and_their_sessions(mixed_lab, tmp_path):
    world = mixed_lab
    tag = Tag.objects.create(name="paper_2024")
    world.datasets[1].tags.add(tag)
    info, cache = build_and_load(tmp_path, tag="paper_2024")
    assert info["database_tags"] == ["paper_2024"]
    assert list(cache["sessions"].index) == [world.sessions[1].id]
    assert list(cache["datasets"].index) == [(world.sessions[1].id, world.datasets[1].id)]
    assert store.read_info() is None  # the untagged tables are separate and not built


def test_tables_cover_many_batches_in_order(lab_world, tmp_path, monkeypatch):
    monkeypatch.setattr(tables, "SESSIONS_PER_BATCH", 1)
    first = list(tables.batches(size=1))
    assert len(first) == len(lab_world.sessions)
    _, cache = build_and_load(tmp_path)
    assert cache["sessions"].index.is_monotonic_increasing
    assert len(cache["datasets"]) == len(lab_world.datasets)


def test_an_empty_database_gives_empty_tables(db, tmp_path):
    info, cache = build_and_load(tmp_path)
    assert info["tables"]["sessions"]["nrecs"] == 0
    assert cache["sessions"].empty and cache["datasets"].empty


def test_a_number_ones_table_cannot_hold_is_named(lab_world):
    session = lab_world.sessions[0]
    session.number = 70000
    session.save()
    with pytest.raises(CommandError, match=f"session {session.id} has number 70000"):
        call_command("mirror_one_cache", stdout=StringIO())
    assert store.read_info() is None


def test_command_reports_and_rebuild_replaces(lab_world, tmp_path):
    out = StringIO()
    call_command("mirror_one_cache", stdout=out)
    assert "4 sessions, 4 datasets" in out.getvalue()
    first = store.read_info()
    factories.add_session(lab_world, lab_world.subjects[0],
                          start_time=datetime.datetime(2020, 2, 1, 9, 0))
    call_command("mirror_one_cache", stdout=StringIO())
    assert store.read_info()["tables"]["sessions"]["nrecs"] == 5
    assert first["tables"]["sessions"]["nrecs"] == 4
    with zipfile.ZipFile(store.zip_path()) as bundle:
        inside = json.loads(bundle.read("cache_info.json"))
    assert inside == store.read_info()
    leftovers = [p.name for p in store.tables_dir().iterdir()]
    assert sorted(leftovers) == ["cache.zip", "cache_info.json"]  # no half-built folders


def test_command_names_the_tags_when_one_is_unknown(lab_world):
    Tag.objects.create(name="paper_2024")
    with pytest.raises(CommandError, match="no dataset tag is named 'nope'; tags: paper_2024"):
        call_command("mirror_one_cache", "--tag", "nope", stdout=StringIO())


def test_a_tag_that_cannot_be_a_folder_name_is_refused(lab_world):
    Tag.objects.create(name="a/b")
    with pytest.raises(CommandError, match="Letters, digits"):
        call_command("mirror_one_cache", "--tag", "a/b", stdout=StringIO())


def test_rel_path_leaves_out_empty_parts():
    assert tables.rel_path("", None, "x.npy") == "x.npy"
    assert tables.rel_path("alf/probe00", "v2", "x.npy") == "alf/probe00/#v2#/x.npy"

"""The real ONE client (ONE-api 3.6.1) against a live server: search, details, paths, loading
files over HTTP with md5 checks, REST round trips and stale-token recovery (contract §9, §13)."""
import datetime
import hashlib
import io
import json
import uuid

import numpy as np
import pandas as pd
import pytest
import requests
from one.alf.path import ALFPath
from rest_framework.authtoken.models import Token

from mirror.actions.models import Session
from mirror.data.models import Dataset
from mirror.people.models import Lab
from mirror.subjects.models import Project, Subject
from tests import factories
from tests.compat.conftest import PASSWORD

# ONE warns about anything it finds odd (unknown query parameters, failed md5…): fail on it.
pytestmark = pytest.mark.filterwarnings("error::UserWarning")


def ids(sessions) -> list[str]:
    return [str(session.id) for session in sessions]


def as_str(eids) -> list[str]:
    return [str(eid) for eid in eids]


def npy_bytes(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array)
    return buffer.getvalue()


def md5(path) -> str:
    return hashlib.md5(path.read_bytes()).hexdigest()


def newest_first(sessions) -> list:
    return sorted(sessions, key=lambda s: (-s.start_time.timestamp(), str(s.id)))


# --- search ---------------------------------------------------------------------------------

def test_search_by_subject(one_client, world, server_log):
    """`subject=` is an exact nickname match, newest session first."""
    subj01 = [s for s in world.sessions if s.subject.nickname == "SUBJ01"]
    assert as_str(one_client.search(subject="SUBJ01")) == ids(newest_first(subj01))
    assert as_str(one_client.search(subj="subj02")) == ids(newest_first(
        [s for s in world.sessions if s.subject.nickname == "SUBJ02"]))
    assert one_client.search(subject="SUBJ0") == []
    assert "/sessions?subject=SUBJ01" in server_log.matching("GET", "/sessions?")


def test_search_by_date_range(one_client, world):
    """A single date, a closed range and open-ended ranges are inclusive day bounds."""
    day2 = [s for s in world.sessions if s.start_time.date() == datetime.date(2020, 1, 2)]
    assert set(as_str(one_client.search(date_range="2020-01-02"))) == set(ids(day2))
    assert set(as_str(one_client.search(date="2020-01-02"))) == set(ids(day2))
    assert len(one_client.search(date_range=["2020-01-01", "2020-01-02"])) == 4
    assert set(as_str(one_client.search(date_range=["2020-01-02", None]))) == set(ids(day2))
    assert len(one_client.search(date_range=[None, "2020-01-01"])) == 2
    assert one_client.search(date_range="2021-01-01") == []


def test_search_by_number_and_path2eid_with_padded_number(one_client, world):
    """`number=2` and `number='002'` find the day's second session; path2eid sends `001`."""
    subject = world.subjects[0]
    second = factories.add_session(world, subject, number=2,
                                   start_time=datetime.datetime(2020, 1, 1, 15, 0))
    assert as_str(one_client.search(number=2)) == [str(second.id)]
    assert as_str(one_client.search(subject="SUBJ01", number="002")) == [str(second.id)]
    assert len(one_client.search(number=1)) == 4

    first = next(s for s in world.sessions if s.subject == subject and s.number == 1
                 and s.start_time.date() == datetime.date(2020, 1, 1))
    root = one_client.cache_dir / "testlab" / "Subjects" / "SUBJ01" / "2020-01-01"
    assert str(one_client.path2eid(root / "001")) == str(first.id)
    assert str(one_client.path2eid(root / "002")) == str(second.id)
    assert one_client.path2eid(root / "003") is None


def test_search_by_lab(one_client, world, user):
    """`lab=` (ONE's `laboratory`) matches the lab name exactly."""
    other = Lab.objects.create(name="otherlab")
    subject = Subject.objects.create(nickname="OTHER01", lab=other, responsible_user=user)
    elsewhere = factories.add_session(world, subject,
                                      start_time=datetime.datetime(2020, 3, 1, 9, 0))
    assert as_str(one_client.search(lab="otherlab")) == [str(elsewhere.id)]
    assert as_str(one_client.search(laboratory="OTHERLAB")) == [str(elsewhere.id)]
    assert len(one_client.search(lab="testlab")) == 4


def test_search_by_projects(one_client, world):
    """`projects=` matches part of a project name."""
    tagged = world.sessions[1]
    tagged.projects.add(Project.objects.create(name="other_project"))
    assert as_str(one_client.search(projects="other_proj")) == [str(tagged.id)]
    assert set(as_str(one_client.search(project="test_project"))) == set(ids(world.sessions))
    assert one_client.search(projects="missing") == []


def test_search_by_datasets_needs_all_names_downloadable(one_client, world):
    """`datasets=` keeps sessions with every named dataset present as a real file."""
    with_wheel, without_file = world.sessions[0], world.sessions[1]
    factories.add_dataset(world, with_wheel, "_ibl_wheel.position.npy",
                          npy_bytes(np.arange(5.0)))
    factories.dataset_without_file(without_file, "_ibl_wheel.position.npy")

    assert set(as_str(one_client.search(datasets="_ibl_trials.table.csv"))) == \
        set(ids(world.sessions))
    assert as_str(one_client.search(datasets="_ibl_wheel.position.npy")) == [str(with_wheel.id)]
    both = one_client.search(datasets=["_ibl_trials.table.csv", "_ibl_wheel.position.npy"])
    assert as_str(both) == [str(with_wheel.id)]


def test_search_details_have_dates(one_client, world):
    """details=True gives ONE's session records, each with a `date` taken from start_time."""
    eids, details = one_client.search(subject="SUBJ02", details=True)
    expected = newest_first([s for s in world.sessions if s.subject.nickname == "SUBJ02"])
    assert as_str(eids) == ids(expected)
    assert [d["date"] for d in details] == [s.start_time.date() for s in expected]
    assert [d["id"] for d in details] == ids(expected)
    assert all(d["subject"] == "SUBJ02" and d["lab"] == "testlab" for d in details)
    assert all(d["projects"] == ["test_project"] for d in details)
    assert details[0]["start_time"] == "2020-01-02T11:00:00"


def test_search_pages_through_every_session_once(one_client, world, server_log):
    """With limit=2 ONE gets a lazy list and asks for each further page by limit/offset."""
    for day in range(3, 8):
        factories.add_session(world, world.subjects[0],
                              start_time=datetime.datetime(2020, 1, day, 10, 0))
    expected = ids(newest_first(world.sessions))
    assert len(expected) == 9

    eids = one_client.search(limit=2)
    assert not isinstance(eids, list)  # util.LazyId over a paginated response
    assert len(eids) == 9
    fetched = as_str(eids)
    assert fetched == expected
    assert len(set(fetched)) == 9

    pages = server_log.matching("GET", "/sessions?")
    assert pages[0] == "/sessions?limit=2"
    offsets = {int(q.split("offset=")[1].split("&")[0]) for q in pages if "offset=" in q}
    assert offsets == {2, 4, 6, 8}
    assert all("limit=2" in q for q in pages)

    eids, details = one_client.search(limit=2, details=True)
    assert [d["id"] for d in details] == expected
    assert all(isinstance(d["date"], datetime.date) for d in details)


# --- session details and paths ------------------------------------------------------------------

def test_get_details(one_client, world):
    """get_details reads the light record; full=True the detail with its datasets."""
    session, dataset = world.sessions[0], world.datasets[0]
    details = one_client.get_details(session.id)
    assert details["subject"] == "SUBJ01"
    assert details["lab"] == "testlab"
    assert details["number"] == 1
    assert details["date"] == datetime.date(2020, 1, 1)
    assert details["projects"] == "test_project"
    assert details["task_protocol"] == "choiceWorld_6.4"
    assert details["local_path"] == one_client.cache_dir.joinpath(
        "testlab", "Subjects", "SUBJ01", "2020-01-01", "001")

    both = one_client.get_details([world.sessions[3].id, session.id])
    assert [d["subject"] for d in both] == ["SUBJ02", "SUBJ01"]

    full = one_client.get_details(session.id, full=True)
    assert full["id"] == str(session.id)
    assert full["n_trials"] == 100
    assert full["users"] == ["alice"]
    [record] = full["data_dataset_session_related"]
    assert record["id"] == str(dataset.id)
    assert record["hash"] == dataset.hash == hashlib.md5(
        (world.repository.directory / dataset.file_records.get().relative_path)
        .read_bytes()).hexdigest()
    assert record["default_revision"] == "True"
    assert record["data_url"].endswith(f"/alf/_ibl_trials.table.{dataset.id}.csv")


def test_eid2path_and_path2eid(one_client, world):
    """eid2path gives the ALF session path in the cache; path2eid turns it back."""
    session = world.sessions[3]  # SUBJ02, 2020-01-02
    path = one_client.eid2path(session.id)
    assert isinstance(path, ALFPath)
    assert path == one_client.cache_dir.joinpath("testlab", "Subjects", "SUBJ02",
                                                 "2020-01-02", "001")
    assert str(one_client.path2eid(path)) == str(session.id)
    assert str(one_client.path2eid(path / "alf" / "_ibl_trials.table.csv")) == str(session.id)
    assert one_client.eid2path(uuid.uuid4()) is None


# --- datasets and files ---------------------------------------------------------------------

@pytest.fixture
def session_files(world):
    """The first session gets a wheel object (two npy files) and a JSON file in another
    collection, next to its trials table; returns the session and the bytes written."""
    session = world.sessions[0]
    positions = np.cumsum(np.linspace(-0.1, 0.1, 50))
    files = {
        "alf/_ibl_wheel.position.npy": npy_bytes(positions),
        "alf/_ibl_wheel.timestamps.npy": npy_bytes(np.arange(50) / 100.0),
        "raw/_iblrig_settings.raw.json": json.dumps({"rig": "A", "n": 3}).encode(),
    }
    for rel_path, content in files.items():
        collection, name = rel_path.split("/")
        factories.add_dataset(world, session, name, content, collection=collection)
    files["alf/_ibl_trials.table.csv"] = (
        world.repository.directory / world.datasets[0].file_records.get().relative_path
    ).read_bytes()
    return session, files


def test_list_datasets_and_collections(one_client, session_files):
    """ONE lists the session's downloadable datasets with the server's sizes and hashes."""
    session, files = session_files
    assert one_client.list_datasets(session.id) == sorted(files)
    assert one_client.list_datasets(session.id, collection="raw") == [
        "raw/_iblrig_settings.raw.json"]
    assert one_client.list_datasets(session.id, filename="*wheel*") == [
        "alf/_ibl_wheel.position.npy", "alf/_ibl_wheel.timestamps.npy"]
    table = one_client.list_datasets(session.id, details=True).set_index("rel_path")
    for rel_path, content in files.items():
        assert table.loc[rel_path, "file_size"] == len(content)
        assert table.loc[rel_path, "hash"] == hashlib.md5(content).hexdigest()
    assert sorted(one_client.list_collections(session.id)) == ["alf", "raw"]


def test_load_dataset_downloads_over_http_with_md5(one_client, session_files, server_log):
    """load_dataset fetches /data/…<uuid>.csv once; the cached file has the server's md5."""
    session, files = session_files
    trials = one_client.load_dataset(session.id, "_ibl_trials.table.csv", collection="alf")
    pd.testing.assert_frame_equal(
        trials, pd.read_csv(io.BytesIO(files["alf/_ibl_trials.table.csv"])))
    settings_file = one_client.load_dataset(session.id, "_iblrig_settings.raw.json")
    assert settings_file == {"rig": "A", "n": 3}

    session_path = one_client.eid2path(session.id)
    for rel_path in ("alf/_ibl_trials.table.csv", "raw/_iblrig_settings.raw.json"):
        local = session_path / rel_path
        collection, name = rel_path.split("/")
        dataset = Dataset.objects.get(session=session, collection=collection, name=name)
        assert local.read_bytes() == files[rel_path]
        assert md5(local) == dataset.hash
        stem, ext = name.rsplit(".", 1)
        assert (f"/data/testlab/Subjects/SUBJ01/2020-01-01/001/{collection}/"
                f"{stem}.{dataset.id}.{ext}") in server_log.matching("GET", "/data/")

    downloads = len(server_log.matching("GET", "/data/", basic_login=True))
    assert downloads == 2  # each after a 401 challenge that ONE answered with its login
    assert len(server_log.matching("GET", "/data/")) == 2 * downloads
    one_client.load_dataset(session.id, "_ibl_trials.table.csv")  # md5 matches: no download
    assert len(server_log.matching("GET", "/data/", basic_login=True)) == downloads


def test_load_object_downloads_every_attribute(one_client, session_files, server_log):
    """load_object gets both wheel files over HTTP; arrays and md5s match what was written."""
    session, files = session_files
    wheel = one_client.load_object(session.id, "wheel", collection="alf")
    assert sorted(wheel) == ["position", "timestamps"]
    np.testing.assert_array_equal(
        wheel["position"], np.load(io.BytesIO(files["alf/_ibl_wheel.position.npy"])))
    np.testing.assert_array_equal(wheel["timestamps"], np.arange(50) / 100.0)

    session_path = one_client.eid2path(session.id)
    for name in ("_ibl_wheel.position.npy", "_ibl_wheel.timestamps.npy"):
        dataset = Dataset.objects.get(session=session, name=name)
        assert md5(session_path / "alf" / name) == dataset.hash
    assert len(server_log.matching("GET", "/data/", basic_login=True)) == 2

    trials = one_client.load_object(session.id, "trials")
    np.testing.assert_array_equal(trials["intervals"], [[0.0, 1.5], [2.0, 3.0]])


def test_path2url_points_at_the_file_server(one_client, world, live_server):
    """path2url gives the /data URL with the dataset UUID, and that URL serves the file."""
    session, dataset = world.sessions[0], world.datasets[0]
    local = one_client.eid2path(session.id) / "alf" / "_ibl_trials.table.csv"
    url = one_client.path2url(local)
    assert url == (f"{live_server.url}/data/testlab/Subjects/SUBJ01/2020-01-01/001/alf/"
                   f"_ibl_trials.table.{dataset.id}.csv")
    assert requests.get(url, timeout=10).status_code == 401  # files need a login by default
    response = requests.get(url, auth=("alice", PASSWORD), timeout=10)
    assert response.status_code == 200
    assert hashlib.md5(response.content).hexdigest() == dataset.hash
    assert int(response.headers["Content-Length"]) == dataset.file_size


# --- REST -----------------------------------------------------------------------------------

def test_rest_session_round_trip(one_client, world):
    """create → read → list → update (PUT) → partial_update → delete → 404, all via alyx.rest."""
    alyx = one_client.alyx
    created = alyx.rest("sessions", "create", data={
        "subject": "SUBJ01", "users": ["alice"], "lab": "testlab", "projects": ["test_project"],
        "type": "Experiment", "number": 3, "start_time": "2020-02-01T09:30:00",
        "task_protocol": "passive_1.0"})
    eid = created["id"]
    assert created["url"].endswith(eid)
    assert Session.objects.get(pk=eid).task_protocol == "passive_1.0"

    record = alyx.rest("sessions", "read", id=eid)
    assert record["start_time"] == "2020-02-01T09:30:00"
    assert record["number"] == 3 and record["subject"] == "SUBJ01"
    assert record["data_dataset_session_related"] == []
    assert [r["id"] for r in alyx.rest("sessions", "list", subject="SUBJ01", number=3)] == [eid]

    record.update(narrative="full update", n_trials=12)
    updated = alyx.rest("sessions", "update", id=eid, data=record)
    assert (updated["narrative"], updated["n_trials"]) == ("full update", 12)
    assert updated["projects"] == ["test_project"]

    patched = alyx.rest("sessions", "partial_update", id=eid, data={"narrative": "patched"})
    assert patched["narrative"] == "patched" and patched["n_trials"] == 12
    assert Session.objects.get(pk=eid).narrative == "patched"

    assert alyx.rest("sessions", "delete", id=eid) is None
    assert not Session.objects.filter(pk=eid).exists()
    with pytest.raises(requests.HTTPError) as error:
        alyx.rest("sessions", "read", id=eid)
    assert error.value.response.status_code == 404


def test_rest_reads_other_endpoints(one_client, world):
    """Subjects by nickname, datasets by session, and unknown endpoints refused by ONE."""
    alyx = one_client.alyx
    subject = alyx.rest("subjects", "read", id="SUBJ02")
    assert subject["id"] == str(world.subjects[1].id) and subject["lab"] == "testlab"
    session, dataset = world.sessions[0], world.datasets[0]
    [record] = alyx.rest("datasets", "list", session=str(session.id))
    assert record["url"].endswith(str(dataset.id))
    assert record["hash"] == dataset.hash and record["default_dataset"] is True
    assert record["session"].endswith(str(session.id))
    assert {lab["name"] for lab in alyx.rest("labs", "list")} == {"testlab"}
    with pytest.raises(ValueError):
        alyx.rest("water-administrations", "list")


# --- authentication -------------------------------------------------------------------------

def test_stale_token_is_renewed_with_a_stored_password(make_one, write_params, world,
                                                       server_log):
    """After a 403 "Invalid token." ONE logs in again with ALYX_PWD and retries the request."""
    params_file = write_params()
    # A user may keep ALYX_PWD in the params file; one_params itself never writes it.
    params_file.write_text(json.dumps({**json.loads(params_file.read_text()),
                                       "ALYX_PWD": PASSWORD}))
    one = make_one()  # no password given: ONE uses the stored one
    first_token = one.alyx._token["token"]
    assert first_token == Token.objects.get(user=world.user).key

    Token.objects.filter(user=world.user).delete()  # the server forgets it
    assert len(one.search(subject="SUBJ01")) == 2

    second_token = one.alyx._token["token"]
    assert second_token != first_token
    assert second_token == Token.objects.get(user=world.user).key
    assert json.loads(params_file.read_text())["TOKEN"] == {"alice": {"token": second_token}}
    assert len(server_log.matching("POST", "/auth-token")) == 2


def test_stale_token_without_password_fails_clearly(make_one, write_params, world):
    """Without any password ONE still recognises the 403 and tries to log in, which fails."""
    write_params()
    one = make_one(password=PASSWORD)
    cached = make_one()  # a second client reusing the token cached in the params file
    assert cached.alyx._token == one.alyx._token
    Token.objects.filter(user=world.user).delete()
    with pytest.warns(UserWarning, match="No password"), \
            pytest.raises(requests.HTTPError, match="authentication failed"):
        cached.search(subject="SUBJ01")

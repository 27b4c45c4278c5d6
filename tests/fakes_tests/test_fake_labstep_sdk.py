"""The official Labstep SDK (labstep==3.37.1, unchanged) against the fake: proof it is faithful.

Whatever the SDK can do against the fake, it sends and parses exactly as it would against
api.labstep.com, so every call here pins one fact of the wire protocol (reference B): paths,
params, header names, body shapes, status handling and the SDK's own retry policy.
"""
import hashlib
import json
import time

import labstep
import pytest
from labstep.service.config import configService
from labstep.service.request import RequestException

from tests.fakes.labstep import FakeLabstep

KEY = "sdk-key"


@pytest.fixture
def fake():
    with FakeLabstep(api_key=KEY, default_count=2) as server:
        previous = configService.getHost()
        configService.setHost(server.base_url)
        try:
            yield server
        finally:
            configService.setHost(previous)


@pytest.fixture
def user(fake):
    signed_in = labstep.authenticate(apikey=KEY)
    fake.clear_requests()
    return signed_in


def md5(data: bytes) -> str:
    return hashlib.md5(data).hexdigest()


def test_authenticate_reads_user_info_with_the_apikey_header(fake):
    user = labstep.authenticate(apikey=KEY)
    assert (user.id, user.name, user.username) == (2, "Test account", "test@labstep.com")
    assert user.activeWorkspace == 1801
    assert user.group["name"] == "Test account's Workspace"
    [request] = fake.requests
    assert (request.method, request.path, request.kind) == ("GET", "/api/generic/user/info",
                                                            "user-info")
    assert request.headers["apikey"] == "<redacted>"
    assert request.headers["User-Agent"].startswith("python-requests/")  # login sends no SDK UA
    user.getWorkspaces()
    assert fake.requests[-1].headers["User-Agent"] == "Python SDK 3.37.1"


def test_a_wrong_apikey_raises_401(fake):
    with pytest.raises(RequestException) as raised:
        labstep.authenticate(apikey="not-the-key")
    assert raised.value.status_code == 401
    assert json.loads(raised.value.message) == {"error": "Unauthorized"}


def test_experiment_list_crosses_pages_and_leaves_out_the_soft_deleted(fake, user):
    experiments = user.getExperiments()
    assert [e.id for e in experiments] == [5007, 5005, 5004, 5003, 5002, 5001]
    assert experiments[0].name == "Eye tracking pilot"
    pages = fake.calls("list", "experiment-workflow")
    assert len(pages) == 3  # default_count=2
    assert pages[0].query == {"search": ["1"], "cursor": ["-1"]}  # no count, no group_id
    cursors = [p.query["cursor"][0] for p in pages[1:]]
    assert all(len(c) > 10 and not c.isdigit() for c in cursors)


def test_count_under_50_is_sent_and_honoured(fake, user):
    experiments = user.getExperiments(count=3)
    assert [e.id for e in experiments] == [5007, 5005, 5004]
    [page] = fake.calls("list", "experiment-workflow")
    assert page.query["count"] == ["3"]


def test_a_big_workspace_is_paged_50_at_a_time(fake, user):
    made = fake.seed_big_workspace(120, attachments=3, size=2048)
    workspace = user.getWorkspace(made["group_id"])
    experiments = workspace.getExperiments(count=500)
    assert sorted(e.id for e in experiments) == made["experiment_ids"]
    pages = fake.calls("list", "experiment-workflow")
    assert [p.query["count"] for p in pages] == [["50"]] * 3
    assert {p.query["group_id"][0] for p in pages} == {str(made["group_id"])}
    files = user.getExperiment(made["experiment_ids"][0]).getFiles()
    assert [(f.name, f.size) for f in files] == [("attachment_000000.bin", 2048)]
    assert md5(files[0].getData()) == fake.file_content(made["file_ids"][0]).md5()


def test_get_one_experiment_is_the_bare_object(fake, user):
    experiment = user.getExperiment(5001)
    assert (experiment.name, experiment.author["name"]) == ("EEG pilot 1", "Test account")
    assert [t["name"] for t in experiment.tags] == ["eeg", "pilot"]
    assert experiment.root_experiment.id == 9901
    [request] = fake.calls("get", "experiment-workflow")
    assert request.query == {"get_single": ["1"], "id": ["5001"], "is_deleted": ["both"]}


def test_the_soft_deleted_experiment_comes_back_from_get_one(fake, user):
    deleted = user.getExperiment(5006)
    assert (deleted.name, deleted.deleted_at) == ("Abandoned draft", "2024-05-01T10:00:00+00:00")


def test_old_data_keeps_its_plus0000_timestamps(fake, user):
    old, new = user.getExperiment(5005), user.getExperiment(5001)
    assert (old.created_at, old.updated_at) == ("2018-04-10T13:47:38+0000",) * 2
    assert old.getFiles()[0].created_at.endswith("+0000")
    assert new.created_at == "2024-03-04T09:12:00+00:00"


def test_entry_data_fields_read_through_the_sdk(fake, user):
    fields = user.getExperiment(5001).getDataFields()
    values = {f.label: (f.type, f.getValue()) for f in fields}
    impedance = values.pop("Impedance report")
    assert values == {
        "Subject ID": ("default", "S01"),
        "Sampling rate": ("numeric", 512),
        "Recording date": ("date", "2024-03-04"),
        "Condition": ("options", "eyes open"),
        "Session start": ("datetime", "2024-03-04 09:30:00"),
    }  # "Old label" is soft-deleted, so the list leaves it out
    assert impedance[0] == "file"
    assert impedance[1].getData().startswith(b"electrode,kOhm\n")
    assert fields.get("Sampling rate").unit == "Hz"
    first, *rest = fake.calls("list", "metadata")
    assert first.query == {"search": ["1"], "cursor": ["-1"], "metadata_thread_id": ["5601"]}
    assert len(rest) == 2  # six live fields, two a page


def test_attachments_download_through_signed_urls(fake, user, tmp_path):
    files = user.getExperiment(5001).getFiles()
    assert [(f.id, f.name) for f in files] == [(2041, "raw_eeg_subject01.csv"),
                                               (2042, "montage.png"),
                                               (2043, "protocol_notes.gdoc")]
    files[0].save(str(tmp_path))
    saved = (tmp_path / "raw_eeg_subject01.csv").read_bytes()
    assert md5(saved) == fake.file_content(2041).md5()
    assert saved.startswith(b"time_s,Fz,Cz,Pz\n")
    image = files[1].getData()
    assert (len(image), md5(image)) == (262144, fake.file_content(2042).md5())
    posts, gets = fake.calls("download"), fake.calls("signed")
    assert [p.path for p in posts] == ["/api/generic/file/download/2041",
                                       "/api/generic/file/download/2042"]
    assert all(p.headers["apikey"] == "<redacted>" for p in posts)
    assert len(gets) == 2 and not any("apikey" in g.headers for g in gets)


def test_the_external_cloud_file_is_refused(fake, user):
    external = user.getFile(2043)
    assert (external.link_source, external.size) == ("google-drive", None)
    assert external.save() is None  # the SDK warns and does not even ask
    assert fake.calls("download") == []
    with pytest.raises(RequestException) as raised:
        external.getData()
    assert raised.value.status_code == 400
    assert b"google-drive" in raised.value.message


def test_protocols_versions_and_their_body(fake, user):
    assert [p.id for p in user.getProtocols()] == [7002, 7001]
    protocol = user.getProtocol(7001)
    assert protocol.last_version.name == "EEG cap preparation v2"
    assert protocol.getCurrentVersion().id == 7103  # the draft wins
    assert [v.id for v in protocol.getVersions()] == [7103, 7102, 7101]
    version = protocol.last_version
    assert [s["position"] for s in version.getSteps()] == [1, 2]
    assert [(t.name, t.minutes) for t in version.getTimers()] == [("Gel settle", 6)]
    assert version.getTables()[0].getDataFrame().to_dict("list") == {
        "Reagent": ["Gel", "Saline"], "ml": [2.5, 10]}
    assert [f.name for f in version.getFiles()] == ["montage_diagram.pdf"]
    assert [(d.label, d.unit) for d in version.getDataFields()] == [("Gel volume", "ml")]
    step = version.getBody()["content"][0]
    assert step["type"] == "protocol_step"
    assert {"type": "file", "attrs": {"id": 2050}} in step["content"]
    assert fake.calls("legacy-get")[0].path == "/api/generic/protocol/7102"


def test_protocol_runs_inside_an_experiment(fake, user):
    [run] = user.getExperiment(5001).getProtocols()
    assert (run.id, run.protocol["id"], run.is_root) == (9951, 7102, False)
    assert [d.getValue() for d in run.getDataFields()] == [2.5]
    assert run.getTables()[0].getDataFrame().shape == (2, 2)  # the multi-sheet table shape
    [request] = fake.calls("list", "experiment")
    assert request.query == {"cursor": ["-1"], "is_root": ["0"],
                             "experiment_workflow_id": ["5001"]}


def test_workspaces_folders_and_tags(fake, user):
    assert [w.name for w in user.getWorkspaces()] == ["Neuro Lab (shared)",
                                                      "Test account's Workspace"]
    shared = user.getWorkspace(1802)
    assert [e.id for e in shared.getExperiments()] == [5007, 5005]
    assert [c.name for c in shared.getCollections()] == ["Shared pilots"]
    experiment = user.getExperiment(5001)
    assert sorted(t.name for t in experiment.getTags()) == ["eeg", "pilot"]
    assert [c.id for c in experiment.getCollections()] == [3101]
    assert [e.id for e in user.getExperiments(collection_id=3102)] == [5004, 5003]
    assert [e.id for e in user.getExperiments(tag_id=4101)] == [5004, 5002, 5001]
    assert [e.id for e in user.getExperiments(search_query="COHORT")] == [5004, 5003]
    since = user.getExperiments(created_at_from="2024-04-01", created_at_to="2024-04-30")
    assert [e.id for e in since] == [5004, 5003]


def test_sdk_soft_delete_and_restore(fake, user):
    experiment = user.getExperiment(5002)
    experiment.delete()
    assert experiment.deleted_at is not None
    assert 5002 not in [e.id for e in user.getExperiments()]
    assert user.getExperiment(5002).deleted_at == experiment.deleted_at
    experiment.edit(extraParams={"deleted_at": None})
    assert experiment.deleted_at is None and experiment.updated_at > "2024-03-11"
    assert 5002 in [e.id for e in user.getExperiments()]
    edits = fake.calls("edit", "experiment-workflow")
    assert [(r.method, r.path) for r in edits] == [
        ("PUT", "/api/generic/experiment-workflow/5002")] * 2


def test_upload_is_keyed_by_id_and_downloads_back(fake, user):
    uploaded = user.newFile(rawData=b"a,b\n1,2\n")
    assert (uploaded.id, uploaded.size) == (2051, 8)
    assert uploaded.getData() == b"a,b\n1,2\n"
    fake.upload_limit = 4
    with pytest.raises(RequestException) as raised:
        user.newFile(rawData=b"too big")
    assert raised.value.status_code == 413


def test_upstream_changes_show_through_the_sdk(fake, user):
    before = user.getExperiment(5002)
    fake.edit_experiment(5002, name="EEG pilot 2 (rerun)")
    after = user.getExperiment(5002)
    assert after.name == "EEG pilot 2 (rerun)" and after.updated_at > before.updated_at
    fake.replace_file_bytes(2044, b"replaced\n")
    [changed] = user.getExperiment(5002).getFiles()
    assert (changed.size, changed.getData()) == (9, b"replaced\n")
    made = fake.add_experiment("Brand new", attachments={"notes.txt": "hello"})
    assert user.getExperiments(count=1)[0].id == made["id"] == 5008
    assert user.getExperiment(5008).getFiles()[0].getData() == b"hello"


def test_sdk_retries_gateway_bursts_on_get(fake, user):
    fake.fail_next(503, 3, match="/api/generic/experiment-workflow")
    assert user.getExperiment(5001).name == "EEG pilot 1"
    assert [r.status for r in fake.calls("get")] == [503, 503, 503, 200]
    fake.fail_next(502, 4)
    with pytest.raises(RequestException) as raised:
        user.getExperiment(5001)
    assert raised.value.status_code == 502 and b"nginx" in raised.value.message


def test_sdk_does_not_retry_a_post(fake, user):
    fake.fail_next(504, 1, match="/file/download/")
    with pytest.raises(RequestException) as raised:
        user.getFile(2041).getData()
    assert raised.value.status_code == 504
    assert [r.status for r in fake.calls("download")] == [504]


@pytest.mark.parametrize("status", [429, 500])
def test_sdk_raises_on_429_without_retry_after_and_on_500(fake, user, status):
    fake.fail_next(status)
    with pytest.raises(RequestException) as raised:
        user.getExperiments()
    assert raised.value.status_code == status
    assert len(fake.requests) == 1


def test_sdk_honours_retry_after_on_429(fake, user):
    """urllib3 retries a GET whose 429 carries Retry-After (RETRY_AFTER_STATUS_CODES)."""
    fake.fail_next(429, 1, retry_after=1)
    assert len(user.getExperiments(count=2)) == 2
    first, second = fake.requests
    assert (first.status, second.status) == (429, 200)
    assert second.at - first.at >= 0.95


def test_expired_signed_url_and_cut_download_fail_in_the_sdk(fake, user):
    fake.expire_next_signed_url(file_id=2041)
    with pytest.raises(RequestException) as raised:
        user.getFile(2041).getData()
    assert raised.value.status_code == 403 and b"Request has expired" in raised.value.message
    fake.cut_next_download(keep=0.25)
    with pytest.raises(Exception, match="IncompleteRead|Connection broken"):
        user.getFile(2045).getData()


def test_malformed_json_breaks_the_sdk(fake, user):
    fake.malform_next(match="/api/generic/experiment-workflow")
    with pytest.raises(json.JSONDecodeError):
        user.getExperiment(5001)
    assert user.getExperiment(5001).id == 5001  # one-shot


def test_the_fake_stops_cleanly_under_a_keep_alive_pool(fake, user):
    user.getExperiments()  # leaves a pooled keep-alive connection in the SDK's session
    started = time.monotonic()
    fake.stop()
    assert time.monotonic() - started < 2

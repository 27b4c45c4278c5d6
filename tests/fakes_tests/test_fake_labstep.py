"""The fake Labstep over plain `requests`: wire shapes the SDK hides, and every fault switch."""
import hashlib
import socket
import subprocess
import sys
import threading
import time
from urllib.parse import urlsplit

import pytest
import requests

from tests.fakes.labstep import FakeLabstep

KEY = "k3y"
API = "/api/generic/"


@pytest.fixture
def fake():
    with FakeLabstep(api_key=KEY, signed_url_ttl=0.3) as server:
        yield server


@pytest.fixture
def call(fake):
    """`call("GET", "experiment-workflow", params=...)` with the apikey (`auth=False`: none)."""
    def _call(method: str, path: str, *, auth: bool = True, **kwargs) -> requests.Response:
        headers = {**(fake.auth_headers() if auth else {}), **kwargs.pop("headers", {})}
        url = path if path.startswith("http") else fake.base_url + API + path
        return requests.request(method, url, headers=headers, timeout=5, **kwargs)
    return _call


def listed(call, entity: str = "experiment-workflow", **params) -> list[int]:
    return [item["id"] for item in call("GET", entity, params={"search": 1, **params}).json()
            ["items"]]


def signed_url(call, file_id: int) -> str:
    return call("POST", f"file/download/{file_id}").json()["signed_url"]


@pytest.mark.parametrize("headers", [{}, {"apikey": "wrong"}, {"Authorization": f"Bearer {KEY}"},
                                     {"ApiKey": KEY + " "}])
def test_anything_but_the_apikey_header_is_401(fake, call, headers):
    answer = call("GET", "user/info", auth=False, headers=headers)
    assert (answer.status_code, answer.json()) == (401, {"error": "Unauthorized"})
    assert fake.requests[-1].authorized is False


def test_user_info_carries_the_active_workspace(call):
    info = call("GET", "user/info").json()
    assert (info["id"], info["group"]["id"], info["group"]["name"]) == (
        2, 1801, "Test account's Workspace")
    assert "api_key" not in info


def test_list_shape_and_cursor_strings(call):
    first = call("GET", "experiment-workflow", params={"search": 1, "cursor": -1,
                                                       "count": 4}).json()
    assert set(first) == {"items", "next_cursor", "total"}
    assert (len(first["items"]), first["total"]) == (4, 6)
    assert isinstance(first["next_cursor"], str) and first["next_cursor"] != "-1"
    last = call("GET", "experiment-workflow", params={"cursor": first["next_cursor"],
                                                      "count": 4}).json()
    assert ([i["id"] for i in last["items"]], last["next_cursor"]) == ([5002, 5001], "-1")


@pytest.mark.parametrize("cursor", ["2", "abc", "AAAAAAAAE4uLkqejwX965-IjvWA", ""])
def test_a_garbage_or_guessed_cursor_is_400(call, cursor):
    answer = call("GET", "experiment-workflow", params={"cursor": cursor})
    assert answer.status_code == 400 and "invalid cursor" in answer.json()["error"]


def test_a_cursor_only_works_on_its_own_list(call):
    cursor = call("GET", "experiment-workflow", params={"count": 1}).json()["next_cursor"]
    assert call("GET", "protocol-collection", params={"cursor": cursor}).status_code == 400


def test_count_is_capped_at_50_and_must_be_positive(fake, call):
    fake.seed_big_workspace(60)
    assert len(listed(call, count=80)) == 50
    assert call("GET", "experiment-workflow", params={"count": 0}).status_code == 400
    assert call("GET", "experiment-workflow", params={"count": "x"}).status_code == 400


def test_soft_deleted_rows_need_is_deleted(call):
    assert 5006 not in listed(call)
    assert 5006 in listed(call, is_deleted="both")
    assert listed(call, is_deleted=1) == [5006]
    plain = call("GET", "experiment-workflow", params={"get_single": 1, "id": 5006})
    assert plain.status_code == 404
    both = call("GET", "experiment-workflow", params={"get_single": 1, "id": 5006,
                                                      "is_deleted": "both"})
    assert both.json()["deleted_at"] == "2024-05-01T10:00:00+00:00"
    assert call("GET", "experiment-workflow", params={"is_deleted": "maybe"}).status_code == 400


def test_get_one_by_guid_and_unknown_ids(call):
    guid = call("GET", "experiment-workflow", params={"get_single": 1, "id": 5001}).json()["guid"]
    by_guid = call("GET", "experiment-workflow", params={"get_single": 1, "guid": guid})
    assert by_guid.json()["id"] == 5001
    assert call("GET", "experiment-workflow",
                params={"get_single": 1, "id": 2041}).status_code == 404  # a file id
    assert call("GET", "nonsense").json() == {
        "error": 'No route found for "GET /api/generic/nonsense"'}


def test_filters_the_sdk_sends_and_one_it_does_not(call):
    assert listed(call, group_id=1802) == [5007, 5005]
    assert listed(call, folder_id=3101) == [5002, 5001]
    assert listed(call, tag_id=4102) == [5001]
    assert listed(call, search_query="eye") == [5007]
    assert listed(call, search_query="Entry of EEG pilot 2") == [5002]  # the entry text too
    assert listed(call, created_at_to="2018-12-31T00:00:00+00:00") == [5005]  # +0000 parsed
    assert len(listed(call, updated_at_from="2030-01-01T00:00:00+00:00")) == 6  # not a filter
    assert call("GET", "experiment-workflow",
                params={"created_at_from": "last week"}).status_code == 400
    assert listed(call, "experiment", is_root="false", experiment_workflow_id=5003) == [9952]
    assert listed(call, "experiment", is_root=1, experiment_workflow_id=5003) == [9903]


def test_put_edits_bumps_updated_at_and_soft_deletes(call):
    edited = call("PUT", "experiment-workflow/5003", json={"name": "Renamed"}).json()
    assert edited["name"] == "Renamed" and edited["updated_at"] > "2024-04-02T08:30:00+00:00"
    assert edited["root_experiment"]["id"] == 9903  # the full object
    gone = call("PUT", "experiment-workflow/5003", json={"deleted_at": "2024-06-01T00:00:00+00:00"})
    assert gone.json()["deleted_at"] == "2024-06-01T00:00:00+00:00"
    assert 5003 not in listed(call)
    call("PUT", "experiment-workflow/5003", json={"deleted_at": None})
    assert 5003 in listed(call)
    assert call("PUT", "experiment-workflow/5003", json={"deleted_at": "soon"}).status_code == 400
    assert call("PUT", "experiment-workflow/999", json={}).status_code == 404
    assert call("POST", "experiment-workflow", json={"name": "x"}).status_code == 405


def test_test_side_mutations(fake, call):
    before = call("GET", "experiment-workflow", params={"get_single": 1, "id": 5004}).json()
    fake.edit_experiment(5004, entry={"type": "doc", "content": []})
    after = call("GET", "experiment-workflow", params={"get_single": 1, "id": 5004}).json()
    assert after["updated_at"] > before["updated_at"]
    assert after["root_experiment"]["state"] == {"type": "doc", "content": []}
    fake.soft_delete(5004)
    assert 5004 not in listed(call)
    fake.restore(5004)
    assert 5004 in listed(call)
    made = fake.add_experiment("Fresh", group=1802, attachments={"big.bin": 100_000})
    assert listed(call, group_id=1802)[0] == made["id"]
    [attachment] = made["root_experiment"]["files"]
    assert attachment["size"] == 100_000


def test_replaced_bytes_change_size_and_md5_but_old_links_keep_old_bytes(fake, call):
    old_url = signed_url(call, 2045)
    old_md5 = fake.file_content(2045).md5()
    changed = fake.replace_file_bytes(2045, seed=99)
    assert changed["size"] == 2 * 1024 * 1024 + 123 and changed["updated_at"] > "2025"
    new_md5 = hashlib.md5(requests.get(signed_url(call, 2045), timeout=5).content).hexdigest()
    assert new_md5 == fake.file_content(2045).md5() != old_md5
    assert hashlib.md5(requests.get(old_url, timeout=5).content).hexdigest() == old_md5
    entry = call("GET", "experiment", params={"get_single": 1, "id": 9903}).json()
    assert entry["files"][0]["updated_at"] == changed["updated_at"]
    exp = call("GET", "experiment-workflow", params={"get_single": 1, "id": 5003}).json()
    assert exp["updated_at"] == "2024-04-02T08:30:00+00:00"  # no bump_experiment


def test_signed_url_needs_no_auth_streams_and_expires(fake, call):
    url = signed_url(call, 2041)
    answer = requests.get(url, timeout=5)
    assert answer.status_code == 200
    assert int(answer.headers["Content-Length"]) == len(answer.content) == fake.file_content(
        2041).size
    assert requests.get(url, timeout=5).status_code == 200  # reusable until it expires
    time.sleep(0.35)
    expired = requests.get(url, timeout=5)
    assert expired.status_code == 403 and b"<Message>Request has expired" in expired.content
    garbled = requests.get(url[:-3] + "xyz", timeout=5)
    assert garbled.status_code == 403 and b"<Code>AccessDenied</Code>" in garbled.content
    assert requests.get(fake.base_url + "/_signed/", timeout=5).status_code == 404


def test_download_refusals(call):
    refused = call("POST", "file/download/2043")
    assert refused.status_code == 400 and "google-drive" in refused.json()["error"]
    assert call("POST", "file/download/9999").status_code == 404
    assert call("GET", "file/download/2041").status_code == 405
    assert call("POST", "file/download/2041", auth=False).status_code == 401


def test_expire_next_signed_url_hits_only_the_next_download(fake, call):
    fake.expire_next_signed_url()
    assert requests.get(signed_url(call, 2041), timeout=5).status_code == 403
    assert requests.get(signed_url(call, 2041), timeout=5).status_code == 200
    fake.expire_signed_urls()  # and everything handed out so far
    assert fake.file_content(2041).size == 6767


def raw_get(url: str) -> tuple[bytes, bytes]:
    """(head, body) of a GET read off the socket until the server closes it."""
    split = urlsplit(url)
    with socket.create_connection((split.hostname, split.port), timeout=5) as sock:
        sock.sendall(f"GET {split.path} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
        data = b"".join(iter(lambda: sock.recv(65536), b""))
    head, _, body = data.partition(b"\r\n\r\n")
    return head, body


def test_cut_download_promises_more_than_it_sends(fake, call):
    fake.cut_next_download(keep=0.5, file_id=2045)
    head, body = raw_get(signed_url(call, 2045))
    assert b"Content-Length: 2097275" in head and b"Connection: close" in head
    assert body == fake.file_content(2045).read()[:2097275 // 2]
    fake.cut_next_download()
    with pytest.raises(requests.exceptions.ChunkedEncodingError):
        requests.get(signed_url(call, 2045), timeout=5)
    fake.cut_next_download(file_id=2041)  # armed for another file: this download is whole
    whole = requests.get(signed_url(call, 2045), timeout=5)
    assert hashlib.md5(whole.content).hexdigest() == fake.file_content(2045).md5()


def test_range_requests_are_served_like_s3(fake, call):
    url = signed_url(call, 2045)
    part = requests.get(url, headers={"Range": "bytes=65530-65545"}, timeout=5)
    assert part.status_code == 206 and part.headers["Content-Range"].endswith("/2097275")
    assert part.content == fake.file_content(2045).read()[65530:65546]
    beyond = requests.get(url, headers={"Range": "bytes=99999999-"}, timeout=5)
    assert beyond.status_code == 416


def test_a_50_mb_attachment_streams_in_small_chunks(fake, call):
    made = fake.seed_big_workspace(1, attachments=1, size=50 * 1024 * 1024)
    content = fake.file_content(made["file_ids"][0])
    assert max(len(c) for c in content.chunks()) == 64 * 1024
    digest, total = hashlib.md5(), 0
    with requests.get(signed_url(call, made["file_ids"][0]), stream=True, timeout=10) as answer:
        for chunk in answer.iter_content(1024 * 1024):
            digest.update(chunk)
            total += len(chunk)
    assert (total, digest.hexdigest()) == (50 * 1024 * 1024, content.md5())


def test_upload_limit_and_response_keyed_by_id(fake, call):
    ok = call("POST", "file/upload", files={"file": ("a.txt", b"hi")}, data={"group_id": 1801})
    assert list(ok.json()) == ["2051"] and ok.json()["2051"]["mime_type"] == "text/plain"
    attached = call("POST", "file/upload", files={"file": ("s.csv", b"1")},
                    data={"experiment_id": 9904})
    entry = call("GET", "experiment", params={"get_single": 1, "id": 9904}).json()
    assert [f["id"] for f in entry["files"]] == [int(next(iter(attached.json())))]
    fake.upload_limit = 1000
    over = call("POST", "file/upload", files={"file": ("b.bin", b"x" * 1001)})
    assert over.status_code == 413 and b"413 Request Entity Too Large" in over.content
    far_over = call("POST", "file/upload", files={"file": ("c.bin", b"x" * 200_000)})
    assert far_over.status_code == 413
    assert call("POST", "file/upload", data={"group_id": 1801}).status_code == 400


@pytest.mark.parametrize(("status", "retry_after", "html"), [
    (401, None, False), (404, None, False), (500, None, False), (429, None, False),
    (429, 7, False), (502, None, True), (503, 2, True), (504, None, True)])
def test_forced_errors(fake, call, status, retry_after, html):
    fake.fail_next(status, 2, retry_after, match="/experiment-workflow")
    assert call("GET", "user/info").status_code == 200  # does not match
    answers = [call("GET", "experiment-workflow") for _ in range(3)]
    assert [a.status_code for a in answers] == [status, status, 200]
    assert answers[0].headers.get("Retry-After") == (None if retry_after is None
                                                     else str(retry_after))
    if html:
        assert b"<center>nginx</center>" in answers[0].content
    else:
        assert set(answers[0].json()) == {"error"}


def test_malformed_json_is_one_shot(fake, call):
    fake.malform_next()
    broken = call("GET", "user/info")
    assert broken.status_code == 200
    assert int(broken.headers["Content-Length"]) == len(broken.content)
    with pytest.raises(ValueError):
        broken.json()
    assert call("GET", "user/info").json()["id"] == 2


def test_slow_answers_and_reset(fake, call):
    fake.slow_next(0.3)
    with pytest.raises(requests.ReadTimeout):
        requests.get(fake.base_url + API + "user/info", headers=fake.auth_headers(), timeout=0.1)
    fake.fail_next(500, 5)
    fake.reset_faults()
    assert call("GET", "user/info").status_code == 200


def test_the_log_counts_and_redacts(fake, call):
    listed(call)
    requests.get(signed_url(call, 2041), timeout=5)
    assert [r.kind for r in fake.requests] == ["list", "download", "signed"]
    assert fake.requests[0].query == {"search": ["1"]}
    assert fake.requests[1].headers["apikey"] == "<redacted>"
    assert len(fake.calls("list", "experiment-workflow")) == 1


def test_control_endpoint_steers_a_running_fake(fake, call):
    control = fake.base_url + "/_fake/control"
    steer = requests.post(control, json={"op": "fail_next", "args": {"status": 429,
                                                                      "retry_after": 3}},
                          timeout=5)
    assert steer.json() == {"ok": True, "result": None}
    assert call("GET", "user/info").headers["Retry-After"] == "3"
    made = requests.post(control, json={"op": "add_experiment", "args": {"name": "Via control"}},
                         timeout=5).json()["result"]
    assert made["name"] == "Via control"
    requests.post(control, json={"op": "set_signed_url_ttl", "args": {"seconds": 60}}, timeout=5)
    assert fake.signed.ttl == 60
    log = requests.get(fake.base_url + "/_fake/requests", timeout=5).json()
    assert [r["status"] for r in log] == [429]
    assert requests.post(control, json={"op": "stop"}, timeout=5).status_code == 400


def test_stop_hangs_up_keep_alive_connections_and_joins_threads():
    fake = FakeLabstep(api_key=None).start()
    session = requests.Session()
    assert session.get(fake.base_url + API + "user/info", timeout=5).status_code == 200
    started = time.monotonic()
    fake.stop()
    assert time.monotonic() - started < 2
    assert not [t for t in threading.enumerate() if t.name.startswith("fake-labstep")]
    session.close()


def test_command_line_runs_a_standalone_fake():
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.fakes.labstep", "--port", "0", "--api-key", "cli",
         "--fail", "429:1:2@/experiment-workflow", "--big-workspace", "3:1:10"],
        stdout=subprocess.PIPE, text=True)
    try:
        base_url = process.stdout.readline().split()[3]
        url, headers = f"{base_url}{API}experiment-workflow", {"apikey": "cli"}
        first = requests.get(url, headers=headers, timeout=5)
        assert (first.status_code, first.headers["Retry-After"]) == (429, "2")
        assert requests.get(url, headers=headers, timeout=5).json()["total"] == 9
    finally:
        process.terminate()
        process.wait(timeout=5)

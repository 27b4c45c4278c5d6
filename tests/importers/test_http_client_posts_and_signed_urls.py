"""The shared HTTP client's POST (minting a download link), bare downloads (a signed URL gets
no credential) and its size limit, against a real loopback server."""
import io
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from importers.core.errors import FileTooLarge, SourceError
from importers.core.http import SourceClient

BODY = b"z" * 300_000


class Recorder(BaseHTTPRequestHandler):
    seen: list = []
    fail_posts = 0

    def log_message(self, *args):
        pass

    def do_POST(self):
        Recorder.seen.append(("POST", self.path, dict(self.headers)))
        if Recorder.fail_posts:
            Recorder.fail_posts -= 1
            self.send_response(503)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        body = json.dumps({"signed_url": f"http://127.0.0.1:{self.server.server_port}/signed"})
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body.encode())

    def do_GET(self):
        Recorder.seen.append(("GET", self.path, dict(self.headers)))
        self.send_response(200)
        self.send_header("Content-Length", str(len(BODY)))
        self.end_headers()
        self.wfile.write(BODY)


@pytest.fixture
def server():
    Recorder.seen, Recorder.fail_posts = [], 0
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}"
    httpd.shutdown()
    httpd.server_close()
    thread.join()


def client() -> SourceClient:
    return SourceClient(connection_name="c", headers={"apikey": "very-secret-key"}, retries=2,
                        backoff=0.01)


def test_post_json_sends_the_credential_and_retries_a_busy_server(server):
    Recorder.fail_posts = 1
    answer = client().post_json(f"{server}/api/generic/file/download/7")
    assert answer["signed_url"].endswith("/signed")
    posts = [headers for method, _, headers in Recorder.seen if method == "POST"]
    assert len(posts) == 2 and all(h.get("apikey") == "very-secret-key" for h in posts)


def test_a_signed_url_is_fetched_without_the_credential(server):
    target = io.BytesIO()
    assert client().download(f"{server}/signed", target, bare=True) == len(BODY)
    assert target.getvalue() == BODY
    (_, _, headers), = [entry for entry in Recorder.seen if entry[0] == "GET"]
    assert "apikey" not in {name.lower() for name in headers}


def test_a_download_past_the_limit_stops_there(server):
    target = io.BytesIO()
    with pytest.raises(FileTooLarge, match="max_file_bytes") as raised:
        client().download(f"{server}/signed", target, bare=True, max_bytes=100_000)
    assert raised.value.limit == 100_000
    assert target.tell() <= 100_000


class Redirector(BaseHTTPRequestHandler):
    """Answers every GET with a redirect to the same path on another host (127.0.0.2)."""

    def log_message(self, *args):
        pass

    def do_GET(self):
        Recorder.seen.append(("GET-redirector", self.path, dict(self.headers)))
        self.send_response(302)
        self.send_header("Location", f"http://127.0.0.2:{self.server.target_port}/signed")
        self.send_header("Content-Length", "0")
        self.end_headers()


def test_a_redirect_to_another_host_does_not_carry_the_key(server):
    port = int(server.rsplit(":", 1)[1])
    other = ThreadingHTTPServer(("127.0.0.2", port), Recorder)  # same port, other address
    redirector = ThreadingHTTPServer(("127.0.0.1", 0), Redirector)
    redirector.target_port = port
    threads = [threading.Thread(target=s.serve_forever, daemon=True) for s in (other, redirector)]
    for thread in threads:
        thread.start()
    try:
        target = io.BytesIO()
        client().download(f"http://127.0.0.1:{redirector.server_port}/file", target)
        assert target.getvalue() == BODY
    finally:
        for httpd in (other, redirector):
            httpd.shutdown()
            httpd.server_close()
    first, second = [headers for method, _, headers in Recorder.seen if method.startswith("GET")]
    assert first.get("apikey") == "very-secret-key"  # the platform itself gets it
    assert "apikey" not in {name.lower() for name in second}


def test_a_signed_link_that_redirects_is_not_followed(server):
    redirector = ThreadingHTTPServer(("127.0.0.1", 0), Redirector)
    redirector.target_port = int(server.rsplit(":", 1)[1])
    thread = threading.Thread(target=redirector.serve_forever, daemon=True)
    thread.start()
    try:
        with pytest.raises(SourceError, match="redirects elsewhere"):
            client().download(f"http://127.0.0.1:{redirector.server_port}/f", io.BytesIO(),
                              bare=True)
    finally:
        redirector.shutdown()
        redirector.server_close()

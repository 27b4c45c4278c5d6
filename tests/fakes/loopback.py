"""The loopback HTTP plumbing every fake shares: answers, the handler, the server thread, control.

A fake subclasses `LoopbackFake`, implements `answer(method, target, headers, body)` returning
`(RecordedRequest, Response)`, lists its runtime switches in `control_ops`, and gets lifecycle
(`start`/`stop`/`with`), `base_url`, the request log and the `/_fake/control` endpoint for free.
`stop()` hangs up every open connection and joins every handler thread, so a test that stops a
fake leaves no thread behind even when a client pool still holds a keep-alive connection.
"""
import json
import socket
import sys
import threading
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from tests.fakes.faults import Faults, RecordedRequest, RequestLog

JOIN_SECONDS = 5.0


@dataclass
class Response:
    """One answer. `chunks` streams the body (then `declared_length` is required); a
    `declared_length` above the bytes sent, with `close`, is a connection cut mid-body."""

    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    declared_length: int | None = None
    chunks: Iterable[bytes] | None = None
    close: bool = False


def json_response(status: int, payload, **headers: str) -> Response:
    body = json.dumps(payload).encode("utf-8")
    return Response(status, body, {"Content-Type": "application/json; charset=utf-8", **headers})


def error_response(status: int, message: str, **headers: str) -> Response:
    """The fakes' own error shape (Labvanced's guess, and every control-endpoint error)."""
    return json_response(status, {"error": message, "status": status}, **headers)


class FakeHandler(BaseHTTPRequestHandler):
    """Thin adapter from http.server to `fake.answer`; HTTP/1.1 keep-alive like a real server."""

    protocol_version = "HTTP/1.1"
    server_version = "Fake/1.0"
    timeout = 30
    disable_nagle_algorithm = True  # headers and body go out as two writes; avoid a 40 ms stall

    def log_message(self, *args) -> None:
        """Quiet: the fake keeps its own request log."""

    def handle_any(self) -> None:
        fake = self.server.fake
        length = int(self.headers.get("Content-Length") or 0)
        body = None  # a body over the fake's limit is never read: answer, then hang up
        if length <= fake.max_request_body:
            body = self.rfile.read(length) if length else b""
        else:
            self.close_connection = True
        if self.path.startswith(fake.control_prefix):
            return self._send(fake.control(self.command, self.path, body or b""))
        record, response = fake.answer(self.command, self.path, self.headers, body)
        record.status = response.status
        fake.wait(fake.faults.take_delay(record.path))
        return self._send(response)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = handle_any

    def _send(self, response: Response) -> None:
        length = (len(response.body) if response.declared_length is None
                  else response.declared_length)
        self.send_response(response.status)
        for name, value in response.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(length))
        if response.close:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        sent = 0
        try:
            for chunk in (response.body,) if response.chunks is None else response.chunks:
                self.wfile.write(chunk)
                sent += len(chunk)
            self.wfile.flush()
        except OSError:  # the client hung up (or stop() did): nothing left to tell it
            self.close_connection = True
        if sent != length:
            self.close_connection = True


class LoopbackServer(ThreadingHTTPServer):
    """A threading server that remembers its open connections and handler threads."""

    daemon_threads = True

    def __init__(self, address, handler, fake):
        self.fake = fake
        self._open: dict[socket.socket, threading.Thread] = {}
        self._open_lock = threading.Lock()
        super().__init__(address, handler)

    def process_request(self, request, client_address) -> None:
        thread = threading.Thread(target=self.process_request_thread,
                                  args=(request, client_address), daemon=True,
                                  name=f"{self.fake.name}-conn")
        with self._open_lock:
            self._open[request] = thread
        thread.start()

    def shutdown_request(self, request) -> None:
        with self._open_lock:
            self._open.pop(request, None)
        super().shutdown_request(request)

    def handle_error(self, request, client_address) -> None:
        """A connection reset or hung up by `stop()` is routine here, not a traceback."""
        if not isinstance(sys.exc_info()[1], OSError):
            super().handle_error(request, client_address)

    def hang_up_all(self) -> None:
        """Wake every handler (idle keep-alive reads, blocked writes) and wait for it to end."""
        with self._open_lock:
            open_now = list(self._open.items())
        for sock, _ in open_now:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        for _, thread in open_now:
            if thread is not threading.current_thread():
                thread.join(JOIN_SECONDS)


class LoopbackFake:
    """Base of every fake server: construct, `start()` (or `with`), point clients at `base_url`."""

    name = "fake"
    handler: type[FakeHandler] = FakeHandler
    control_ops: tuple[str, ...] = ()
    max_request_body = 1 << 62  # bodies above this are not read (the fake answers and hangs up)

    def __init__(self, *, host: str, port: int, control_prefix: str, faults: Faults,
                 log: RequestLog):
        self.host, self.port, self.control_prefix = host, port, control_prefix
        self.faults, self.log = faults, log
        self._stopping = threading.Event()
        self._server: LoopbackServer | None = None
        self._thread: threading.Thread | None = None

    def answer(self, method: str, target: str, headers, body: bytes | None
               ) -> tuple[RecordedRequest, Response]:
        raise NotImplementedError

    # Switches every fake has.
    def fail_next(self, status: int, count: int = 1, retry_after: int | None = None, *,
                  match: str | None = None, html: bool | None = False, **extra) -> None:
        """Next `count` requests (paths containing `match`) answer `status`; see `Faults`."""
        self.faults.fail_next(status, count, retry_after=retry_after, match=match, html=html,
                              **extra)

    def slow_next(self, seconds: float, count: int = 1, *, match: str | None = None) -> None:
        self.faults.slow_next(seconds, count, match=match)

    @property
    def delay(self) -> float:
        """Seconds every answer waits before its status line."""
        return self.faults.delay

    @delay.setter
    def delay(self, seconds: float) -> None:
        self.faults.delay = seconds

    def set_delay(self, seconds: float) -> None:
        self.delay = seconds

    # Request log.
    @property
    def requests(self) -> list[RecordedRequest]:
        return self.log.all()

    def requests_of(self, kind: str) -> list[RecordedRequest]:
        return [r for r in self.log.all() if r.kind == kind]

    def clear_requests(self) -> None:
        self.log.clear()

    # URLs and lifecycle.
    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    url = base_url

    def start(self):
        self._stopping.clear()
        self._server = LoopbackServer((self.host, self.port), self.handler, self)
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        kwargs={"poll_interval": 0.05},
                                        name=f"{self.name}-{self.port}", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        server, self._server = self._server, None
        if server is None:
            return
        server.shutdown()
        server.hang_up_all()
        server.server_close()
        if self._thread is not None:
            self._thread.join(JOIN_SECONDS)
            self._thread = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def wait(self, seconds: float) -> None:
        """Sleep for a slow answer, cut short when the fake stops so tests never hang on exit."""
        if seconds > 0:
            self._stopping.wait(seconds)

    def serve_until_interrupted(self, banner: str) -> None:
        """The command-line entry: print `banner` (tests read its 4th word), run until ^C."""
        print(banner, flush=True)
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            self.stop()

    def control(self, method: str, target: str, body: bytes) -> Response:
        """The runtime steering endpoint for a fake running in another process."""
        if method == "GET" and target.startswith(self.control_prefix + "requests"):
            return json_response(200, [asdict(r) for r in self.log.all()])
        try:
            command = json.loads(body or b"{}")
            op = command["op"]
            if op not in self.control_ops:
                return error_response(400, f"op must be one of {', '.join(self.control_ops)}")
            result = getattr(self, op)(**command.get("args", {}))
        except (ValueError, KeyError, TypeError) as exc:
            return error_response(400, f"bad control command: {exc}")
        return json_response(200, {"ok": True, "result": result})

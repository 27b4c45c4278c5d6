"""The one HTTP client of every importer: timeouts, retries, Retry-After, rate limit, streaming.

Secrets stay out of logs and messages: the credential goes in a header that is never logged,
URLs are logged without their query string, and every header value the client sends is
scrubbed from the text of its errors (importers.core.scrub), since a platform may echo the
token it refused.
"""
import json as json_module
import logging
import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

import requests

from importers.core.errors import SAID_LIMIT, FileTooLarge, SourceError, fix_for
from importers.core.scrub import Scrubber, header_secrets, url_secrets

logger = logging.getLogger(__name__)
RETRY_STATUSES = {429, 500, 502, 503, 504}
MAX_JSON_BYTES = 64 * 1024 * 1024  # a JSON answer held to be parsed; pages are far smaller
QUERY = re.compile(r"\?\S*")


class WithoutQueryStrings(logging.Filter):
    """urllib3 logs each request's path with its query string (DEBUG), which may hold a key."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(QUERY.sub("?…", arg) if isinstance(arg, str) else arg
                                for arg in record.args)
        return True


logging.getLogger("urllib3.connectionpool").addFilter(WithoutQueryStrings())


def _retry_after_seconds(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return max(float(value), 0.0)
    except ValueError:
        pass
    try:
        return max(parsedate_to_datetime(value).timestamp() - time.time(), 0.0)
    except (TypeError, ValueError):
        return None


def _safe(url: str) -> str:
    """The URL without its login and query string, which may hold credentials."""
    parts = urlsplit(url)
    netloc = parts.netloc.rpartition("@")[2]
    return f"{parts.scheme}://{netloc}{parts.path}"


def _answered(response) -> str:
    """What the platform said, in one line: its text, or what kind of page came back instead of
    an API answer (a web page means the base URL points at a website, not the API)."""
    kind = (response.headers.get("Content-Type") or "no content type").split(";")[0].strip()
    if "html" in kind or "xml" in kind:
        return (f"a {kind} page of {len(response.content)} bytes came back where JSON was "
                "expected: the base URL is not the platform's API root")
    return response.text


def _no_answer(error: Exception) -> str:
    """A failed connection in words, without urllib3's nested reprs."""
    if isinstance(error, requests.Timeout):
        return f"no answer in time ({type(error).__name__}; the `timeout` setting)"
    if isinstance(error, (requests.exceptions.MissingSchema, requests.exceptions.InvalidSchema,
                          requests.exceptions.InvalidURL)):
        return f"the URL cannot be requested ({type(error).__name__}: {error})"
    text = str(error)
    for words, meaning in (("Name or service not known", "the host name is unknown"),
                           ("nodename nor servname", "the host name is unknown"),
                           ("Temporary failure in name resolution", "the host name is unknown"),
                           ("Connection refused", "nothing listens at that address and port"),
                           ("CERTIFICATE_VERIFY_FAILED", "its TLS certificate is not trusted")):
        if words in text:
            return f"could not connect: {meaning}"
    return f"could not connect ({type(error).__name__})"


class CredentialSession(requests.Session):
    """A requests session whose credential headers never follow a redirect to another host.

    requests drops `Authorization` there itself, but not a header of another name (Labstep's
    `apikey`): without this, a platform redirecting to a storage or tracking host would hand
    it the key."""

    def __init__(self, secret_headers=()):
        super().__init__()
        self.secret_headers = {name.lower() for name in secret_headers}

    def rebuild_auth(self, prepared_request, response):
        if self.should_strip_auth(response.request.url, prepared_request.url):
            for name in list(prepared_request.headers):
                if name.lower() in self.secret_headers:
                    del prepared_request.headers[name]
        super().rebuild_auth(prepared_request, response)


class SourceClient:
    """GETs against one connection's platform, with the retry and pacing rules in one place."""

    def __init__(self, *, connection_name: str, headers: dict[str, str], timeout: float = 30.0,
                 retries: int = 4, backoff: float = 0.5, max_retry_after: float = 120.0,
                 requests_per_second: float | None = None, session=None, sleep=time.sleep,
                 budget=None, max_json_bytes: int = MAX_JSON_BYTES):
        self.connection_name = connection_name
        self.max_json_bytes = max_json_bytes
        self.timeout, self.retries, self.backoff = timeout, retries, backoff
        self.max_retry_after = max_retry_after
        self.min_interval = 1.0 / requests_per_second if requests_per_second else 0.0
        self.session = session or CredentialSession(
            name for name in headers if name.lower() not in ("accept", "user-agent"))
        self.session.headers.update(headers)
        # For URLs the platform signed (a file's download link on a storage host): they carry
        # their own authority and must not receive the connection's credential.
        self.bare_session = requests.Session()
        self.scrub = Scrubber(header_secrets(headers))
        self._sleep = sleep
        self.budget = budget  # importers.core.pacing.RequestBudget: a platform's stated limits
        self._last_request = 0.0
        self._lock = threading.Lock()

    def _pace(self, url: str) -> None:
        if self.budget is not None:
            self.budget.take(url)
        with self._lock:
            wait = self._last_request + self.min_interval - time.monotonic()
            if wait > 0:
                self._sleep(wait)
            self._last_request = time.monotonic()

    def _fail(self, url: str, response=None, error: Exception | None = None, *,
              fix: str | None = None) -> SourceError:
        status = response.status_code if response is not None else None
        said = _answered(response) if response is not None else _no_answer(error)
        # What went out: the session's headers, and what requests added (a URL's login
        # becomes an Authorization header), the URL's password and secret query values.
        sent = getattr(response, "request", None) or getattr(error, "request", None)
        scrub = self.scrub.adding(url_secrets(url) | header_secrets(
            getattr(sent, "headers", None) or {}) | url_secrets(getattr(sent, "url", "") or ""))
        return SourceError(connection=self.connection_name, url=scrub(_safe(url)),
                           status=status, said=scrub.clip(" ".join(said.split()), SAID_LIMIT),
                           fix=fix or fix_for(status, self.connection_name))

    def _request(self, url: str, *, stream: bool, params=None, method: str = "GET",
                 json=None, bare: bool = False):
        session = self.bare_session if bare else self.session
        for attempt in range(self.retries + 1):
            self._pace(url)
            try:
                # A signed link's host does not redirect elsewhere: following one could lead
                # anywhere (importers.core.hosts), so a bare request follows none.
                response = session.request(method, url, params=params, json=json,
                                           timeout=self.timeout, stream=stream,
                                           allow_redirects=not bare)
            except (requests.ConnectionError, requests.Timeout) as error:
                if attempt == self.retries:
                    raise self._fail(url, error=error) from None
                delay = self.backoff * 2 ** attempt
                logger.warning("[%s] %s: %s; retrying in %.1fs", self.connection_name,
                               _safe(url), type(error).__name__, delay)
                self._sleep(delay)
                continue
            except requests.RequestException as error:  # e.g. a header value it refuses
                raise self._fail(url, error=error, fix=(
                    "check the connection's base URL, credential and settings (`manage.py "
                    f"mirror_connection {self.connection_name} --base-url …`)")) from None
            if bare and 300 <= response.status_code < 400:
                raise self._fail(url, response, fix="the download link redirects elsewhere; "
                                 "links handed over by the platform are fetched as they are")
            if response.status_code < 400:
                return response
            if response.status_code not in RETRY_STATUSES or attempt == self.retries:
                raise self._fail(url, response)
            delay = _retry_after_seconds(response.headers.get("Retry-After"))
            if delay is None:
                delay = self.backoff * 2 ** attempt
            if delay > self.max_retry_after:
                raise self._fail(url, response)
            logger.warning("[%s] %s: HTTP %s; retrying in %.1fs", self.connection_name,
                           _safe(url), response.status_code, delay)
            response.close()
            self._sleep(delay)
        raise AssertionError("unreachable")

    def get_json(self, url: str, params=None):
        return self._json(url, self._request(url, stream=True, params=params))

    def post_json(self, url: str, json=None, params=None):
        """POST (a JSON body, or none) and read the JSON answer, with GET's retry rules: for
        requests that change nothing upstream, such as minting a download link."""
        return self._json(url, self._request(url, stream=True, params=params, method="POST",
                                             json=json))

    def _json(self, url: str, response):
        """The answer's JSON, read as a stream and refused past `max_json_bytes`: an answer is
        held whole to be parsed, so one without end must not take the memory with it."""
        body = bytearray()
        try:
            for chunk in self._chunks(url, response):
                body += chunk
                if len(body) > self.max_json_bytes:
                    raise SourceError(
                        connection=self.connection_name,
                        url=self.scrub.adding(url_secrets(url))(_safe(url)),
                        status=response.status_code,
                        said=f"an answer of more than {self.max_json_bytes:,} bytes",
                        fix="ask for smaller pages (the connection's `page_size` setting, "
                        "where it has one) or raise `max_json_bytes`")
        finally:
            response.close()
        response._content = bytes(body)  # read already: what `_answered` shows comes from here
        try:
            return json_module.loads(response._content)
        except ValueError:
            raise self._fail(url, response, fix="the platform answered something that is not "
                             "JSON; check the base URL and endpoint paths") from None

    @contextmanager
    def stream(self, url: str, params=None, *, bare: bool = False) -> Iterator[Iterator[bytes]]:
        """Yield the body in chunks; a connection cut mid-body is a SourceError. `bare`: without
        the connection's headers (a signed URL)."""
        response = self._request(url, stream=True, params=params, bare=bare)
        try:
            yield self._chunks(url, response)
        finally:
            response.close()

    def _chunks(self, url, response) -> Iterator[bytes]:
        try:
            yield from response.iter_content(chunk_size=256 * 1024)
        except (requests.ConnectionError, requests.exceptions.ChunkedEncodingError) as error:
            raise self._fail(url, error=error) from None

    def download(self, url: str, target, params=None, *, bare: bool = False,
                 max_bytes: int | None = None) -> int:
        """Stream a body into a seekable binary file; returns the bytes written.

        A transfer cut short (fewer bytes than Content-Length, a dropped connection) starts over,
        with the same retries and backoff as a failed request. A body past `max_bytes` stops
        at once with FileTooLarge (nothing more is read). `bare`: see `stream`.
        """
        for attempt in range(self.retries + 1):
            target.seek(0)
            target.truncate()
            written = 0
            try:
                with self.stream(url, params=params, bare=bare) as chunks:
                    for chunk in chunks:
                        written += len(chunk)
                        if max_bytes is not None and written > max_bytes:
                            raise FileTooLarge(url=self.scrub(_safe(url)), limit=max_bytes)
                        target.write(chunk)
                return written
            except SourceError as error:
                if error.status is not None or attempt == self.retries:
                    raise
                delay = self.backoff * 2 ** attempt
                logger.warning("[%s] %s: transfer cut after %d bytes; retrying in %.1fs",
                               self.connection_name, _safe(url), written, delay)
                self._sleep(delay)
        raise AssertionError("unreachable")

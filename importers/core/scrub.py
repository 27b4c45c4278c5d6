"""Secrets out of every message an import stores, prints or logs.

A platform may quote the credential it refused ("invalid token lv-…"), whole or cut short, and
an HTTP library may quote a header value in its own error. Such text would reach
`ImportRun.error` (which /import-runs shows to every user, read-only ones included), the admin,
the command's output and the logs. So every message passes through a `Scrubber` first: it
replaces each secret, and any run of `MIN_FRAGMENT` or more of a secret's characters (a token
cut short, or cut by a length limit), with `REDACTED`.
"""
import re
from collections.abc import Iterable, Mapping
from urllib.parse import parse_qsl, urlsplit

REDACTED = "[redacted]"
MIN_FRAGMENT = 8
# Headers the client sends that carry no secret; every other header value is one.
PLAIN_HEADERS = frozenset({"accept", "accept-encoding", "accept-language", "user-agent",
                           "content-type", "content-length", "connection", "host"})
# Words of a query parameter's name that make its value a secret (`api_key`, `X-Amz-Signature`,
# `sessionToken`), matched as whole words: `keyword`, `passage` or `authors` are not secrets.
SECRET_WORDS = frozenset({"key", "apikey", "token", "secret", "password", "passwd", "pass", "pwd",
                          "auth", "authorization", "sig", "signature", "session", "sessionid",
                          "credential", "credentials", "jwt"})
NAME_WORD = re.compile(r"[A-Z]?[a-z0-9]+|[A-Z]+(?![a-z])")


def header_secrets(headers: Mapping[str, str]) -> set[str]:
    """The secret part of each header value: the token after an auth scheme, else the value."""
    secrets = set()
    for name, value in headers.items():
        if name.lower() in PLAIN_HEADERS or not value:
            continue
        scheme, _, token = str(value).strip().partition(" ")
        secrets.add(token.strip() or scheme)
    return secrets


def is_secret_parameter(name: str) -> bool:
    """Whether a query parameter's name says its value is a secret (whole words, any case)."""
    return any(word.lower() in SECRET_WORDS for word in NAME_WORD.findall(name))


def url_secrets(url: str) -> set[str]:
    """A URL's password (`https://user:password@host`) and secret-looking query values.

    A value shorter than `MIN_FRAGMENT` is no credential (`session=42`, `sessionNr=3`), and
    scrubbing it would cut every "42" out of every message, so it is left alone.
    """
    parts = urlsplit(url)
    secrets = {value for key, value in parse_qsl(parts.query)
               if is_secret_parameter(key) and len(value) >= MIN_FRAGMENT}
    return secrets | ({parts.password} if parts.password else set())


class Scrubber:
    """`scrubber(text)`: text without the secrets given (nor long fragments of them)."""

    def __init__(self, secrets: Iterable[str]):
        self.secrets = sorted({s for s in secrets if s}, key=len, reverse=True)
        self._fragments = {secret: {secret[i:i + self._size(secret)]
                                    for i in range(len(secret) - self._size(secret) + 1)}
                           for secret in self.secrets}

    @staticmethod
    def _size(secret: str) -> int:
        return min(len(secret), MIN_FRAGMENT)

    @property
    def longest(self) -> int:
        return len(self.secrets[0]) if self.secrets else 0

    def adding(self, secrets: Iterable[str]) -> "Scrubber":
        """This scrubber, with more secrets."""
        more = set(secrets) - set(self.secrets)
        return Scrubber({*self.secrets, *more}) if more else self

    def __call__(self, text: str) -> str:
        for secret in self.secrets:
            text = self._without(text, secret)
        return text

    def _without(self, text: str, secret: str) -> str:
        size, fragments = self._size(secret), self._fragments[secret]
        kept, start, index = [], 0, 0
        while index <= len(text) - size:
            if text[index:index + size] not in fragments:
                index += 1
                continue
            end = index + size
            while end < len(text) and text[index:end + 1] in secret:
                end += 1
            kept += [text[start:index], REDACTED]
            start = index = end
        return "".join(kept) + text[start:]

    def clip(self, text: str, limit: int) -> str:
        """The first `limit` characters of the scrubbed text (scrubbed before it is cut, so that
        the cut cannot leave the start of a secret behind)."""
        return self(text[:limit + self.longest])[:limit]


def connection_secrets(connection) -> set[str]:
    """What a connection holds that no message may repeat."""
    return {connection.credential, getattr(connection, "webhook_token", "")} - {"", None}

"""API keys of the fake HyperStudy: the `X-API-Key` header, scopes, expiry and revocation.

Upstream keys look like `hst_{live|test}_<random>` but the SDK's own tests use a short random part,
so the format is not checked (reference C.1). A key carries scopes (`read:events`, ..., the
wildcards `read:*` and `*`); a request its key's scopes do not cover is a 403 that names the
scope needed. An expired or revoked key is a 401, like an unknown one. Keys compare in constant
time. Only `X-API-Key` counts: `Authorization: Bearer <key>` is a 401, as the docs warn.
"""
import hmac
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from tests.fakes.hyperstudy_envelope import ApiError

ALL_READ = ("read:*",)
ANONYMOUS = "anonymous"  # the rate-limit key when auth is off


@dataclass
class ApiKey:
    key: str
    scopes: frozenset[str]
    expires_at: float | None = None  # on the fake's clock
    revoked: bool = False

    def allows(self, needed: str | None) -> bool:
        if needed is None or "*" in self.scopes or needed in self.scopes:
            return True
        family = needed.split(":", 1)[0]
        return f"{family}:*" in self.scopes


class Keys:
    def __init__(self, clock: Callable[[], float]):
        self.clock = clock
        self._keys: dict[str, ApiKey] = {}
        self._lock = threading.Lock()
        self.enabled = True

    def add(self, key: str, scopes: Iterable[str] = ALL_READ, *,
            expires_in: float | None = None) -> ApiKey:
        expires_at = None if expires_in is None else self.clock() + expires_in
        entry = ApiKey(key, frozenset(scopes), expires_at)
        with self._lock:
            self._keys[key] = entry
        return entry

    def revoke(self, key: str) -> None:
        with self._lock:
            self._keys[key].revoked = True

    def find(self, sent: str | None) -> ApiKey | None:
        """The usable key matching `sent`, else None (unknown, expired or revoked)."""
        if not self.enabled:
            return ApiKey(ANONYMOUS, frozenset({"*"}))
        if not sent:
            return None
        with self._lock:
            candidates = list(self._keys.values())
        now = self.clock()
        for entry in candidates:
            if hmac.compare_digest(entry.key.encode(), sent.encode()):
                if entry.revoked or (entry.expires_at is not None and now >= entry.expires_at):
                    return None
                return entry
        return None


def authenticate(keys: Keys, headers) -> ApiKey:
    sent = headers.get("X-API-Key")
    entry = keys.find(sent)
    if entry is None:
        raise ApiError(401, "API key required. Send it in the X-API-Key header." if not sent
                       else "Invalid or expired API key")
    return entry


def require(entry: ApiKey, needed: str | None) -> None:
    if not entry.allows(needed):
        raise ApiError(403, f"Insufficient scopes. Required: {needed}",
                       {"required": [needed], "provided": sorted(entry.scopes)})

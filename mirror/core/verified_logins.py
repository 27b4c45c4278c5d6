"""HTTP Basic logins already verified by this process, so a download does not hash a password on
every request (a password hash is built to be slow: ~0.5 s with Django's default PBKDF2).

ONE sends the same username and password with each file it downloads. The first request checks
them with `authenticate()` (throttled, mirror.core.login_throttle); later ones within
VERIFIED_LOGIN_SECONDS match a keyed digest instead. No password is kept: the key is an HMAC of
username and password under a random key made at process start, so an entry cannot be checked
against a guess outside this process. Each hit still reads the user's row (the one query the
check always made) and holds only while the account is active and its password hash is the one
verified, so a changed password or a deactivated user stops working at once, in every worker.
"""
import hashlib
import hmac
import secrets
import threading
import time
from collections import OrderedDict

from django.conf import settings
from django.contrib.auth import get_user_model

_PROCESS_KEY = secrets.token_bytes(32)
MAX_ENTRIES = 1024


def _digest(username: str, password: str) -> bytes:
    message = username.encode() + b"\0" + password.encode()
    return hmac.new(_PROCESS_KEY, message, hashlib.sha256).digest()


class VerifiedLogins:
    """A bounded, expiring map of login digest → (user id, password hash, expiry)."""

    def __init__(self, max_entries: int = MAX_ENTRIES):
        self._entries: OrderedDict[bytes, tuple[object, str, float]] = OrderedDict()
        self._lock = threading.Lock()
        self._max_entries = max_entries

    def remember(self, username: str, password: str, user) -> None:
        key, expires = _digest(username, password), \
            time.monotonic() + settings.MIRROR_VERIFIED_LOGIN_SECONDS
        with self._lock:
            self._entries[key] = (user.pk, user.password, expires)
            self._entries.move_to_end(key)
            while len(self._entries) > self._max_entries:
                self._entries.popitem(last=False)

    def holds(self, username: str, password: str) -> bool:
        """True if this login was verified lately and the account is unchanged since."""
        key = _digest(username, password)
        with self._lock:
            entry = self._entries.get(key)
        if entry is None:
            return False
        user_id, password_hash, expires = entry
        if time.monotonic() < expires:
            current = get_user_model().objects.filter(pk=user_id, is_active=True).values_list(
                "password", flat=True).first()
            if current is not None and hmac.compare_digest(current, password_hash):
                return True
        with self._lock:
            self._entries.pop(key, None)
        return False

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


verified_logins = VerifiedLogins()

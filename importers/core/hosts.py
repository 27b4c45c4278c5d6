"""Where a link handed over by a platform may point: a signed download URL comes from upstream
JSON, so a hostile or confused platform could aim the importer at this machine's own network
(a cloud metadata address, an internal service) and the answer would be stored as a file every
user can read. Such a link is refused unless the connection's own platform lives there too (a
platform on this machine or network, like the test fakes)."""
import ipaddress
import socket
from urllib.parse import urlsplit


def _addresses(host: str) -> list:
    try:
        return [ipaddress.ip_address(info[4][0].split("%")[0])
                for info in socket.getaddrinfo(host, None)]
    except (socket.gaierror, UnicodeError, ValueError):
        return []


def is_internal(host: str) -> bool:
    """Whether any address `host` resolves to is loopback, private, link-local or reserved."""
    return any(a.is_loopback or a.is_private or a.is_link_local or a.is_reserved
               or a.is_multicast or a.is_unspecified for a in _addresses(host))


def link_problem(link: str, base_url: str) -> str | None:
    """Why the importer must not fetch `link` (a message), or None."""
    parts = urlsplit(link)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "is not an http(s) address with a host"
    if parts.username or parts.password:
        return "carries a login"
    home = urlsplit(base_url).hostname or ""
    if is_internal(parts.hostname) and not is_internal(home):
        return (f"points at {parts.hostname}, an address inside this network, while the "
                f"platform is at {home}: not fetched")
    return None

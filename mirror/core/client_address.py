"""The address a request comes from, as far as this server can trust it (for login throttling).

REMOTE_ADDR unless MIRROR_CLIENT_IP_HEADER names the header a proxy in front of every app server
sets (`X-Forwarded-For`, `X-Real-IP`): then the right-most address in it, the one that proxy
added; whatever a client put before it is ignored. Without the setting a forwarded header is
never read, since any client can send one. An IPv6 client is counted by its /64 network, the
block one customer usually holds, so rotating addresses inside it gains nothing.
"""
import ipaddress

from django.conf import settings
from django.core import checks

IPV6_CUSTOMER_PREFIX = 64


def meta_key(header: str) -> str:
    """`X-Forwarded-For` → `HTTP_X_FORWARDED_FOR`, the name Django keeps it under."""
    return "HTTP_" + header.strip().upper().replace("-", "_")


def _normalised(value: str | None) -> str | None:
    try:
        address = ipaddress.ip_address((value or "").strip())
    except ValueError:
        return None
    if address.version == 4:
        return str(address)
    if address.ipv4_mapped is not None:  # ::ffff:192.0.2.1 is the IPv4 client 192.0.2.1
        return str(address.ipv4_mapped)
    network = ipaddress.ip_network(f"{address}/{IPV6_CUSTOMER_PREFIX}", strict=False)
    return str(network.network_address)


def client_address(request) -> str | None:
    """The client's address (an IPv6 client's /64 network), or None if there is none valid."""
    header = settings.MIRROR_CLIENT_IP_HEADER
    if header:
        forwarded = request.META.get(meta_key(header), "").rsplit(",", 1)[-1]
        address = _normalised(forwarded)
        if address is not None:
            return address
    return _normalised(request.META.get("REMOTE_ADDR"))


@checks.register(checks.Tags.security, deploy=True)
def check_proxy_header(app_configs=None, **kwargs) -> list:
    """Behind a proxy every request's REMOTE_ADDR is the proxy's: without the header setting all
    clients would share one login-failure count, and a few failures would lock out everybody."""
    if settings.SECURE_PROXY_SSL_HEADER and not settings.MIRROR_CLIENT_IP_HEADER:
        return [checks.Warning(
            "BEHIND_HTTPS_PROXY is set but MIRROR_CLIENT_IP_HEADER is empty: failed logins are "
            "counted per proxy, not per client.",
            hint="Set MIRROR_CLIENT_IP_HEADER to the header your proxy sets, e.g. "
                 "X-Forwarded-For.", id="mirror.W002")]
    return []

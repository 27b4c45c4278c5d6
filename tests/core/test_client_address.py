"""Which address a login is counted against: REMOTE_ADDR, or the right-most entry of a header
that a setting says the proxy sets; IPv6 clients by their /64."""
import pytest
from django.test import RequestFactory

from mirror.core.client_address import client_address, meta_key


def _request(**meta):
    return RequestFactory().get("/", **meta)


def test_remote_addr_without_a_trusted_header(settings):
    settings.MIRROR_CLIENT_IP_HEADER = ""
    request = _request(REMOTE_ADDR="192.0.2.1", HTTP_X_FORWARDED_FOR="198.51.100.7")
    assert client_address(request) == "192.0.2.1"


@pytest.mark.parametrize(("forwarded", "expected"), [
    ("198.51.100.7", "198.51.100.7"),
    ("203.0.113.9, 198.51.100.7", "198.51.100.7"),  # a client-set entry before the proxy's
    ("not-an-address", "192.0.2.1"),                # unreadable: the proxy's own address
    ("", "192.0.2.1"),
])
def test_the_right_most_entry_of_a_trusted_header(settings, forwarded, expected):
    settings.MIRROR_CLIENT_IP_HEADER = "X-Forwarded-For"
    request = _request(REMOTE_ADDR="192.0.2.1", HTTP_X_FORWARDED_FOR=forwarded)
    assert client_address(request) == expected


def test_ipv6_clients_are_counted_by_their_64_network(settings):
    settings.MIRROR_CLIENT_IP_HEADER = ""
    assert client_address(_request(REMOTE_ADDR="2001:db8:1:2:aaaa::1")) == "2001:db8:1:2::"
    assert client_address(_request(REMOTE_ADDR="::ffff:192.0.2.5")) == "192.0.2.5"


def test_no_valid_address_is_none(settings):
    settings.MIRROR_CLIENT_IP_HEADER = ""
    assert client_address(_request(REMOTE_ADDR="")) is None


def test_meta_key():
    assert meta_key("X-Real-IP") == "HTTP_X_REAL_IP"

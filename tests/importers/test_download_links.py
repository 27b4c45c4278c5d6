"""Links a platform hands over are fetched only where the platform itself could be: never
this machine's own network when the platform is outside it, never through a redirect."""
import ipaddress

import pytest

from importers.core import hosts

ADDRESSES = {"api.labstep.com": "52.17.1.10", "storage.example": "34.1.2.3",
             "metadata.internal": "169.254.169.254", "db.lan": "10.0.0.5",
             "localhost": "127.0.0.1"}


@pytest.fixture(autouse=True)
def dns(monkeypatch):
    def resolve(host):
        try:
            return [ipaddress.ip_address(host)]
        except ValueError:
            return [ipaddress.ip_address(ADDRESSES[host])] if host in ADDRESSES else []
    monkeypatch.setattr(hosts, "_addresses", resolve)


@pytest.mark.parametrize("link", ["http://169.254.169.254/latest/meta-data/",
                                  "http://metadata.internal/x", "http://db.lan:5432/",
                                  "http://127.0.0.1:8000/data/x", "http://[::1]/x"])
def test_an_internal_link_from_a_public_platform_is_refused(link):
    assert "inside this network" in hosts.link_problem(link, "https://api.labstep.com")


def test_a_public_storage_link_is_fetched():
    assert hosts.link_problem("https://storage.example/bucket/f?sig=1",
                              "https://api.labstep.com") is None


def test_a_platform_on_this_machine_may_link_to_it():
    assert hosts.link_problem("http://127.0.0.1:8302/_signed/t", "http://localhost:8302") is None


@pytest.mark.parametrize("link", ["ftp://storage.example/f", "https://u:p@storage.example/f",
                                  "file:///etc/passwd"])
def test_links_that_are_not_plain_http_are_refused(link):
    assert hosts.link_problem(link, "https://api.labstep.com") is not None

"""The portal's one set of server-side request forgery rules (portal/outbound.py): which addresses may be
reached, resolving and checking every address, connecting to the address checked, redirects, timeouts and
the size limit. The features that use it (webhooks, a coach's own calendar) test their own wording and use."""

from __future__ import annotations

import socket
import time
from urllib.parse import urlsplit

import pytest

from portal import outbound
from tests.outside import PUBLIC, resolving, serving

PRIVATE = [
    "127.0.0.1",  # loopback
    "::1",
    "10.1.2.3",  # private
    "172.16.5.4",
    "192.168.0.10",
    "fd12:3456::1",
    "169.254.1.1",  # link-local
    "fe80::1%eth0",
    "100.64.0.1",  # shared (carrier-grade NAT)
    "240.0.0.1",  # reserved
    "192.0.2.1",  # documentation
    "::ffff:127.0.0.1",  # IPv4-mapped IPv6
    "::ffff:10.0.0.1",
]
ALWAYS_REFUSED = [
    "169.254.169.254",  # cloud metadata
    "fd00:ec2::254",
    "100.100.100.200",
    "::ffff:169.254.169.254",
    "224.0.0.1",  # multicast
    "ff02::1",
    "0.0.0.0",  # unspecified
    "::",
]


@pytest.mark.parametrize("address", PRIVATE + ALWAYS_REFUSED)
def test_non_public_addresses_are_refused_in_production(address, settings):
    settings.OUTBOUND_ALLOW_PRIVATE_ADDRESSES = False
    assert not outbound.address_allowed(address)


@pytest.mark.parametrize("address", PRIVATE)
def test_development_allows_loopback_and_private_networks(address, settings):
    settings.OUTBOUND_ALLOW_PRIVATE_ADDRESSES = True
    assert outbound.address_allowed(address)


@pytest.mark.parametrize("address", ALWAYS_REFUSED)
def test_metadata_multicast_and_unspecified_addresses_are_refused_even_in_development(address, settings):
    settings.OUTBOUND_ALLOW_PRIVATE_ADDRESSES = True
    assert not outbound.address_allowed(address)


@pytest.mark.parametrize("allow", [False, True])
@pytest.mark.parametrize("address", [PUBLIC, "2606:2800:21f:cb07:6820:80da:af6b:8b2c", "::ffff:93.184.215.14"])
def test_public_addresses_are_allowed(address, allow, settings):
    settings.OUTBOUND_ALLOW_PRIVATE_ADDRESSES = allow
    assert outbound.address_allowed(address)


def test_the_setting_is_on_in_development_and_tests(settings):
    assert settings.OUTBOUND_ALLOW_PRIVATE_ADDRESSES  # DEBUG, or not production: `make run`


def test_every_address_a_name_resolves_to_is_checked(monkeypatch, settings):
    settings.OUTBOUND_ALLOW_PRIVATE_ADDRESSES = False
    resolving(monkeypatch, {"mixed.example.com": [PUBLIC, "10.0.0.8"], "public.example.com": [PUBLIC]})
    with pytest.raises(outbound.PrivateAddress) as refused:
        outbound.target("https://mixed.example.com/x")
    assert (refused.value.host, refused.value.address) == ("mixed.example.com", "10.0.0.8")
    found = outbound.target("https://public.example.com/hooks?a=1")
    assert found == outbound.Target("https", "public.example.com", 443, "/hooks?a=1", PUBLIC)


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("ftp://example.com/x", "scheme"),
        ("file:///etc/passwd", "scheme"),
        ("not a url", "scheme"),
        ("https://user:pw@example.com/x", "credentials"),
        ("https://example.com:99999/x", "port"),
    ],
)
def test_only_http_addresses_with_a_host_and_no_credentials(url, problem):
    with pytest.raises(outbound.BadAddress) as refused:
        outbound.target(url)
    assert refused.value.problem == problem


def test_an_unknown_host_is_named():
    with pytest.raises(outbound.HostNotFound) as unknown:
        outbound.target("https://no-such-host.invalid/")
    assert unknown.value.host == "no-such-host.invalid"


LIMITS = {"connect_timeout": 2, "read_timeout": 2, "most_bytes": 100}


def test_the_connection_goes_to_the_address_checked_with_the_host_named(monkeypatch):
    """DNS rebinding: the name is looked up once; a second answer pointing elsewhere is never used."""
    answers = {"cal.example.test": ["127.0.0.1"]}
    resolving(monkeypatch, answers)
    connected = []
    real_connect = socket.create_connection

    def create_connection(address, *args, **kwargs):
        connected.append(address)
        return real_connect(address, *args, **kwargs)

    monkeypatch.setattr(socket, "create_connection", create_connection)
    seen = []
    with serving({"/x": (200, {}, b"hello")}, seen) as base:
        port = urlsplit(base).port
        found = outbound.target(f"http://cal.example.test:{port}/x")
        answers["cal.example.test"] = ["10.9.9.9"]  # rebound after the check
        response = outbound.request(found, **LIMITS)
    assert (response.status, response.body, response.complete) == (200, b"hello", True)
    assert connected == [("127.0.0.1", port)]
    assert seen == [("GET", "/x", f"cal.example.test:{port}")]


def test_redirects_are_not_followed_unless_asked():
    seen = []
    with serving({"/moved": (302, {"Location": "/there"}, b""), "/there": (200, {}, b"here")}, seen) as base:
        response = outbound.request(outbound.target(f"{base}/moved"), method="POST", **LIMITS)
    assert (response.status, response.location) == (302, "/there")
    assert seen == [("POST", "/moved", base.removeprefix("http://"))]


def test_redirects_followed_up_to_the_number_given_each_checked_again(settings):
    routes = {
        "/a": (301, {"Location": "/b"}, b""),
        "/b": (303, {"Location": "/c"}, b""),
        "/c": (200, {}, b"arrived"),
        "/loop": (302, {"Location": "/loop"}, b""),
        "/meta": (302, {"Location": "http://169.254.169.254/latest/"}, b""),
    }
    seen = []
    with serving(routes, seen) as base:
        arrived = outbound.request(outbound.target(f"{base}/a"), method="POST", body=b"{}", redirects=3, **LIMITS)
        assert (arrived.status, arrived.body, arrived.target.path) == (200, b"arrived", "/c")
        assert [(method, path) for method, path, _host in seen] == [("POST", "/a"), ("POST", "/b"), ("GET", "/c")]
        looped = outbound.request(outbound.target(f"{base}/loop"), redirects=3, **LIMITS)
        assert (looped.status, len(seen)) == (302, 3 + 4)  # three followed, the fourth is the answer
        with pytest.raises(outbound.PrivateAddress):
            outbound.request(outbound.target(f"{base}/meta"), redirects=3, **LIMITS)
        settings.OUTBOUND_ALLOW_PRIVATE_ADDRESSES = False  # a redirect back inside, as in production
        with pytest.raises(outbound.PrivateAddress):
            outbound.request(
                outbound.Target("http", "127.0.0.1", urlsplit(base).port, "/a", "127.0.0.1"), redirects=3, **LIMITS
            )


def test_the_body_is_cut_at_the_limit_and_said_to_be_incomplete():
    with serving({"/big": (200, {}, b"x" * 5000), "/fits": (200, {}, b"y" * 100)}) as base:
        big = outbound.request(outbound.target(f"{base}/big"), **LIMITS)
        fits = outbound.request(outbound.target(f"{base}/fits"), **LIMITS)
    assert (len(big.body), big.complete) == (100, False)
    assert (len(fits.body), fits.complete) == (100, True)


def test_a_slow_answer_times_out():
    def slow():
        time.sleep(2)
        return b"late"

    with serving({"/slow": (200, {}, slow)}) as base:
        started = time.monotonic()
        with pytest.raises(outbound.Unreachable) as failed:
            outbound.request(outbound.target(f"{base}/slow"), connect_timeout=1, read_timeout=0.3, most_bytes=10)
    assert isinstance(failed.value.cause, TimeoutError) and time.monotonic() - started < 1.5
    assert str(failed.value).startswith("TimeoutError: ")

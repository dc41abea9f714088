"""No server-side request forgery for webhooks: endpoints that lead into private networks are refused where the
setting is off (production), checked again at every delivery against the address actually connected to. The
address rules themselves are tested with portal/outbound.py (tests/test_outbound.py)."""

from __future__ import annotations

import socket

import pytest
from django.core.exceptions import ValidationError
from django.test import override_settings

from tests.outside import PUBLIC, resolving
from tests.webhooks.helpers import endpoint_make
from webhooks import services
from webhooks.models import Attempt, Delivery, Endpoint


@override_settings(OUTBOUND_ALLOW_PRIVATE_ADDRESSES=False)
@pytest.mark.parametrize(
    "url",
    [
        "https://localhost/hooks",
        "https://10.1.2.3/hooks",
        "https://[::ffff:127.0.0.1]/hooks",
        "https://169.254.169.254/latest/meta-data/",
    ],
)
def test_an_endpoint_inside_a_private_network_is_refused(url, world, in_tenant):
    with in_tenant(world.acme):
        with pytest.raises(ValidationError) as refused:
            endpoint_make(world.acme, url)
        assert "private network" in refused.value.message_dict["url"][0]
        assert not Endpoint.objects.exists()


@override_settings(OUTBOUND_ALLOW_PRIVATE_ADDRESSES=False)
@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("http://hooks.example.com/x", "https://"),
        ("ftp://hooks.example.com/x", "https://"),
        ("https://user:pw@hooks.example.com/x", "user name"),
        ("https://hooks.example.com:99999/x", "port"),
        ("not a url", "https://"),
    ],
)
def test_a_malformed_or_unsafe_address_is_refused_with_a_reason(url, says, world, in_tenant, monkeypatch):
    resolving(monkeypatch, {"hooks.example.com": [PUBLIC]})
    with in_tenant(world.acme):
        with pytest.raises(ValidationError) as refused:
            endpoint_make(world.acme, url)
        assert says in refused.value.message_dict["url"][0]


@override_settings(OUTBOUND_ALLOW_PRIVATE_ADDRESSES=False)
def test_a_name_resolving_to_any_private_address_is_refused(world, in_tenant, monkeypatch):
    resolving(monkeypatch, {"hooks.example.com": [PUBLIC, "10.0.0.8"]})
    with in_tenant(world.acme), pytest.raises(ValidationError):
        endpoint_make(world.acme, "https://hooks.example.com/x")


@override_settings(OUTBOUND_ALLOW_PRIVATE_ADDRESSES=False)
def test_a_public_address_is_accepted(world, in_tenant, monkeypatch):
    resolving(monkeypatch, {"hooks.example.com": [PUBLIC]})
    with in_tenant(world.acme):
        endpoint, secret = endpoint_make(world.acme, "https://hooks.example.com/portal")
        assert endpoint.url == "https://hooks.example.com/portal" and secret.startswith("whsec_")


def test_development_allows_loopback(world, in_tenant, settings):
    assert settings.OUTBOUND_ALLOW_PRIVATE_ADDRESSES  # DEBUG, or not production: `make run`
    with in_tenant(world.acme):
        endpoint, _secret = endpoint_make(world.acme, "http://localhost:8001/hooks")
        assert endpoint.pk


def test_a_name_that_turns_private_after_registration_is_not_sent_to(
    world, in_tenant, receiver, monkeypatch, settings, django_capture_on_commit_callbacks
):
    """DNS rebinding: the name resolved to a public address when HR registered it, and to loopback now."""
    answers = {"rebind.example.com": [PUBLIC]}
    resolving(monkeypatch, answers)
    settings.OUTBOUND_ALLOW_PRIVATE_ADDRESSES = False
    port = receiver.server.server_address[1]
    with in_tenant(world.acme):
        endpoint, _secret = endpoint_make(world.acme, f"https://rebind.example.com:{port}/hooks")
        answers["rebind.example.com"] = ["127.0.0.1"]
        with django_capture_on_commit_callbacks(execute=True):
            services.event_record("urgent_request.made", urgent_request_id=1, made_at="2026-12-03T10:00:00+00:00")
        attempt = Attempt.objects.get(delivery__endpoint=endpoint)
        assert attempt.status_code is None and "private network" in attempt.error
        assert Delivery.objects.get(endpoint=endpoint).status == Delivery.Status.PENDING
    assert not receiver.received


def test_the_connection_goes_to_the_address_checked_with_the_host_named(
    world, in_tenant, receiver, monkeypatch, django_capture_on_commit_callbacks
):
    calls = []
    answers = {"hooks.example.test": ["127.0.0.1"]}
    resolving(monkeypatch, answers)
    real_connect = socket.create_connection

    def create_connection(address, *args, **kwargs):
        calls.append(address)
        return real_connect(address, *args, **kwargs)

    monkeypatch.setattr(socket, "create_connection", create_connection)
    port = receiver.server.server_address[1]
    with in_tenant(world.acme):
        endpoint_make(world.acme, f"http://hooks.example.test:{port}/hooks")
        with django_capture_on_commit_callbacks(execute=True):
            services.event_record("urgent_request.made", urgent_request_id=1, made_at="2026-12-03T10:00:00+00:00")
    assert calls == [("127.0.0.1", port)]
    [request] = receiver.received
    assert request.headers["host"] == f"hooks.example.test:{port}"


def test_metadata_addresses_are_refused_even_in_development(world, in_tenant, settings):
    assert settings.OUTBOUND_ALLOW_PRIVATE_ADDRESSES
    with in_tenant(world.acme):
        with pytest.raises(ValidationError) as refused:
            endpoint_make(world.acme, "http://169.254.169.254/latest/meta-data/")
        assert "private network (169.254.169.254)" in refused.value.message_dict["url"][0]

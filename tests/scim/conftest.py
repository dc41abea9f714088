"""A SCIM client speaking HTTP to the whole portal (every middleware included), in the test's transaction."""

from __future__ import annotations

from functools import cache

import email_validator
import httpx
import pytest
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django_tenants.utils import tenant_context
from scim2_client.engines.wsgi import WSGISCIMClient

from scim.tokens import scim_token_create


@cache
def _wsgi():
    return get_wsgi_application()


def portal_app(environ, start_response):
    """The portal's WSGI application, except that, as under Django's test client, a request does not close
    the test's connection (and with it the test's transaction)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        return list(_wsgi()(environ, start_response))
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def http_client(host: str, token: str | None) -> httpx.Client:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.Client(
        base_url=f"http://{host}/scim/v2",
        transport=httpx.WSGITransport(app=portal_app),
        headers=headers,
    )


@pytest.fixture(autouse=True)
def _test_addresses(monkeypatch):
    """The test world's addresses end in .test, a name email-validator (behind scim2-models) refuses outside
    a test environment."""
    monkeypatch.setattr(email_validator, "TEST_ENVIRONMENT", True)


@pytest.fixture
def scim_token(world):
    """scim_token(org_key) -> a fresh SCIM token of that organisation (made by its HR manager)."""

    def make(org_key: str = "acme") -> str:
        org = world.org(org_key)
        with tenant_context(org.organisation):
            return scim_token_create(organisation=org.organisation, name="HR system", created_by=org.hr).raw

    return make


@pytest.fixture
def scim_http(world, scim_token):
    """scim_http(org_key, token=None) -> an httpx client for that organisation's /scim/v2 (its own token)."""
    clients = []

    def make(org_key: str = "acme", token: str | None = None) -> httpx.Client:
        client = http_client(world.org(org_key).host, token or scim_token(org_key))
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()


@pytest.fixture
def scim_client(world, scim_token):
    """scim_client(org_key) -> a scim2-client speaking to that organisation's /scim/v2 with its own token."""

    def make(org_key: str = "acme", token: str | None = None) -> WSGISCIMClient:
        return WSGISCIMClient(
            portal_app,
            base_url=f"http://{world.org(org_key).host}/scim/v2",
            headers={"Authorization": f"Bearer {token or scim_token(org_key)}"},
        )

    return make

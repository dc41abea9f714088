"""SCIM tokens through the operator's command and HR's API: shown once, stored hashed, revocable, audited."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django_tenants.utils import schema_context, tenant_context

from scim.models import ScimToken
from tenants.models import PlatformEvent
from tests.scim.conftest import http_client


def test_the_command_prints_a_token_once_that_works_on_its_host_only(world):
    out = StringIO()
    call_command("scim_token", "create", "--organisation", "acme", "--name", "Entra ID", stdout=out)
    printed = out.getvalue()
    raw = printed.split("Token (shown this once): ")[1].split()[0]
    assert "http://acme.localhost" in printed and "/scim/v2" in printed
    assert http_client(world.acme.host, raw).get("/ServiceProviderConfig").status_code == 200
    assert http_client(world.globex.host, raw).get("/ServiceProviderConfig").status_code == 401
    with tenant_context(world.acme.organisation):
        token = ScimToken.objects.get(name="Entra ID")
        assert raw not in (token.digest, token.prefix) and raw.startswith(token.prefix)
    with tenant_context(world.globex.organisation):
        assert not ScimToken.objects.exists()
    listed = StringIO()
    call_command("scim_token", "list", "--organisation", "acme", stdout=listed)
    assert token.prefix in listed.getvalue() and raw not in listed.getvalue()
    call_command("scim_token", "revoke", "--organisation", "acme", token.prefix, stdout=StringIO())
    assert http_client(world.acme.host, raw).get("/ServiceProviderConfig").status_code == 401


def test_the_command_refuses_an_unknown_organisation_and_a_blank_name(world):
    with pytest.raises(CommandError, match="no organisation"):
        call_command("scim_token", "create", "--organisation", "nope", "--name", "x", stdout=StringIO())
    with pytest.raises(CommandError, match="name"):
        call_command("scim_token", "create", "--organisation", "acme", "--name", "  ", stdout=StringIO())
    with tenant_context(world.acme.organisation):
        assert not ScimToken.objects.exists()


def test_hr_makes_lists_and_revokes_tokens_through_the_api(world, client_for):
    hr = client_for(world.acme.hr, world.acme.host)
    made = hr.post("/api/v1/scim-tokens/", {"name": "Okta", "expires_in_days": 30}, content_type="application/json")
    assert made.status_code == 201
    raw = made.json()["token"]
    assert made.json()["scim_url"].endswith("/scim/v2")
    listed = hr.get("/api/v1/scim-tokens/").json()
    rows = listed["results"] if isinstance(listed, dict) else listed
    assert [row["name"] for row in rows] == ["Okta"] and "token" not in rows[0]
    assert http_client(world.acme.host, raw).get("/Users").status_code == 200
    bad = hr.post("/api/v1/scim-tokens/", {"name": "", "expires_in_days": 0}, content_type="application/json")
    assert bad.status_code == 400 and {"name", "expires_in_days"} <= set(bad.json())
    assert hr.delete(f"/api/v1/scim-tokens/{made.json()['id']}/").status_code == 204
    assert http_client(world.acme.host, raw).get("/Users").status_code == 401
    with schema_context("public"):
        actions = list(
            PlatformEvent.objects.filter(organisation=world.acme.organisation, action__startswith="scim_token")
            .order_by("pk")
            .values_list("action", "actor_id")
        )
    assert actions == [("scim_token.created", world.acme.hr.pk), ("scim_token.revoked", world.acme.hr.pk)]
    # Another organisation's HR manager sees none of them; an employee is refused.
    assert (
        client_for(world.globex.hr, world.globex.host).get(f"/api/v1/scim-tokens/{made.json()['id']}/").status_code
        == 404
    )
    assert client_for(world.acme.employee, world.acme.host).get("/api/v1/scim-tokens/").status_code == 404

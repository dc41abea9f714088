"""Single sign-on: signing in through a provider (open to anyone on the host: the sign-in pages), HR's settings
and API, platform staff's domain claims.

The matrix's provider is enabled but its discovery address answers nothing, so starting a sign-in shows the
refusal page (403) to everyone; the flows themselves are tried against a real provider in tests/sso."""

from __future__ import annotations

from sso.models import DomainClaim, IdentityProvider
from tests.access import Case, api, everyone, only

JSON = "application/json"
NOWHERE = "http://127.0.0.1:9/.well-known/openid-configuration"


def provider_pk(world, org_key: str) -> dict:
    org = world.org(org_key)
    provider, _created = IdentityProvider.objects.get_or_create(
        organisation=org.organisation,
        name="Matrix ID",
        defaults={"protocol": "oidc", "discovery_url": NOWHERE, "client_id": "matrix"},
    )
    if _created:
        provider.set_client_secret("matrix-secret")
        provider.save(update_fields=["client_secret_encrypted"])
    return {"pk": provider.pk}


def claim_pk(world, org_key: str) -> dict:
    org = world.org(org_key)
    claim, _created = DomainClaim.objects.get_or_create(
        domain=f"matrix-{org_key}.test", defaults={"organisation": org.organisation}
    )
    return {"pk": claim.pk}


PROVIDER = {
    "name": "Entra",
    "kind": "entra",
    "protocol": "oidc",
    "discovery_url": "https://login.microsoftonline.com/00000000-0000-0000-0000-000000000000/v2.0",
    "client_id": "portal",
    "client_secret": "secret-value",
}

CASES = [
    Case("sso_start", everyone(403), kwargs=provider_pk, other_org=403),
    Case("sso_oidc_callback", everyone(403), other_org=403),
    Case("sso_route", everyone(200), host="public"),
    Case("sso_route", everyone(200), host="public", query="?email=someone%40nowhere.test"),
    Case("sso_settings", only("hr")),
    Case("sso_settings", only("hr", 302), method="post", data={"form": "policy"}),
    Case(
        "sso_settings",
        only("hr", 302),
        method="post",
        data=lambda world, org: {"form": "domain", "domain": f"new-{org}.test"},
    ),
    Case("sso_provider_add", only("hr")),
    Case("sso_provider_add", only("hr", 302), method="post", data=PROVIDER),
    Case("sso_provider_edit", only("hr"), kwargs=provider_pk),
    Case("sso_provider_edit", only("hr", 302), method="post", kwargs=provider_pk, data={**PROVIDER, "name": "Renamed"}),
    Case("sso_provider_delete", only("hr", 302), method="post", kwargs=provider_pk),
    Case("sso_domain_withdraw", only("hr", 302), method="post", kwargs=claim_pk),
    Case("platform_domains", only("staff"), host="public"),
    Case("platform_domain_approve", only("staff", 302), host="public", method="post", kwargs=claim_pk),
    Case("platform_domain_remove", only("staff", 302), host="public", method="post", kwargs=claim_pk),
    Case("api_identity_provider-list", api("hr")),
    Case("api_identity_provider-list", api("hr", 201), method="post", content_type=JSON, data=PROVIDER),
    Case("api_identity_provider-detail", api("hr"), kwargs=provider_pk),
    Case(
        "api_identity_provider-detail",
        api("hr"),
        method="patch",
        kwargs=provider_pk,
        content_type=JSON,
        data={"enabled": False},
    ),
    Case(
        "api_identity_provider-detail",
        api("hr"),
        method="put",
        kwargs=provider_pk,
        content_type=JSON,
        data={**PROVIDER, "name": "Replaced"},
    ),
    Case("api_identity_provider-detail", api("hr", 204), method="delete", kwargs=provider_pk),
]

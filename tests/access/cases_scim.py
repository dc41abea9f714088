"""SCIM provisioning: HR's token API, and the SCIM service, which answers bearer SCIM tokens only.

A session counts for nothing at /scim/v2/: a member's session gets the SCIM 401 (no token), a signed-in
non-member the membership middleware's 404, like every other URL of a host they have no role on. The
tokens themselves are tried in tests/scim (own host, other host, revoked, expired).
"""

from __future__ import annotations

from django_tenants.utils import tenant_context

from scim.models import ScimToken
from scim.tokens import scim_token_create
from tests.access import Case, api

JSON = "application/json"
USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
SOME_ID = "6b1f0f5e-7a52-4a55-9d41-3b1f2b7c9a10"


def scim(status: int = 401) -> dict[str, int]:
    """Without a SCIM token: 401 for anyone on the host (anonymous or a member's session), 404 for a
    signed-in non-member (membership middleware)."""
    return {
        "anonymous": status,
        "outsider": 404,
        "staff": 404,
        "employee": status,
        "coach": status,
        "hr": status,
        "coach_both": status,
    }


def token_pk(world, org_key: str) -> dict:
    org = world.org(org_key)
    with tenant_context(org.organisation):
        token = ScimToken.objects.filter(name="Matrix", revoked_at__isnull=True).first()
        if token is None:
            token = scim_token_create(organisation=org.organisation, name="Matrix", created_by=org.hr).token
        return {"pk": token.pk}


USER = {"schemas": [USER_SCHEMA], "userName": "matrix@acme.test", "emails": [{"value": "matrix@acme.test"}]}
GROUP = {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "Matrix"}

CASES = [
    Case("api_scim_token-list", api("hr")),
    Case("api_scim_token-list", api("hr", 201), method="post", content_type=JSON, data={"name": "Entra ID"}),
    Case("api_scim_token-detail", api("hr"), kwargs=token_pk),
    Case("api_scim_token-detail", api("hr", 204), method="delete", kwargs=token_pk),
    Case("scim_service_provider_config", scim()),
    Case("scim_resource_types", scim()),
    Case("scim_resource_type", scim(), kwargs=lambda world, org: {"name": "User"}),
    Case("scim_schemas", scim()),
    Case("scim_schema", scim(), kwargs=lambda world, org: {"schema_id": USER_SCHEMA}),
    Case("scim_users", scim()),
    Case("scim_users", scim(), method="post", content_type=JSON, data=USER),
    Case("scim_users_search", scim(), method="post", content_type=JSON, data={}),
    Case("scim_search", scim(), method="post", content_type=JSON, data={}),
    Case("scim_user", scim(), kwargs=lambda world, org: {"pk": SOME_ID}),
    Case("scim_user", scim(), method="put", content_type=JSON, data=USER, kwargs=lambda world, org: {"pk": SOME_ID}),
    Case("scim_user", scim(), method="patch", content_type=JSON, data={}, kwargs=lambda world, org: {"pk": SOME_ID}),
    Case("scim_user", scim(), method="delete", kwargs=lambda world, org: {"pk": SOME_ID}),
    Case("scim_groups", scim()),
    Case("scim_groups", scim(), method="post", content_type=JSON, data=GROUP),
    Case("scim_groups_search", scim(), method="post", content_type=JSON, data={}),
    Case("scim_group", scim(), kwargs=lambda world, org: {"pk": SOME_ID}),
    Case("scim_group", scim(), method="put", content_type=JSON, data=GROUP, kwargs=lambda world, org: {"pk": SOME_ID}),
    Case("scim_group", scim(), method="patch", content_type=JSON, data={}, kwargs=lambda world, org: {"pk": SOME_ID}),
    Case("scim_group", scim(), method="delete", kwargs=lambda world, org: {"pk": SOME_ID}),
    Case("scim_not_found", scim(), kwargs=lambda world, org: {"rest": "Bulk"}),
]

"""Personal API tokens: the page in the account area and the API. A token is its owner's alone."""

from datetime import timedelta

from django.utils import timezone

from tenants.models import ApiToken
from tests.access import Case, api, members, only

JSON = "application/json"


def employee_token(world, org_key: str) -> dict:
    """The pk of an API token of that organisation's employee (made the first time it is asked for)."""
    owner = world.org(org_key).employee
    token, _created = ApiToken.objects.get_or_create(
        user=owner,
        name="Matrix",
        defaults={
            "prefix": f"pt_m{owner.pk:07d}"[:11],
            "digest": f"matrix-{owner.pk}".ljust(64, "0"),
            "expires_at": timezone.now() + timedelta(days=30),
        },
    )
    return {"pk": token.pk}


CASES = [
    Case("api_tokens_page", members(200)),
    Case("api_tokens_page", members(200), method="post", data={"name": "Sync", "expires_in_days": "30"}),
    Case("api_token_revoke", only("employee", 302), method="post", kwargs=employee_token),
    Case("api_tokens", api("employee coach hr coach_both")),
    Case(
        "api_tokens", api("employee coach hr coach_both", 201), method="post", content_type=JSON, data={"name": "Sync"}
    ),
    Case("api_token_detail", api("employee"), kwargs=employee_token),
    Case("api_token_detail", api("employee", 204), method="delete", kwargs=employee_token),
]

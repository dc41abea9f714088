"""A real OpenID provider on loopback for the session, and each organisation's provider pointing at it."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from sso import services
from sso.models import DomainClaim, IdentityProvider
from tests.oidc_provider import CALLBACK, LocalProvider

SECRET = {"acme": "acme-client-secret-0123456789", "globex": "globex-client-secret-0123456789"}

# The provider's people, by subject. `acme-*` sign in at Acme, `globex-*` at Globex.
ACCOUNTS = {
    "acme-employee": {
        "email": "employee@acme.test",
        "email_verified": True,
        "given_name": "Eva",
        "family_name": "Provider",
        "department": "Logistics",
        "job_title": "Planner",
        "manager_email": "hr@acme.test",
        "employee_number": "A-1001",
    },
    "acme-employee-again": {"email": "employee@acme.test", "email_verified": True},
    "acme-hr": {"email": "hr@acme.test", "email_verified": True},
    "acme-coach": {"email": "coach@acme.test", "email_verified": True},
    "acme-coach-both": {"email": "coach-both@coaching.test", "email_verified": True},
    "acme-unverified": {"email": "employee2@acme.test", "email_verified": False},
    "acme-elsewhere": {"email": "employee@globex.test", "email_verified": True},
    "acme-outsider": {"email": "outsider@elsewhere.test", "email_verified": True},
    "acme-newcomer": {
        "email": "newcomer@acme.test",
        "email_verified": True,
        "given_name": "Nina",
        "family_name": "Nieuw",
        "department": "Sales",
    },
    "acme-newcomer-unclaimed": {"email": "newcomer@unclaimed.test", "email_verified": True},
    "globex-employee": {"email": "employee@globex.test", "email_verified": True},
}


@pytest.fixture(scope="session")
def oidc_server():
    server = LocalProvider(
        clients=[
            {
                "client_id": "acme-portal",
                "client_secret": SECRET["acme"],
                "redirect_uris": [f"http://acme.localhost{CALLBACK}"],
            },
            {
                "client_id": "globex-portal",
                "client_secret": SECRET["globex"],
                # Globex's client also lists Acme's address, so a test can carry a code issued to Globex's
                # client to Acme's host (a provider set up carelessly, or a code stolen in transit).
                "redirect_uris": [f"http://globex.localhost{CALLBACK}", f"http://acme.localhost{CALLBACK}"],
            },
        ],
        accounts=ACCOUNTS,
    )
    yield server
    server.stop()


@dataclass
class Providers:
    server: LocalProvider
    acme: IdentityProvider
    globex: IdentityProvider


@pytest.fixture
def providers(world, oidc_server, settings) -> Providers:
    settings.OUTBOUND_ALLOW_PRIVATE_ADDRESSES = True
    made = {}
    for key in ("acme", "globex"):
        org = world.org(key)
        made[key] = services.identity_provider_create(
            organisation=org.organisation,
            acting_user=org.hr,
            name=f"{org.organisation.name} ID",
            protocol="oidc",
            kind="keycloak",
            discovery_url=oidc_server.discovery_url,
            client_id=f"{key}-portal",
            client_secret=SECRET[key],
        )
        DomainClaim.objects.create(
            organisation=org.organisation,
            domain=f"{key}.test",
            approved_by=world.staff,
            approved_at="2026-01-01T00:00Z",
        )
    return Providers(server=oidc_server, acme=made["acme"], globex=made["globex"])

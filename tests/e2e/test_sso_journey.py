"""Single sign-on in a real browser, through a real OpenID provider on loopback (tests/oidc_provider.py): a
newcomer types their work address on the public host, is sent to Acme's provider, signs in there and comes
back an employee of Acme (just-in-time people on), with the department the provider sent."""

from __future__ import annotations

from urllib.parse import urlparse

import pytest
from playwright.sync_api import expect

from programmes.models import EmployeeProfile
from sso import services
from sso.models import DomainClaim, IdentityProvider, SignInPolicy
from tenants.models import User
from tests.oidc_provider import CALLBACK, LocalProvider

pytestmark = pytest.mark.e2e

NEWCOMER = "jana.jit@acme.test"


@pytest.fixture
def acme_provider(e2e_server, e2e_world, committed):
    server = LocalProvider(
        clients=[
            {
                "client_id": "acme-portal",
                "client_secret": "acme-browser-secret-0123456789",
                "redirect_uris": [e2e_server.url("acme", CALLBACK)],
            }
        ],
        accounts={
            "jana": {
                "email": NEWCOMER,
                "email_verified": True,
                "given_name": "Jana",
                "family_name": "Jit",
                "department": "Warehouse",
            }
        },
    )
    acme = e2e_world.acme
    with committed():
        provider = services.identity_provider_create(
            organisation=acme.organisation,
            acting_user=acme.hr,
            name="Acme Login",
            protocol="oidc",
            kind="keycloak",
            discovery_url=server.discovery_url,
            client_id="acme-portal",
            client_secret="acme-browser-secret-0123456789",
        )
        claim = services.domain_claim_request(organisation=acme.organisation, domain="acme.test", acting_user=acme.hr)
        services.domain_claim_approve(claim=claim, acting_user=e2e_world.staff)
        services.sign_in_policy_update(
            organisation=acme.organisation, acting_user=acme.hr, jit_people=True, sso_required=False
        )

    def undo():
        # In Acme's schema, where the newcomer's rows there (their profile) are found and deleted with them.
        User.objects.filter(email=NEWCOMER).delete()
        IdentityProvider.objects.filter(pk=provider.pk).delete()
        DomainClaim.objects.filter(domain="acme.test").delete()
        SignInPolicy.objects.filter(organisation=acme.organisation).delete()

    committed.cleanup(undo, acme)
    yield server
    server.stop()


def test_a_newcomer_signs_in_through_their_organisations_provider(
    page, page_for, acme_provider, e2e_world, committed, request
):
    page.goto(page_for("localhost", "/login/"))
    page.get_by_role("link", name="Sign in with your organisation's account").click()
    page.get_by_label("Work email address").fill(NEWCOMER)
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("link", name="Sign in with Acme Login").click()

    # The provider's own page, with the address already filled in.
    expect(page.locator("h1")).to_have_text("Local identity provider")
    expect(page.get_by_label("Account (email or subject)")).to_have_value(NEWCOMER)
    page.get_by_role("button", name="Sign in").click()

    expect(page).to_have_url(page_for(e2e_world.acme, "/"))
    expect(page.locator(".usermenu__name")).to_have_text("Jana Jit")
    with committed(e2e_world.acme):
        user = User.objects.get(email=NEWCOMER)
        assert EmployeeProfile.objects.get(user=user).department == "Warehouse"
    # Axe checks the portal's pages; the provider's belong to someone else.
    request.node.axe_visited[:] = [url for url in request.node.axe_visited if "localhost" in urlparse(url).hostname]

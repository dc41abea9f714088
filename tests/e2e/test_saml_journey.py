"""Signing in through an organisation's SAML identity provider in Chromium, against pysaml2's IdP on loopback
(tests/sso/saml_idp.py): the sign-in page's button, the IdP's page, its form posting the answer across sites
(the session cookie stays behind, so the portal hands the answer back once), just-in-time people off and on,
the mapped details, and the other organisation untouched."""

from __future__ import annotations

import http.client
from urllib.parse import urlsplit

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from programmes.models import EmployeeProfile
from sso import services
from sso.models import DomainClaim, SignInPolicy
from tenants.models import Membership, User
from tests.sso.saml_idp import SamlIdpServer

pytestmark = pytest.mark.e2e

CLAIMS = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/"
NEWCOMER = "saml.newcomer@acme.test"
PROVIDER_NAME = "Acme Entra (e2e)"


def entra(email: str, **extra: str) -> dict[str, list[str]]:
    return {f"{CLAIMS}emailaddress": [email]} | {f"{CLAIMS}{name}": [value] for name, value in extra.items()}


@pytest.fixture
def saml_provider(e2e_world, e2e_server, committed):
    """Acme's SAML provider at a loopback IdP that trusts the portal's metadata, as fetched from the portal."""
    acme = e2e_world.acme
    server = SamlIdpServer(
        {
            "eva": ("entra-eva", entra(acme.employee.email)),
            "nina": ("entra-nina", entra(NEWCOMER, givenname="Nina", surname="Nieuw", department="Sales")),
        }
    )
    with committed(None):
        provider = services.identity_provider_create(
            organisation=acme.organisation,
            acting_user=acme.hr,
            name=PROVIDER_NAME,
            kind="entra",
            protocol="saml",
            saml_metadata_xml=server.idp.metadata_xml,
        )
        claim = DomainClaim.objects.filter(domain="acme.test").first()
        made_claim = claim is None
        if made_claim:
            claim = DomainClaim.objects.create(
                organisation=acme.organisation,
                domain="acme.test",
                approved_by=e2e_world.staff,
                approved_at=timezone.now(),
            )

    def undo():  # in Acme's schema, whose search path reaches the public tables too
        provider.delete()  # and the identities linked through it
        if made_claim:
            claim.delete()
        SignInPolicy.objects.filter(organisation=acme.organisation, jit_people=True, sso_required=False).delete()
        newcomers = list(User.objects.filter(email=NEWCOMER).values_list("pk", flat=True))
        EmployeeProfile.objects.filter(user_id__in=newcomers).delete()
        User.objects.filter(pk__in=newcomers).delete()

    committed.cleanup(undo, acme)
    connection = http.client.HTTPConnection("127.0.0.1", e2e_server.port, timeout=60)
    connection.request(
        "GET", f"/login/sso/{provider.pk}/saml/metadata/", headers={"Host": f"acme.localhost:{e2e_server.port}"}
    )
    metadata = connection.getresponse().read().decode()
    connection.close()
    server.idp.trust(metadata)
    yield server
    server.stop()


def sign_in_at_the_idp(page, page_for, org, account: str) -> None:
    page.goto(page_for(org, "/login/"))
    page.get_by_role("link", name=f"Sign in with {PROVIDER_NAME}").click()
    expect(page.get_by_role("heading", name="Test identity provider")).to_be_visible()
    page.get_by_label("Account").fill(account)
    page.get_by_role("button", name="Sign in").click()


def signed_in_as(page, page_for, org) -> str | None:
    answer = page.goto(page_for(org, "/api/v1/me/"))
    return answer.json()["email"] if answer.ok else None


def test_a_member_signs_in_through_the_organisations_saml_provider(page, page_for, e2e_world, saml_provider):
    acme = e2e_world.acme
    sign_in_at_the_idp(page, page_for, acme, "eva")
    page.wait_for_url(page_for(acme, "/"))
    assert urlsplit(page.url).hostname == "acme.localhost"
    assert signed_in_as(page, page_for, acme) == acme.employee.email
    assert signed_in_as(page, page_for, e2e_world.globex) is None


def test_just_in_time_people_off_then_on(page, page_for, e2e_world, saml_provider, committed):
    acme, globex = e2e_world.acme, e2e_world.globex
    sign_in_at_the_idp(page, page_for, acme, "nina")
    expect(page.get_by_role("heading", name="We could not sign you in")).to_be_visible()
    expect(page.get_by_role("alert")).to_contain_text("Ask your HR department to invite you")
    with committed(None):
        assert not User.objects.filter(email=NEWCOMER).exists()
        SignInPolicy.objects.update_or_create(organisation=acme.organisation, defaults={"jit_people": True})

    sign_in_at_the_idp(page, page_for, acme, "nina")
    page.wait_for_url(page_for(acme, "/"))
    assert signed_in_as(page, page_for, acme) == NEWCOMER
    with committed(None):
        user = User.objects.get(email=NEWCOMER)
        assert (user.first_name, user.last_name) == ("Nina", "Nieuw")
        assert set(Membership.objects.filter(user=user).values_list("organisation_id", "role")) == {
            (acme.organisation.pk, "employee")
        }
    with committed(acme):
        assert EmployeeProfile.objects.get(user_id=user.pk).department == "Sales"
    assert signed_in_as(page, page_for, globex) is None

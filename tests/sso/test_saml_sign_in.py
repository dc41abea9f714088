"""Signing in through an organisation's SAML identity provider, through the Django test client against a real
IdP (pysaml2's, tests/sso/saml_idp.py): the metadata, the start, the ACS, the who-is-who rules of
sso.identity as SAML reaches them, replay, and the other organisation untouched."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.utils import timezone, translation
from django.utils.html import escape
from django_tenants.utils import tenant_context
from lxml import etree

from programmes.models import EmployeeProfile
from sso import oidc, saml, saml_flow, services
from sso.identity import NEXT_KEY
from sso.models import DomainClaim, ExternalIdentity, IdentityProvider, SignInPolicy, SpentAssertion
from tenants.models import Membership, User
from tests.sso.saml_idp import SamlIdp, encode
from tests.world import Org

pytestmark = pytest.mark.django_db

CLAIMS = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/"


def entra_attributes(email: str, **extra: str) -> dict[str, list[str]]:
    """What Entra ID sends with the claims docs/SSO.md sets up."""
    names = {
        "given_name": "givenname",
        "family_name": "surname",
        "department": "department",
        "job_title": "jobtitle",
        "employee_number": "employeeid",
    }
    return {f"{CLAIMS}emailaddress": [email]} | {f"{CLAIMS}{names[key]}": [value] for key, value in extra.items()}


@pytest.fixture(scope="module")
def idp() -> SamlIdp:
    return SamlIdp(entity_id="https://login.example.test/tenant-1/saml")


@dataclass
class SamlProviders:
    idp: SamlIdp
    acme: IdentityProvider
    globex: IdentityProvider

    def of(self, org: Org) -> IdentityProvider:
        return self.acme if org.organisation.slug == "acme" else self.globex


@pytest.fixture
def saml_providers(world, idp) -> SamlProviders:
    made = {}
    for key in ("acme", "globex"):
        org = world.org(key)
        made[key] = services.identity_provider_create(
            organisation=org.organisation,
            acting_user=org.hr,
            name=f"{org.organisation.name} Entra",
            kind="entra",
            protocol="saml",
            saml_metadata_xml=idp.metadata_xml,
        )
        DomainClaim.objects.create(
            organisation=org.organisation, domain=f"{key}.test", approved_by=world.staff, approved_at=timezone.now()
        )
        idp.trust(saml.sp_metadata(saml_flow.service_provider(made[key])))
    return SamlProviders(idp=idp, acme=made["acme"], globex=made["globex"])


def start(client, org: Org, provider: IdentityProvider, **query) -> str:
    answer = client.get(f"/login/sso/{provider.pk}/", query, HTTP_HOST=org.host)
    assert answer.status_code == 302, answer.content[:500]
    return answer["Location"]


def post(client, org: Org, provider: IdentityProvider, saml_response: str, **extra):
    return client.post(
        f"/login/sso/{provider.pk}/saml/acs/", {"SAMLResponse": saml_response, **extra}, HTTP_HOST=org.host
    )


def sign_in(client, org: Org, saml_providers: SamlProviders, subject: str, attributes: dict, **query):
    provider = saml_providers.of(org)
    url = start(client, org, provider, **query)
    return post(client, org, provider, saml_providers.idp.answer(url, subject=subject, attributes=attributes))


def signed_in_as(client, org: Org) -> str | None:
    answer = client.get("/api/v1/me/", HTTP_HOST=org.host)
    return answer.json()["email"] if answer.status_code == 200 else None


def counts() -> tuple:
    return User.objects.count(), Membership.objects.count(), ExternalIdentity.objects.count()


def assert_refused(answer, words: str) -> None:
    """The refusal page, in the language it was served in: its heading, and the message holding `words`."""
    assert answer.status_code == 403, answer.content[:300]
    text = answer.content.decode()
    assert any(heading in text for heading in _in_page_language(answer, "We could not sign you in")), text
    assert any(message in text for message in _in_page_language(answer, words)), text


def _in_page_language(answer, words: str) -> list[str]:
    """`words` as the page would show them: itself in English, else every translation of a message that
    holds them (a refusal's message is one sentence of the catalogue)."""
    language = answer.headers.get("Content-Language", "en")
    if language == "en":
        return [words]
    catalog = translation.trans_real.translation(language)._catalog
    shown = [str(text) for msgid, text in catalog.items() if isinstance(msgid, str) and words in msgid]
    return shown + [escape(text) for text in shown]


# --- metadata and start ----------------------------------------------------------------------------------


def test_the_metadata_is_served_at_its_own_address_which_is_the_entity_id(client, world, saml_providers):
    path = f"/login/sso/{saml_providers.acme.pk}/saml/metadata/"
    answer = client.get(path, HTTP_HOST=world.acme.host)
    assert answer.status_code == 200
    assert answer["Content-Type"].startswith("application/samlmetadata+xml")
    document = etree.fromstring(answer.content)
    assert document.get("entityID") == f"http://acme.localhost{path}"
    assert f'Location="http://acme.localhost/login/sso/{saml_providers.acme.pk}/saml/acs/"' in answer.content.decode()


def test_the_metadata_is_there_before_the_provider_is_switched_on(client, world, saml_providers):
    saml_providers.acme.enabled = False
    saml_providers.acme.save(update_fields=["enabled"])
    answer = client.get(f"/login/sso/{saml_providers.acme.pk}/saml/metadata/", HTTP_HOST=world.acme.host)
    assert answer.status_code == 200
    assert client.get(f"/login/sso/{saml_providers.acme.pk}/", HTTP_HOST=world.acme.host).status_code == 404


def test_no_organisation_serves_anothers_metadata(client, world, saml_providers):
    assert (
        client.get(f"/login/sso/{saml_providers.acme.pk}/saml/metadata/", HTTP_HOST=world.globex.host).status_code
        == 404
    )
    assert client.get(f"/login/sso/{saml_providers.acme.pk}/saml/metadata/", HTTP_HOST="localhost").status_code == 404


def test_the_start_sends_the_browser_to_the_provider_and_keeps_the_request_id(client, world, saml_providers):
    url = start(client, world.acme, saml_providers.acme, next="/people/")
    request = saml_providers.idp.request_of(url)
    assert url.startswith(saml_providers.idp.sso_url + "?")
    flow = client.session[oidc.FLOWS_KEY][request.id]
    assert flow["provider"] == saml_providers.acme.pk and flow["protocol"] == "saml"
    assert client.session[NEXT_KEY] == "/people/"


# --- signing in --------------------------------------------------------------------------------------------


def test_a_member_signs_in_and_their_details_are_mapped(client, world, saml_providers):
    acme = world.acme
    answer = sign_in(
        client,
        acme,
        saml_providers,
        "entra-object-id-0001",
        entra_attributes(acme.employee.email, department="Warehouse", job_title="Planner", employee_number="A-77"),
        next="/people/",
    )
    assert answer.status_code == 302 and answer["Location"] == "/people/"
    assert signed_in_as(client, acme) == acme.employee.email
    identity = ExternalIdentity.objects.get(user=acme.employee)
    assert (identity.issuer, identity.subject, identity.provider) == (
        saml_providers.idp.entity_id,
        "entra-object-id-0001",
        saml_providers.acme,
    )
    with tenant_context(acme.organisation):
        profile = EmployeeProfile.objects.get(user_id=acme.employee.pk)
    assert (profile.department, profile.job_title, profile.employee_number) == ("Warehouse", "Planner", "A-77")
    assert signed_in_as(client, world.globex) is None  # the session is Acme's only


def test_the_linked_identity_signs_in_again_by_its_subject_not_its_email(client, world, saml_providers):
    acme = world.acme
    sign_in(client, acme, saml_providers, "entra-object-id-0002", entra_attributes(acme.employee.email))
    client.logout()
    # The address changed at the provider (a new name): the subject still names the same person.
    answer = sign_in(client, acme, saml_providers, "entra-object-id-0002", entra_attributes("eva.new@acme.test"))
    assert answer.status_code == 302
    assert signed_in_as(client, acme) == acme.employee.email


def test_a_saml_providers_own_attribute_names_are_used(client, world, saml_providers):
    saml_providers.acme.kind = "generic"
    saml_providers.acme.attribute_map = {"email": "urn:oid:0.9.2342.19200300.100.1.3", "department": "ou"}
    saml_providers.acme.save(update_fields=["kind", "attribute_map"])
    acme = world.acme
    attributes = {"urn:oid:0.9.2342.19200300.100.1.3": [acme.employee2.email], "ou": ["Finance"]}
    assert sign_in(client, acme, saml_providers, "kc-uuid-3", attributes).status_code == 302
    assert signed_in_as(client, acme) == acme.employee2.email
    with tenant_context(acme.organisation):
        assert EmployeeProfile.objects.get(user_id=acme.employee2.pk).department == "Finance"


def test_an_email_name_id_stands_in_for_a_missing_email_attribute(client, world, saml_providers):
    acme = world.acme
    provider = saml_providers.acme
    url = start(client, acme, provider)
    answer = saml_providers.idp.answer(
        url, subject=acme.employee.email, name_id_format="urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress"
    )
    assert post(client, acme, provider, answer).status_code == 302
    assert signed_in_as(client, acme) == acme.employee.email


# --- who is who ------------------------------------------------------------------------------------------


def test_an_address_outside_the_organisations_approved_domains_is_not_verified(client, world, saml_providers):
    # SAML says nothing of verification: only the organisation's own (approved) domains count as verified.
    DomainClaim.objects.filter(organisation=world.acme.organisation).update(approved_at=None)
    before = counts()
    answer = sign_in(
        client, world.acme, saml_providers, "entra-object-id-0003", entra_attributes(world.acme.employee.email)
    )
    assert_refused(answer, "has not confirmed that this email address is yours")
    assert counts() == before


def test_without_just_in_time_people_an_unknown_person_is_sent_to_hr(client, world, saml_providers):
    before = counts()
    answer = sign_in(client, world.acme, saml_providers, "entra-new-1", entra_attributes("newcomer@acme.test"))
    assert_refused(answer, "Ask your HR department to invite you")
    assert counts() == before


def test_with_just_in_time_people_an_unknown_person_becomes_an_employee(client, world, saml_providers):
    acme = world.acme
    SignInPolicy.objects.create(organisation=acme.organisation, jit_people=True)
    answer = sign_in(
        client,
        acme,
        saml_providers,
        "entra-new-2",
        entra_attributes("nina.new@acme.test", given_name="Nina", family_name="Nieuw", department="Sales"),
    )
    assert answer.status_code == 302
    user = User.objects.get(email="nina.new@acme.test")
    assert (user.first_name, user.last_name) == ("Nina", "Nieuw")
    assert set(Membership.objects.filter(user=user).values_list("organisation__slug", "role", "is_active")) == {
        ("acme", "employee", True)
    }
    with tenant_context(acme.organisation):
        assert EmployeeProfile.objects.get(user_id=user.pk).department == "Sales"
    assert not Membership.objects.filter(user=user, organisation=world.globex.organisation).exists()


def test_a_member_of_the_other_organisation_is_refused_by_acmes_provider(client, world, saml_providers):
    # Globex's address is no domain of Acme's: Acme's provider cannot vouch for it, so nothing is looked up.
    before = counts()
    answer = sign_in(client, world.acme, saml_providers, "entra-x-1", entra_attributes(world.globex.employee.email))
    assert_refused(answer, "has not confirmed that this email address is yours")
    assert counts() == before
    assert signed_in_as(client, world.acme) is None and signed_in_as(client, world.globex) is None


def test_a_coach_is_never_linked_to_an_organisations_provider(client, world, saml_providers):
    before = counts()
    answer = sign_in(client, world.acme, saml_providers, "entra-coach", entra_attributes(world.acme.coach.email))
    assert_refused(answer, "Coaches sign in with their password")
    assert counts() == before


# --- the answer bound to this browser, this organisation, once ---------------------------------------------


def test_an_answer_to_a_sign_in_started_in_another_browser_is_refused(client, world, saml_providers):
    acme = world.acme
    victim_url = start(client, acme, saml_providers.acme)
    answer = saml_providers.idp.answer(victim_url, subject="entra-1", attributes=entra_attributes(acme.employee.email))
    attacker = type(client)()
    start(attacker, acme, saml_providers.acme)  # a session with a sign-in of its own under way
    before = counts()
    assert_refused(post(attacker, acme, saml_providers.acme, answer), "not started in this browser")
    assert counts() == before and signed_in_as(attacker, acme) is None


def test_the_same_answer_twice_is_refused(client, world, saml_providers):
    acme = world.acme
    url = start(client, acme, saml_providers.acme)
    answer = saml_providers.idp.answer(url, subject="entra-4", attributes=entra_attributes(acme.employee.email))
    assert post(client, acme, saml_providers.acme, answer).status_code == 302
    assert_refused(post(client, acme, saml_providers.acme, answer), "not started in this browser")


def test_a_replayed_assertion_is_refused_even_with_its_request_in_the_session(client, world, saml_providers):
    # The session's request ids are one defence; the spent assertions are another, for a copy of a session
    # from before the sign-in (or any other way the request id came back).
    acme = world.acme
    url = start(client, acme, saml_providers.acme)
    request_id = saml_providers.idp.request_of(url).id
    flow = client.session[oidc.FLOWS_KEY][request_id]
    answer = saml_providers.idp.answer(url, subject="entra-5", attributes=entra_attributes(acme.employee.email))
    assert post(client, acme, saml_providers.acme, answer).status_code == 302

    other = type(client)()
    start(other, acme, saml_providers.acme)
    session = other.session
    session[oidc.FLOWS_KEY] = {request_id: flow}
    session.save()
    before = counts()
    assert_refused(post(other, acme, saml_providers.acme, answer), "was already used")
    assert counts() == before and signed_in_as(other, acme) is None
    assert SpentAssertion.objects.filter(issuer=saml_providers.idp.entity_id).count() == 1


def test_a_spent_assertion_is_kept_until_it_expires_and_then_pruned(world, saml_providers):
    sp = saml_flow.service_provider(saml_providers.acme)
    request_id, url = saml.authn_request(sp)
    assertion = saml.response_verify(sp, saml_providers.idp.answer(url), request_id=request_id)
    saml_flow.assertion_spend(assertion)
    with pytest.raises(saml.Refused) as refused:
        saml_flow.assertion_spend(assertion)
    assert refused.value.reason == "replayed"
    spent = SpentAssertion.objects.get(assertion_id=assertion.assertion_id)
    assert spent.expires_at >= assertion.not_on_or_after
    SpentAssertion.objects.filter(pk=spent.pk).update(expires_at=timezone.now() - timezone.timedelta(seconds=1))
    request_id, url = saml.authn_request(sp)
    saml_flow.assertion_spend(saml.response_verify(sp, saml_providers.idp.answer(url), request_id=request_id))
    assert not SpentAssertion.objects.filter(pk=spent.pk).exists()


def test_an_answer_for_acme_is_refused_at_globex(client, world, saml_providers):
    # The same provider serves both organisations: Acme's answer, carried to Globex's ACS in a browser
    # with a Globex sign-in under way, names Acme's ACS and audience.
    acme, globex = world.acme, world.globex
    acme_url = start(client, acme, saml_providers.acme)
    answer = saml_providers.idp.answer(acme_url, subject="entra-6", attributes=entra_attributes(globex.employee.email))
    start(client, globex, saml_providers.globex)
    before = counts()
    assert_refused(post(client, globex, saml_providers.globex, answer), "not started in this browser")
    assert_refused(post(client, globex, saml_providers.acme, answer), "no access to this portal")
    assert counts() == before
    assert signed_in_as(client, globex) is None


def test_a_broken_signature_is_refused_through_the_acs_with_nothing_created(client, world, saml_providers):
    acme = world.acme
    url = start(client, acme, saml_providers.acme)
    xml = saml_providers.idp.answer_xml(url, subject="entra-7", attributes=entra_attributes("intruder@acme.test"))
    forged = xml.replace("intruder@acme.test", acme.hr.email)
    SignInPolicy.objects.create(organisation=acme.organisation, jit_people=True)
    before = counts()
    assert_refused(post(client, acme, saml_providers.acme, encode(forged)), "signature does not match")
    assert counts() == before and signed_in_as(client, acme) is None


def test_a_cross_site_post_is_handed_back_to_the_browser_once(client, world, saml_providers):
    # The provider's page posts from its own site: the session cookie (SameSite=Lax) stays behind, so the
    # ACS asks the browser to post the answer again from this host.
    acme = world.acme
    url = start(client, acme, saml_providers.acme)
    answer = saml_providers.idp.answer(url, subject="entra-8", attributes=entra_attributes(acme.employee.email))
    cookieless = type(client)()
    page = post(cookieless, acme, saml_providers.acme, answer)
    assert page.status_code == 200
    assert "no-store" in page["Cache-Control"]
    form = etree.fromstring(page.content, etree.HTMLParser()).find(".//form[@data-autosubmit]")
    assert form.get("action") == f"/login/sso/{saml_providers.acme.pk}/saml/acs/"
    fields = {field.get("name"): field.get("value") for field in form.iter("input")}
    assert fields["SAMLResponse"] == answer
    # This browser has the session: the second post signs in.
    assert (
        post(client, acme, saml_providers.acme, fields["SAMLResponse"], continued=fields["continued"]).status_code
        == 302
    )
    # One without it is not asked again but refused.
    assert_refused(post(cookieless, acme, saml_providers.acme, answer, continued="1"), "not started in this browser")


def test_a_disabled_saml_providers_acs_refuses(client, world, saml_providers):
    acme = world.acme
    url = start(client, acme, saml_providers.acme)
    saml_providers.acme.enabled = False
    saml_providers.acme.save(update_fields=["enabled"])
    answer = saml_providers.idp.answer(url, attributes=entra_attributes(acme.employee.email))
    before = counts()
    assert_refused(post(client, acme, saml_providers.acme, answer), "no access to this portal")
    assert counts() == before

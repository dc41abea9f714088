"""Signing in through an organisation's OpenID provider, against a real provider on loopback: the flow
(PKCE, state, nonce, the ID token checked), the who-is-who rules, and each refusal with nothing created."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection
from django_tenants.utils import tenant_context

from programmes.models import EmployeeProfile
from sso import oidc
from sso.identity import NEXT_KEY
from sso.models import ExternalIdentity, SignInPolicy
from tenants.models import Membership, Organisation, PlatformEvent, User
from tests.world import Org

pytestmark = pytest.mark.django_db


def start(client, org: Org, provider, **query):
    answer = client.get(f"/login/sso/{provider.pk}/", query, HTTP_HOST=org.host)
    assert answer.status_code == 302, answer.content[:500]
    return answer["Location"]


def back(client, org: Org, callback_url: str):
    parts = urlsplit(callback_url)
    assert parts.hostname == org.host, callback_url
    return client.get(f"{parts.path}?{parts.query}", HTTP_HOST=org.host)


def sign_in(client, org: Org, providers, login: str, provider=None, **query):
    provider = provider or getattr(providers, org.organisation.slug)
    return back(client, org, providers.server.sign_in(start(client, org, provider, **query), login))


def signed_in_as(client, org: Org):
    answer = client.get("/api/v1/me/", HTTP_HOST=org.host)
    return answer.json()["email"] if answer.status_code == 200 else None


def counts() -> tuple:
    """Accounts, memberships, identities, audit events and both organisations' employee profiles."""
    connection.set_schema_to_public()
    public = (User.objects.count(), Membership.objects.count(), ExternalIdentity.objects.count())
    events = PlatformEvent.objects.exclude(action__startswith="sso.provider").count()
    profiles = []
    for organisation in Organisation.objects.exclude(schema_name="public").filter(slug__in=["acme", "globex"]):
        with tenant_context(organisation):
            profiles.append(list(EmployeeProfile.objects.order_by("pk").values()))
    return public, events, profiles


def page_text(answer) -> str:
    """The page's own part, without the per-answer tokens (CSRF, nonces) around it."""
    return re.search(r"<main.*</main>", answer.content.decode(), re.S).group(0)


def assert_refused(answer, words: str):
    assert answer.status_code == 403
    text = answer.content.decode()
    assert "We could not sign you in" in text
    assert words in text, text


# --- the flow ---------------------------------------------------------------------------------------


def test_the_authorization_request_carries_pkce_state_and_nonce(client, world, providers):
    url = start(client, world.acme, providers.acme, login_hint="employee@acme.test")
    query = parse_qs(urlsplit(url).query)
    assert url.startswith(providers.server.issuer + "/auth")
    assert query["client_id"] == ["acme-portal"]
    assert query["code_challenge_method"] == ["S256"]
    assert query["redirect_uri"] == ["http://acme.localhost/login/sso/oidc/callback/"]
    assert set(query["scope"][0].split()) == {"openid", "email", "profile"}
    flow = client.session[oidc.FLOWS_KEY][query["state"][0]]
    assert flow["nonce"] == query["nonce"][0]
    assert query["code_challenge"][0] != flow["verifier"]  # the verifier never leaves the server
    assert query["login_hint"] == ["employee@acme.test"]


def test_a_member_signs_in_and_their_profile_is_updated(client, world, providers):
    answer = sign_in(client, world.acme, providers, "acme-employee", next="/people/")
    assert answer.status_code == 302 and answer["Location"] == "/people/"
    assert signed_in_as(client, world.acme) == "employee@acme.test"
    identity = ExternalIdentity.objects.get(provider=providers.acme)
    assert (identity.issuer, identity.subject, identity.user) == (
        providers.server.issuer,
        "acme-employee",
        world.acme.employee,
    )
    with tenant_context(world.acme.organisation):
        profile = EmployeeProfile.objects.get(user=world.acme.employee)
    assert (profile.department, profile.job_title, profile.employee_number) == ("Logistics", "Planner", "A-1001")
    assert profile.manager == world.acme.hr
    # The account's names are the person's own across organisations: the provider does not rename it.
    world.acme.employee.refresh_from_db()
    assert world.acme.employee.last_name == "Acme"


def test_the_second_sign_in_finds_the_identity_by_subject(client, world, providers):
    sign_in(client, world.acme, providers, "acme-employee")
    client.logout()
    # The address at the provider changes; the subject is what counts.
    User.objects.filter(pk=world.acme.employee.pk).update(email="renamed@acme.test")
    answer = sign_in(client, world.acme, providers, "acme-employee")
    assert answer.status_code == 302
    assert signed_in_as(client, world.acme) == "renamed@acme.test"
    assert ExternalIdentity.objects.filter(user=world.acme.employee).count() == 1


def test_a_sign_in_counts_as_the_second_factor_for_an_hr_manager_who_must_have_one(client, world, providers):
    world.acme.organisation.two_factor_required_for_hr = True
    world.acme.organisation.save(update_fields=["two_factor_required_for_hr"])
    sign_in(client, world.acme, providers, "acme-hr")
    assert client.get("/people/", HTTP_HOST=world.acme.host).status_code == 200


# --- refusals: nothing created ------------------------------------------------------------------------


def test_a_state_this_browser_did_not_start_is_refused(client, world, providers):
    url = providers.server.sign_in(start(client, world.acme, providers.acme), "acme-employee")
    before = counts()
    forged = url.replace("state=", "state=x")
    assert_refused(back(client, world.acme, forged), "not started in this browser")
    assert counts() == before
    # A callback in another browser (no flow in its session) is refused the same way.
    from django.test import Client

    assert_refused(back(Client(), world.acme, url), "not started in this browser")
    assert counts() == before


def test_a_state_is_spent_once(client, world, providers):
    url = providers.server.sign_in(start(client, world.acme, providers.acme), "acme-employee")
    assert back(client, world.acme, url).status_code == 302
    client.logout()
    assert_refused(back(client, world.acme, url), "already used")


def test_a_nonce_other_than_the_one_sent_is_refused(client, world, providers):
    url = start(client, world.acme, providers.acme)
    state = parse_qs(urlsplit(url).query)["state"][0]
    session = client.session
    session[oidc.FLOWS_KEY][state]["nonce"] = "another-nonce"
    session.save()
    callback = providers.server.sign_in(url, "acme-employee")
    before = counts()
    assert_refused(back(client, world.acme, callback), "does not match the one this browser started")
    assert counts() == before
    assert signed_in_as(client, world.acme) is None


def test_a_code_issued_to_another_organisations_client_is_refused(client, world, providers):
    # Acme's sign-in starts; the code comes back from Globex's client (its request made with Acme's state).
    acme_url = start(client, world.acme, providers.acme)
    query = parse_qs(urlsplit(acme_url).query)
    globex_url = acme_url.replace("client_id=acme-portal", "client_id=globex-portal")
    assert "client_id=globex-portal" in globex_url and query["client_id"] == ["acme-portal"]
    callback = providers.server.sign_in(globex_url, "acme-employee")
    before = counts()
    assert_refused(back(client, world.acme, callback), "did not accept this sign-in")
    assert counts() == before


def test_an_unverified_email_is_refused(client, world, providers):
    before = counts()
    assert_refused(sign_in(client, world.acme, providers, "acme-unverified"), "has not confirmed")
    assert counts() == before


def test_an_account_with_no_membership_here_is_refused_without_saying_it_exists(client, world, providers):
    """nOAuth: Acme's provider vouches for employee@globex.test; that account is Globex's, not Acme's."""
    before = counts()
    elsewhere = sign_in(client, world.acme, providers, "acme-elsewhere")
    client.logout()
    unknown = sign_in(client, world.acme, providers, "acme-newcomer-unclaimed")
    assert_refused(elsewhere, "Ask your HR department to invite you")
    assert page_text(elsewhere) == page_text(unknown)
    assert counts() == before
    assert not ExternalIdentity.objects.filter(user=world.globex.employee).exists()


def test_the_outsider_is_refused(client, world, providers):
    before = counts()
    assert_refused(sign_in(client, world.acme, providers, "acme-outsider"), "Ask your HR department")
    assert counts() == before


@pytest.mark.parametrize("login", ["acme-coach", "acme-coach-both"])
def test_a_coach_account_is_never_linked(client, world, providers, login):
    before = counts()
    assert_refused(sign_in(client, world.acme, providers, login), "Coaches sign in with their password")
    assert counts() == before


def test_a_second_subject_never_joins_an_account_by_its_email(client, world, providers):
    sign_in(client, world.acme, providers, "acme-employee")
    client.logout()
    before = counts()
    answer = sign_in(client, world.acme, providers, "acme-employee-again")
    assert_refused(answer, "already linked to another identity")
    assert counts() == before


def test_an_identity_of_another_organisations_provider_grants_nothing_here(client, world, providers):
    # Globex's employee signs in at Globex; the same subject at the same issuer, presented at Acme, is not
    # Acme's to use (its link belongs to Globex's provider).
    sign_in(client, world.globex, providers, "globex-employee")
    client.logout()
    Membership.objects.create(user=world.globex.employee, organisation=world.acme.organisation, role="employee")
    before = counts()
    # Acme's client, the same provider and subject: refused, as an identity of another organisation's provider.
    answer = sign_in(client, world.acme, providers, "globex-employee")
    assert_refused(answer, "Ask your HR department")
    assert counts() == before


def test_globex_is_untouched_by_a_sign_in_at_acme(client, world, providers):
    with tenant_context(world.globex.organisation):
        globex_profiles = list(EmployeeProfile.objects.values())
    sign_in(client, world.acme, providers, "acme-employee")
    assert client.get("/", HTTP_HOST=world.globex.host).status_code == 302  # not signed in there
    with tenant_context(world.globex.organisation):
        assert list(EmployeeProfile.objects.values()) == globex_profiles


def test_an_ended_membership_signs_in_no_longer(client, world, providers):
    sign_in(client, world.acme, providers, "acme-employee")
    client.logout()
    Membership.objects.filter(user=world.acme.employee, organisation=world.acme.organisation).update(is_active=False)
    assert_refused(sign_in(client, world.acme, providers, "acme-employee"), "Ask your HR department")


def test_a_disabled_provider_starts_nothing(client, world, providers):
    providers.acme.enabled = False
    providers.acme.save(update_fields=["enabled"])
    assert client.get(f"/login/sso/{providers.acme.pk}/", HTTP_HOST=world.acme.host).status_code == 404


def test_another_organisations_provider_cannot_be_started_here(client, world, providers):
    assert client.get(f"/login/sso/{providers.globex.pk}/", HTTP_HOST=world.acme.host).status_code == 404


def test_the_next_address_stays_on_this_host(client, world, providers):
    start(client, world.acme, providers.acme, next="https://evil.example/")
    assert client.session[NEXT_KEY] == "/"


# --- just-in-time people ------------------------------------------------------------------------------


def jit_on(org: Org):
    SignInPolicy.objects.update_or_create(organisation=org.organisation, defaults={"jit_people": True})


def test_jit_off_asks_an_unknown_person_to_see_hr(client, world, providers):
    before = counts()
    assert_refused(sign_in(client, world.acme, providers, "acme-newcomer"), "Ask your HR department to invite you")
    assert counts() == before


def test_jit_makes_an_employee_of_a_person_in_a_claimed_domain(client, world, providers):
    jit_on(world.acme)
    answer = sign_in(client, world.acme, providers, "acme-newcomer")
    assert answer.status_code == 302
    user = User.objects.get(email="newcomer@acme.test")
    assert (user.first_name, user.last_name, user.has_usable_password()) == ("Nina", "Nieuw", False)
    assert set(Membership.objects.filter(user=user).values_list("organisation__slug", "role", "is_active")) == {
        ("acme", "employee", True)
    }
    with tenant_context(world.acme.organisation):
        assert EmployeeProfile.objects.get(user=user).department == "Sales"
    assert signed_in_as(client, world.acme) == "newcomer@acme.test"


def test_jit_refuses_a_domain_the_organisation_has_not_claimed(client, world, providers):
    jit_on(world.acme)
    before = counts()
    assert_refused(sign_in(client, world.acme, providers, "acme-newcomer-unclaimed"), "Ask your HR department")
    assert counts() == before


def test_jit_refuses_a_claim_not_yet_approved(client, world, providers):
    jit_on(world.acme)
    from sso.models import DomainClaim

    DomainClaim.objects.filter(domain="acme.test").update(approved_at=None, approved_by=None)
    before = counts()
    assert_refused(sign_in(client, world.acme, providers, "acme-newcomer"), "Ask your HR department")
    assert counts() == before


def test_jit_never_takes_an_account_that_exists_elsewhere(client, world, providers):
    jit_on(world.acme)
    from sso.models import DomainClaim

    DomainClaim.objects.filter(domain="globex.test").update(organisation=world.acme.organisation)
    before = counts()
    assert_refused(sign_in(client, world.acme, providers, "acme-elsewhere"), "Ask your HR department")
    assert counts() == before

"""Single sign-on required (members use the provider, break-glass HR and coaches keep their password), the
sign-in page's provider buttons, and the public host routing a typed address to its organisation."""

from __future__ import annotations

import pytest
from django.test import Client

from sso import services
from sso.models import DomainClaim
from tests.test_handoff import Browser, signed_in_user_id
from tests.world import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture
def required(world, providers):
    return services.sign_in_policy_update(
        organisation=world.acme.organisation,
        acting_user=world.acme.hr,
        jit_people=False,
        sso_required=True,
        break_glass=[world.acme.hr],
    )


def password(user, host: str):
    return Client(HTTP_HOST=host).post("/login/", {"username": user.email, "password": PASSWORD})


def test_the_sign_in_page_offers_the_organisations_providers_only(client, world, providers):
    page = client.get("/login/", HTTP_HOST=world.acme.host).content.decode()
    assert "Sign in with Acme Logistics ID" in page
    assert f'href="/login/sso/{providers.acme.pk}/"' in page
    assert "Globex" not in page


def test_with_sso_required_a_member_cannot_use_a_password(world, required):
    answer = password(world.acme.employee, world.acme.host)
    assert answer.status_code == 200
    assert "Sign in with your organisation&#x27;s account" in answer.content.decode()
    assert signed_in_user_id(answer.client) is None


def test_with_sso_required_break_glass_hr_and_coaches_keep_their_password(world, required):
    assert password(world.acme.hr, world.acme.host).status_code == 302
    # Coaches go on to their code step.
    assert password(world.acme.coach, world.acme.host)["Location"].startswith("/login/code/")
    assert password(world.coach_both, world.acme.host)["Location"].startswith("/login/code/")


def test_an_hr_manager_not_named_break_glass_uses_the_provider(world, required):
    other_hr = world.acme.employee2
    from tenants.services import membership_grant

    membership_grant(user=other_hr, organisation=world.acme.organisation, role="hr_manager")
    assert password(other_hr, world.acme.host).status_code == 200


def test_another_organisation_is_not_affected(world, required):
    assert password(world.globex.employee, world.globex.host).status_code == 302


def test_a_password_session_on_the_public_host_is_no_way_round(world, client_for, required):
    browser = Browser(localhost=client_for(world.acme.employee, "localhost"))
    host, path = browser.follow_until("localhost", "/go/acme/", "/handoff/?token=")
    answer = browser.get(host, path)
    assert answer["Location"] == "/login/"
    assert signed_in_user_id(browser.client(host)) is None


def test_the_coach_handoff_keeps_working(world, client_for, required):
    browser = Browser(localhost=client_for(world.coach_both, "localhost"))
    host, path = browser.follow_until("localhost", "/go/acme/?next=/sessions/", "/handoff/?token=")
    assert browser.get(host, path)["Location"] == "/sessions/"
    assert signed_in_user_id(browser.client(host)) == str(world.coach_both.pk)


def test_no_api_token_for_a_password_where_sso_is_required(world, required):
    answer = Client(HTTP_HOST=world.acme.host).post(
        "/api/v1/auth/token/", {"email": world.acme.employee.email, "password": PASSWORD, "name": "script"}
    )
    assert answer.status_code == 400
    assert "single sign-on" in answer.json()["detail"]


def test_requiring_sso_needs_a_break_glass_account(world, providers):
    with pytest.raises(services.ValidationError) as refused:
        services.sign_in_policy_update(
            organisation=world.acme.organisation, acting_user=world.acme.hr, jit_people=False, sso_required=True
        )
    assert "break_glass" in refused.value.message_dict


def test_only_hr_managers_here_can_be_break_glass(world, providers):
    with pytest.raises(services.ValidationError) as refused:
        services.sign_in_policy_update(
            organisation=world.acme.organisation,
            acting_user=world.acme.hr,
            jit_people=False,
            sso_required=True,
            break_glass=[world.globex.hr],
        )
    assert "break_glass" in refused.value.message_dict


# --- the public host --------------------------------------------------------------------------------


def test_the_public_host_routes_a_claimed_domain_to_its_provider(client, world, providers):
    page = client.get("/login/sso/", {"email": "Someone@Acme.test"}, HTTP_HOST="localhost").content.decode()
    assert f'href="http://acme.localhost/login/sso/{providers.acme.pk}/?login_hint=someone@acme.test"' in page
    assert "Sign in with Acme Logistics ID" in page


def test_the_public_host_routes_nothing_for_an_unclaimed_or_unapproved_domain(client, world, providers):
    DomainClaim.objects.filter(domain="globex.test").update(approved_at=None)
    for email in ("someone@unclaimed.test", "someone@globex.test"):
        page = client.get("/login/sso/", {"email": email}, HTTP_HOST="localhost").content.decode()
        assert "No organisation signs in with single sign-on for this address" in page
        assert "/login/sso/" + str(providers.globex.pk) not in page


def test_the_public_sign_in_page_links_to_the_routing(client, world):
    assert 'href="/login/sso/"' in client.get("/login/", HTTP_HOST="localhost").content.decode()

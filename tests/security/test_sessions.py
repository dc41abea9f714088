"""Sessions and tokens: bound to their host, dead after sign-out, deactivation or a lost membership.

What we decided: signing out ends that browser's session only; the API token is a separate credential
(a script or an app may hold it) and stays valid. Deactivating the account kills every session and every
token at once, and losing the membership of an organisation makes both useless on its host.
"""

from django.conf import settings
from django.contrib.sessions.models import Session
from django.test import Client

from tenants import services, tokens
from tenants.models import ApiToken, Membership
from tests.world import PASSWORD
from tests.world.two_factor import through_the_code_step, token_payload

SESSION_COOKIE = settings.SESSION_COOKIE_NAME


def signed_in_through_the_form(user, host: str) -> Client:
    client = Client(HTTP_HOST=host)
    response = client.post("/login/", {"username": user.email, "password": PASSWORD})
    response = through_the_code_step(client, user, response)
    assert response.status_code == 302, response.content.decode()[:500]
    return client


def replay(cookie: str, host: str) -> Client:
    """A fresh client, on `host`, carrying nothing but a copied session cookie."""
    client = Client(HTTP_HOST=host)
    client.cookies[SESSION_COOKIE] = cookie
    return client


def is_signed_in(client: Client) -> bool:
    response = client.get("/")
    return response.status_code == 200 and b'action="/logout/"' in response.content


def token_of(user, host: str) -> str:
    response = Client(HTTP_HOST=host).post(
        "/api/v1/auth/token/", token_payload(user, PASSWORD), content_type="application/json"
    )
    assert response.status_code == 200, response.content
    return response.json()["token"]


def api_me(token: str, host: str) -> int:
    return Client(HTTP_HOST=host).get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {token}").status_code


# --- session hopping --------------------------------------------------------------------------------


def test_a_session_made_on_one_organisation_host_is_not_signed_in_on_another(world):
    # The coach serves both organisations, so only the host binding stands between the cookie and Globex.
    acme = signed_in_through_the_form(world.coach_both, "acme.localhost")
    cookie = acme.cookies[SESSION_COOKIE].value
    assert is_signed_in(replay(cookie, "acme.localhost"))
    globex = replay(cookie, "globex.localhost")
    assert not is_signed_in(globex)
    assert globex.get("/").status_code == 302
    assert globex.get("/api/v1/me/").status_code in (401, 403)


def test_a_session_of_an_organisation_host_is_not_signed_in_on_the_public_host(world):
    cookie = signed_in_through_the_form(world.coach_both, "acme.localhost").cookies[SESSION_COOKIE].value
    public = replay(cookie, "localhost")
    response = public.get("/go/acme/")  # needs a signed-in user
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_a_public_host_session_is_not_signed_in_on_an_organisation_host(world):
    cookie = signed_in_through_the_form(world.coach_both, "localhost").cookies[SESSION_COOKIE].value
    assert replay(cookie, "localhost").get("/go/acme/").status_code == 302  # signed in: handed off
    assert not is_signed_in(replay(cookie, "acme.localhost"))


def test_the_session_cookie_names_no_domain_so_browsers_keep_it_on_its_own_host(world):
    acme = signed_in_through_the_form(world.acme.hr, "acme.localhost")
    morsel = acme.cookies[SESSION_COOKIE]
    assert morsel["domain"] == ""
    assert morsel["httponly"] is True
    assert morsel["samesite"] == "Lax"


# --- sign-out ---------------------------------------------------------------------------------------


def test_after_sign_out_the_old_session_cookie_is_dead(world):
    client = signed_in_through_the_form(world.acme.employee, "acme.localhost")
    cookie = client.cookies[SESSION_COOKIE].value
    assert client.post("/logout/").status_code == 302
    assert not Session.objects.filter(session_key=cookie).exists()
    assert not is_signed_in(replay(cookie, "acme.localhost"))


def test_sign_out_ends_the_browser_session_but_not_the_api_token(world):
    token = token_of(world.acme.employee, "acme.localhost")
    client = signed_in_through_the_form(world.acme.employee, "acme.localhost")
    client.post("/logout/")
    assert api_me(token, "acme.localhost") == 200


def test_after_a_password_change_the_old_session_cookies_are_dead(world):
    cookie = signed_in_through_the_form(world.acme.employee2, "acme.localhost").cookies[SESSION_COOKIE].value
    world.acme.employee2.set_password("a brand new passphrase 7")
    world.acme.employee2.save(update_fields=["password"])
    assert not is_signed_in(replay(cookie, "acme.localhost"))


# --- deactivation and lost memberships --------------------------------------------------------------


def test_deactivating_an_account_kills_its_sessions_and_its_token(world):
    user = world.acme.employee2
    token = token_of(user, "acme.localhost")
    cookie = signed_in_through_the_form(user, "acme.localhost").cookies[SESSION_COOKIE].value
    user.is_active = False
    user.save(update_fields=["is_active"])
    assert not is_signed_in(replay(cookie, "acme.localhost"))
    assert api_me(token, "acme.localhost") == 401
    # and the person cannot simply sign in again or fetch a new token
    refused = Client(HTTP_HOST="acme.localhost").post("/login/", {"username": user.email, "password": PASSWORD})
    assert refused.status_code == 200
    assert (
        Client(HTTP_HOST="acme.localhost")
        .post("/api/v1/auth/token/", {"email": user.email, "password": PASSWORD}, content_type="application/json")
        .status_code
        == 400
    )


def test_a_revoked_membership_makes_session_and_token_useless_on_that_host_only(world):
    coach = world.coach_both
    token = token_of(coach, "acme.localhost")
    cookie = signed_in_through_the_form(coach, "acme.localhost").cookies[SESSION_COOKIE].value
    membership = Membership.objects.get(user=coach, organisation=world.acme.organisation, role="coach")
    services.membership_revoke(membership=membership, acting_user=world.acme.hr)
    assert replay(cookie, "acme.localhost").get("/").status_code == 404
    assert api_me(token, "acme.localhost") == 401
    assert api_me(token, "globex.localhost") == 200  # still coaches there
    assert ApiToken.objects.filter(digest=tokens.digest_of(token), revoked_at__isnull=True).exists()

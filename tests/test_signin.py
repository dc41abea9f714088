import pytest
from django.core import mail
from django.test import Client

from tenants import services
from tenants.models import HandoffToken
from tests.test_handoff import Browser
from tests.world import PASSWORD


def test_it_signs_a_member_in_on_their_organisation_host(world):
    client = Client(HTTP_HOST="acme.localhost")
    response = client.post("/login/", {"username": world.acme.employee.email, "password": PASSWORD})
    assert response.status_code == 302
    assert client.get("/").status_code == 200


def test_it_refuses_a_non_member_on_an_organisation_host(world):
    client = Client(HTTP_HOST="globex.localhost")
    response = client.post("/login/", {"username": world.acme.hr.email, "password": PASSWORD})
    assert response.status_code == 200
    assert [error.code for error in response.context["form"].non_field_errors().as_data()] == ["not_member"]
    assert client.get("/").status_code == 302


def test_it_rejects_a_wrong_password_with_a_clear_message(world):
    response = Client(HTTP_HOST="acme.localhost").post(
        "/login/", {"username": world.acme.hr.email, "password": "wrong"}
    )
    assert response.status_code == 200
    assert "do not match" in response.content.decode()


def test_a_cookie_from_one_host_is_not_signed_in_on_another(world, client_for):
    acme = client_for(world.coach_both, "acme.localhost")
    assert acme.get("/").status_code == 200
    hopping = Client(HTTP_HOST="globex.localhost")
    hopping.cookies = acme.cookies
    response = hopping.get("/")
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_the_coach_moves_from_the_public_host_into_each_organisation(world, client_for):
    public = client_for(world.coach_both, "localhost")
    landing = public.get("/")
    assert b"Acme Logistics" in landing.content and b"Globex Zorg" in landing.content
    for slug in ("acme", "globex"):
        browser = Browser(localhost=public)
        host, path = browser.follow_until("localhost", f"/go/{slug}/", "/handoff/?token=")
        assert host == f"{slug}.localhost"
        assert browser.get(host, path).status_code == 302
        assert browser.get(host, "/").status_code == 200


def bound_ticket(world, organisation) -> tuple[str, str]:
    """A ticket for the coach into `organisation` (asked for by a session past the code step), and the nonce
    of the browser it is bound to."""
    nonce = services.handoff_nonce()
    token = services.handoff_create(
        user=world.coach_both,
        organisation=organisation,
        binding=services.handoff_binding(nonce),
        second_factor=True,
    )
    return token, nonce


def in_browser(host: str, nonce: str) -> Client:
    client = Client(HTTP_HOST=host)
    client.cookies[services.HANDOFF_COOKIE] = nonce
    return client


def test_a_handoff_token_works_once_and_only_on_its_own_host(world):
    token, nonce = bound_ticket(world, world.acme.organisation)
    other = in_browser("globex.localhost", nonce)
    other.get(f"/handoff/?token={token}")
    assert other.get("/").status_code == 302  # not signed in on Globex
    first = in_browser("acme.localhost", nonce)
    first.get(f"/handoff/?token={token}")
    assert first.get("/").status_code == 200  # the Globex attempt did not spend it
    assert HandoffToken.objects.get().used_at is not None


def test_a_handoff_token_is_single_use(world):
    token, nonce = bound_ticket(world, world.acme.organisation)
    first, second = in_browser("acme.localhost", nonce), in_browser("acme.localhost", nonce)
    first.get(f"/handoff/?token={token}")
    second.get(f"/handoff/?token={token}")
    assert first.get("/").status_code == 200
    assert second.get("/").status_code == 302


def test_it_refuses_a_forged_handoff_token(world):
    client = Client(HTTP_HOST="acme.localhost")
    response = client.get("/handoff/?token=forged")
    assert response.status_code == 302
    assert client.get("/").status_code == 302


def test_it_will_not_hand_a_user_into_an_organisation_they_do_not_belong_to(world, client_for):
    response = client_for(world.acme.hr, "localhost").get("/go/globex/")
    assert response.status_code == 404


def test_it_throttles_wrong_passwords_with_a_cool_off(world, settings):
    client = Client(HTTP_HOST="acme.localhost", REMOTE_ADDR="10.9.8.7")
    for _ in range(3):
        client.post("/login/", {"username": world.acme.hr.email, "password": "wrong"})
    locked = client.post("/login/", {"username": world.acme.hr.email, "password": PASSWORD})
    assert locked.status_code == 429
    assert "Too many sign-in attempts" in locked.content.decode()
    other_user = Client(HTTP_HOST="acme.localhost", REMOTE_ADDR="10.9.8.7")
    assert other_user.post("/login/", {"username": world.acme.employee.email, "password": PASSWORD}).status_code == 302


def test_an_invitation_lets_the_person_set_a_password_and_sign_in(world):
    invitation = services.invitation_create(
        email="new.person@acme.test",
        first_name="New",
        last_name="Person",
        organisation=world.acme.organisation,
        role="employee",
        acting_user=world.acme.hr,
        send=False,
    )
    services.invitation_send(invitation)
    assert len(mail.outbox) == 1
    link = next(line for line in mail.outbox[0].body.splitlines() if "/invitation/" in line)
    path = link.split("acme.localhost", 1)[1]
    client = Client(HTTP_HOST="acme.localhost")
    assert client.get(path).status_code == 200
    response = client.post(path, {"new_password1": "a sturdy passphrase 42", "new_password2": "a sturdy passphrase 42"})
    assert response.status_code == 302
    assert client.get("/").status_code == 200
    assert Client(HTTP_HOST="acme.localhost").get(path).status_code == 404  # used


def test_an_invitation_link_does_not_work_on_another_organisation_host(world):
    invitation = services.invitation_create(
        email="x@acme.test",
        organisation=world.acme.organisation,
        role="employee",
        acting_user=world.acme.hr,
        send=False,
    )
    token = services.invitation_token(invitation)
    assert Client(HTTP_HOST="globex.localhost").get(f"/invitation/{token}/").status_code == 404


def test_password_reset_sends_a_link(world):
    client = Client(HTTP_HOST="acme.localhost")
    response = client.post("/password-reset/", {"email": world.acme.employee.email})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    assert "acme.localhost/reset/" in mail.outbox[0].body


@pytest.mark.parametrize("host", ["unknown.localhost", "evil.example.com"])
def test_an_unknown_host_gets_a_clean_answer_not_a_crash(host, db):
    response = Client(HTTP_HOST=host).get("/")
    assert response.status_code in (400, 404)

"""An organisation can never take an account by inviting its address.

HR of Acme types the address of someone who has an account elsewhere (Globex's employee, the coach who
serves both, a coach of nobody here) in the people form, the enrolment API or a CSV file. The person is
invited, nothing more: not a member of Acme, unable to sign in there, in none of Acme's lists but HR's
"Invited" one, shown there with the names HR typed. Acme's answers are the same as for an address
nobody has. The person accepts while signed in with their own account (their password never changes
through a link) or declines; invitations expire and are accepted once.
"""

from __future__ import annotations

import re
import threading

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tenants.utils import schema_context, tenant_context

from programmes.models import EmployeeProfile, Enrolment
from tenants import services, tokens
from tenants.models import Invitation, Membership, Role, User
from tests.connections import in_own_connection
from tests.world import PASSWORD, build_world, sign_in

TYPED = ("Typed", "Stranger")
HEADER = "email,first name,last name,department,job title,manager email,cohort"


@pytest.fixture
def hr_client(world, client_for):
    return client_for(world.acme.hr, world.acme.host)


@pytest.fixture
def api(world):
    with schema_context("public"):
        token = tokens.token_create(user=world.acme.hr, name="Tests").raw
    return Client(HTTP_HOST=world.acme.host, HTTP_AUTHORIZATION=f"Token {token}")


def invite_on_people_page(hr_client, email: str) -> None:
    response = hr_client.post(
        "/people/", {"email": email, "first_name": TYPED[0], "last_name": TYPED[1], "role": Role.EMPLOYEE}, follow=True
    )  # the page shows the message
    assert response.status_code == 200 and f"{email} is invited." in response.content.decode()


def enrol_through_api(api, world, email: str):
    return api.post(
        "/api/v1/enrolments/",
        {"cohort": world.acme.people["cohort_a"], "email": email, "first_name": TYPED[0], "last_name": TYPED[1]},
        content_type="application/json",
    )


def import_through_api(api, world, email: str):
    file = SimpleUploadedFile(
        "people.csv", f"{HEADER}\n{email},{TYPED[0]},{TYPED[1]},Sales,Rep,,Cohort B\n".encode(), content_type="text/csv"
    )
    return api.post("/api/v1/enrolments/import/", {"file": file, "programme": world.acme.people["programme"]})


def assert_not_a_member_of_acme(world, person: User, hr_client) -> None:
    with schema_context("public"):
        assert not Membership.objects.filter(user=person, organisation=world.acme.organisation).exists()
        person.refresh_from_db()
        assert person.check_password(PASSWORD)  # their own password, untouched
    signing_in = Client(HTTP_HOST=world.acme.host).post("/login/", {"username": person.email, "password": PASSWORD})
    assert signing_in.status_code == 200
    assert "This account has no access to this organisation." in signing_in.content.decode()
    with tenant_context(world.acme.organisation):
        assert not Enrolment.objects.filter(employee=person).exists()
        assert not EmployeeProfile.objects.filter(user=person).exists()
    own_name = person.get_full_name()
    people = hr_client.get("/people/").content.decode()
    everyone, invited = people.split('id="invited-heading"', 1)
    assert person.email not in everyone and own_name not in people
    assert person.email in invited and " ".join(TYPED) in invited  # the names HR typed, nothing else
    enrolments = hr_client.get("/enrolments/").content.decode()
    table, invited = enrolments.split('id="invited-heading"', 1)
    assert person.email not in table and own_name not in enrolments
    listed = hr_client.get(f"/api/v1/enrolments/?q={person.email}").json()
    assert listed["count"] == 0
    coach = Client(HTTP_HOST=world.acme.host)
    sign_in(coach, world.acme.coach, world.acme.host)
    assert person.email not in coach.get("/enrolments/").content.decode()


# --- inviting someone who has an account elsewhere -----------------------------------------------------


def test_the_people_form_leaves_another_organisations_employee_outside(world, hr_client):
    invite_on_people_page(hr_client, world.globex.employee.email)
    assert_not_a_member_of_acme(world, world.globex.employee, hr_client)


def test_the_enrolment_api_leaves_another_organisations_employee_outside(world, hr_client, api):
    response = enrol_through_api(api, world, world.globex.employee.email)
    assert response.status_code == 202
    assert world.globex.employee.first_name not in response.content.decode()
    assert_not_a_member_of_acme(world, world.globex.employee, hr_client)


def test_a_csv_import_leaves_another_organisations_employee_outside(world, hr_client, api):
    response = import_through_api(api, world, world.globex.employee.email)
    assert response.status_code == 200
    assert_not_a_member_of_acme(world, world.globex.employee, hr_client)


def test_the_link_never_sets_the_password_of_an_account_in_use(world, hr_client):
    invite_on_people_page(hr_client, world.globex.employee.email)
    invitation = Invitation.objects.get(email=world.globex.employee.email, organisation=world.acme.organisation)
    path = f"/invitation/{services.invitation_token(invitation)}/"
    stranger = Client(HTTP_HOST=world.acme.host)
    page = stranger.get(path)
    assert page.status_code == 200 and "already has an account" in page.content.decode()
    taken = stranger.post(path, {"new_password1": "taken over 12345", "new_password2": "taken over 12345"})
    assert taken.status_code == 200 and "_auth_user_id" not in stranger.session
    world.globex.employee.refresh_from_db()
    assert world.globex.employee.check_password(PASSWORD)
    assert not world.globex.employee.check_password("taken over 12345")
    assert_not_a_member_of_acme(world, world.globex.employee, hr_client)


# --- the same answer for an address with and without an account --------------------------------------


def _answers(call, addresses: list[str]) -> list[tuple[int, str, int]]:
    """(status, body with the address blanked out, number of queries) for each address, each call from
    the same starting point (rolled back after it)."""
    answers = []
    for address in addresses:
        with transaction.atomic(), CaptureQueriesContext(connection) as queries:
            response = call(address)
            transaction.set_rollback(True)
        body = response.content.decode().replace(address, "<address>")
        # What differs on every response whoever is invited: the CSRF token's mask, the invitation's id.
        body = re.sub(r'(csrfmiddlewaretoken" value="|"X-CSRFToken": ")[^"]+', r"\1<token>", body)
        body = re.sub(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", "<id>", body)
        answers.append((response.status_code, body, len(queries)))
    return answers


def test_the_import_answers_alike_for_an_existing_and_a_new_address(world, api):
    existing, new = _answers(
        lambda address: import_through_api(api, world, address),
        [world.globex.employee.email, "nobody.yet@newcomer.test"],
    )
    assert existing == new
    assert "accounts_created" not in existing[1] and '"invited":1' in existing[1].replace(" ", "")


def test_the_enrolment_api_answers_alike_for_an_existing_and_a_new_address(world, api):
    existing, new = _answers(
        lambda address: enrol_through_api(api, world, address),
        [world.globex.employee2.email, "nobody.either@newcomer.test"],
    )
    assert existing == new and existing[0] == 202


def test_the_people_form_answers_alike_for_an_existing_and_a_new_address(world, hr_client):
    def invite(address):
        response = hr_client.post(
            "/people/",
            {"email": address, "first_name": TYPED[0], "last_name": TYPED[1], "role": Role.EMPLOYEE},
            follow=True,
        )
        return response

    existing, new = _answers(invite, [world.globex.hr.email, "someone.new@newcomer.test"])
    assert existing == new


# --- accepting, declining, expiry ------------------------------------------------------------------


def _public_client(user) -> Client:
    client = Client(HTTP_HOST="localhost")
    sign_in(client, user, "localhost")
    return client


def test_accepting_while_signed_in_makes_a_member_who_keeps_their_password(world, hr_client):
    person = world.globex.employee
    invite_on_people_page(hr_client, person.email)
    home = _public_client(person)
    page = home.get("/").content.decode()
    assert "Acme Logistics" in page and "Accept" in page
    pk = re.search(r"/invitations/([0-9a-f-]+)/accept/", page).group(1)
    assert home.post(f"/invitations/{pk}/accept/").status_code == 302
    with schema_context("public"):
        assert (
            Membership.objects.filter(
                user=person, organisation=world.acme.organisation, role=Role.EMPLOYEE, is_active=True
            ).count()
            == 1
        )
        person.refresh_from_db()
        assert person.check_password(PASSWORD) and (person.first_name, person.last_name) == ("Eva", "Globex")
    signing_in = Client(HTTP_HOST=world.acme.host).post("/login/", {"username": person.email, "password": PASSWORD})
    assert signing_in.status_code == 302
    people = hr_client.get("/people/").content.decode()
    everyone, invited = people.split('id="invited-heading"', 1)
    assert person.email in everyone and "Eva Globex" in everyone  # now their own name
    assert person.email not in invited
    assert home.post(f"/invitations/{pk}/accept/").status_code == 302  # once only: nothing more happens
    with schema_context("public"):
        assert Membership.objects.filter(user=person, organisation=world.acme.organisation).count() == 1


def test_accepting_an_enrolment_invitation_enrols_with_what_hr_gave(world, api):
    person = world.globex.employee
    assert import_through_api(api, world, person.email).status_code == 200
    invitation = Invitation.objects.get(email=person.email, organisation=world.acme.organisation)
    services.invitation_accept(invitation=invitation, user=person)
    with tenant_context(world.acme.organisation):
        enrolment = Enrolment.objects.select_related("cohort").get(employee=person)
        assert enrolment.cohort.name == "Cohort B" and enrolment.coach == world.coach_both
        assert EmployeeProfile.objects.filter(user=person, department="Sales", job_title="Rep").exists()


def test_a_coach_invited_as_employee_by_a_third_organisation_is_no_member_until_they_accept(world, client_for):
    with schema_context("public"):
        third = services.organisation_create(name="Initech", slug="thirdorg")
        hr = User.objects.create_user(email="hr@initech.test", password=PASSWORD, first_name="Ida", last_name="Hr")
        services.membership_grant(user=hr, organisation=third, role=Role.HR_MANAGER)
    coach = world.coach_both
    hr_client = client_for(hr, "thirdorg.localhost")
    invited = hr_client.post(
        "/people/", {"email": coach.email, "first_name": TYPED[0], "last_name": TYPED[1], "role": Role.EMPLOYEE}
    )
    assert invited.status_code == 302
    with schema_context("public"):
        assert not Membership.objects.filter(user=coach, organisation=third).exists()
    home = _public_client(coach)
    assert home.get("/go/thirdorg/").status_code == 404  # no way in
    refused = Client(HTTP_HOST="thirdorg.localhost").post("/login/", {"username": coach.email, "password": PASSWORD})
    assert "This account has no access to this organisation." in refused.content.decode()
    invitation = Invitation.objects.get(email=coach.email, organisation=third)
    assert home.post(f"/invitations/{invitation.pk}/accept/").status_code == 302
    with schema_context("public"):
        assert Membership.objects.filter(user=coach, organisation=third, role=Role.EMPLOYEE, is_active=True).exists()
    assert home.get("/go/thirdorg/").status_code == 302


def test_declining_ends_the_invitation(world, hr_client):
    person = world.globex.employee
    invite_on_people_page(hr_client, person.email)
    invitation = Invitation.objects.get(email=person.email, organisation=world.acme.organisation)
    token = services.invitation_token(invitation)
    home = _public_client(person)
    assert home.post(f"/invitations/{invitation.pk}/decline/").status_code == 302
    invitation.refresh_from_db()
    assert invitation.status == Invitation.Status.DECLINED and invitation.ended_at is not None
    assert "/invitations/" not in home.get("/").content.decode()
    assert Client(HTTP_HOST=world.acme.host).get(f"/invitation/{token}/").status_code == 404
    with pytest.raises(ValidationError):
        services.invitation_accept(invitation=invitation, user=person)
    with schema_context("public"):
        assert not Membership.objects.filter(user=person, organisation=world.acme.organisation).exists()
    assert person.email not in hr_client.get("/people/").content.decode()


@pytest.mark.parametrize("address", ["employee@globex.test", "no.account.yet@newcomer.test"])
def test_anyone_invited_can_decline_through_the_link_so_a_decline_tells_nothing(world, hr_client, address):
    invite_on_people_page(hr_client, address)
    invitation = Invitation.objects.get(email=address, organisation=world.acme.organisation)
    path = f"/invitation/{services.invitation_token(invitation)}/"
    link = Client(HTTP_HOST=world.acme.host)
    assert "Decline the invitation" in link.get(path).content.decode()
    assert link.post(path, {"decline": "1"}).status_code == 302
    invitation.refresh_from_db()
    assert invitation.status == Invitation.Status.DECLINED
    assert link.get(path).status_code == 404
    with schema_context("public"):
        assert not Membership.objects.filter(user__email=address, organisation=world.acme.organisation).exists()
    assert address not in hr_client.get("/people/").content.decode()


def test_an_expired_invitation_cannot_be_accepted(world, hr_client):
    invite_on_people_page(hr_client, world.globex.employee.email)
    invite_on_people_page(hr_client, "late.newcomer@newcomer.test")
    Invitation.objects.filter(organisation=world.acme.organisation).update(
        expires_at=timezone.now() - timezone.timedelta(minutes=1)
    )
    existing = Invitation.objects.get(email=world.globex.employee.email)
    new = Invitation.objects.get(email="late.newcomer@newcomer.test")
    home = _public_client(world.globex.employee)
    assert "/invitations/" not in home.get("/").content.decode()
    home.post(f"/invitations/{existing.pk}/accept/")
    with pytest.raises(ValidationError):
        services.invitation_accept(invitation=existing, user=world.globex.employee)
    link = Client(HTTP_HOST=world.acme.host)
    path = f"/invitation/{services.invitation_token(new)}/"
    assert link.get(path).status_code == 404
    assert (
        link.post(
            path, {"new_password1": "a sturdy passphrase 42", "new_password2": "a sturdy passphrase 42"}
        ).status_code
        == 404
    )
    with pytest.raises(ValidationError):
        services.invitation_accept_with_password(invitation=new, password="a sturdy passphrase 42")
    with schema_context("public"):
        assert not Membership.objects.filter(
            organisation=world.acme.organisation, user__email__in=[existing.email, new.email]
        ).exists()
        assert not User.objects.filter(email=new.email).exists()
    assert "Expired" in hr_client.get("/people/").content.decode()  # HR can send it again


def test_hr_sends_an_invitation_again_and_cancels_it(world, hr_client, django_capture_on_commit_callbacks):
    invite_on_people_page(hr_client, "resend.me@newcomer.test")
    invitation = Invitation.objects.get(email="resend.me@newcomer.test")
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now() - timezone.timedelta(days=1))
    with django_capture_on_commit_callbacks(execute=True):
        assert hr_client.post(f"/people/invitations/{invitation.pk}/resend/").status_code == 302
    invitation.refresh_from_db()
    assert invitation.expires_at > timezone.now() + timezone.timedelta(days=6)
    assert [message.to for message in mail.outbox] == [["resend.me@newcomer.test"]]
    token = services.invitation_token(invitation)
    assert Client(HTTP_HOST=world.acme.host).get(f"/invitation/{token}/").status_code == 200
    assert hr_client.post(f"/people/invitations/{invitation.pk}/cancel/").status_code == 302
    invitation.refresh_from_db()
    assert invitation.status == Invitation.Status.CANCELLED
    assert Client(HTTP_HOST=world.acme.host).get(f"/invitation/{token}/").status_code == 404
    # Another organisation's HR cannot touch it.
    other = Client(HTTP_HOST=world.globex.host)
    sign_in(other, world.globex.hr, world.globex.host)
    assert other.post(f"/people/invitations/{invitation.pk}/resend/").status_code == 404


def test_the_invitation_email_asks_an_account_holder_to_sign_in_not_to_set_a_password(world):
    invitation = services.invitation_create(
        email=world.globex.employee.email,
        organisation=world.acme.organisation,
        role=Role.EMPLOYEE,
        acting_user=world.acme.hr,
        first_name=TYPED[0],
        last_name=TYPED[1],
        send=False,
    )
    services.invitation_send(invitation)
    body = mail.outbox[0].body
    assert body.startswith("Hello Eva,")  # the email goes to the account's holder
    assert "already have an account" in body and "Set your password" not in body
    assert f"acme.localhost/invitation/{services.invitation_token(invitation)}/" in body


def test_the_invitation_email_is_in_the_readers_language(world):
    with schema_context("public"):
        User.objects.filter(pk=world.globex.employee.pk).update(language="nl")
    invitation = services.invitation_create(
        email=world.globex.employee.email,
        organisation=world.acme.organisation,
        role=Role.EMPLOYEE,
        acting_user=world.acme.hr,
        send=False,
    )
    services.invitation_send(invitation)
    assert not mail.outbox[0].subject.startswith("You are invited")  # Dutch, the reader's language


# --- accepted once, on concurrent connections -------------------------------------------------------


def test_two_accepts_at_once_make_one_membership(db):
    world = in_own_connection(build_world)
    email = "twice@race-invites.test"

    def prepare():
        with schema_context("public"):
            User.objects.filter(email=email).delete()
            person = User.objects.create_user(email=email, password=PASSWORD, first_name="Tw", last_name="Ice")
            invitation = services.invitation_create(
                email=email,
                organisation=world.acme.organisation,
                role=Role.EMPLOYEE,
                acting_user=world.acme.hr,
                send=False,
            )
            return person, invitation

    person, invitation = in_own_connection(prepare)
    try:
        barrier = threading.Barrier(2)
        results: list = [None, None]

        def accept(index):
            try:
                barrier.wait(timeout=30)
                with schema_context("public"):
                    results[index] = services.invitation_accept(invitation=invitation, user=person)
            except Exception as error:  # noqa: BLE001
                results[index] = error
            finally:
                connection.close()

        threads = [threading.Thread(target=accept, args=(index,)) for index in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert sorted(type(result).__name__ for result in results) == ["Membership", "ValidationError"]
        assert (
            in_own_connection(
                lambda: Membership.objects.filter(user=person, organisation=world.acme.organisation).count()
            )
            == 1
        )
    finally:

        def clean():
            with schema_context("public"):
                Invitation.objects.filter(email=email).delete()
                Membership.objects.filter(user__email=email).delete()
            with tenant_context(world.acme.organisation):
                User.objects.filter(email=email).delete()

        in_own_connection(clean)

"""Two-factor sign-in: the code step on every host, setup, recovery codes, throttling, resets, the handoff and
the API token, and who must have it."""

from __future__ import annotations

import re
import time

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from tenants import demo_totp, two_factor
from tenants.models import ApiToken, HandoffToken, Organisation, PlatformEvent, RecoveryCode
from tests.test_handoff import Browser
from tests.world import PASSWORD
from tests.world.two_factor import code_for

pytestmark = pytest.mark.django_db


def password_step(client: Client, user, next_path: str = "") -> object:
    query = f"?next={next_path}" if next_path else ""
    return client.post(f"/login/{query}", {"username": user.email, "password": PASSWORD})


def signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def setup_with_app(client: Client, user) -> list[str]:
    """Set up the authenticator through the pages; returns the recovery codes shown."""
    page = client.get("/account/two-factor/setup/")
    assert page.status_code == 200 and b"<svg" in page.content
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    device.key = demo_totp.demo_key_hex()
    device.save(update_fields=["key"])
    shown = client.post("/account/two-factor/setup/", {"code": demo_totp.demo_code()})
    assert shown.status_code == 200
    return re.findall(r"<code>([a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{4})</code>", shown.content.decode())


# --- the code step ----------------------------------------------------------------------------------


@pytest.mark.parametrize("host", ["localhost", "acme.localhost"])
def test_a_coach_signs_in_with_the_password_then_a_code(world, host):
    coach = world.coach_both
    client = Client(HTTP_HOST=host)
    response = password_step(client, coach)
    assert response.status_code == 302 and response["Location"] == "/login/code/"
    assert not signed_in(client)
    assert client.get("/").status_code in (302, 200) and not signed_in(client)
    done = client.post("/login/code/", {"code": code_for(coach)})
    assert done.status_code == 302 and signed_in(client)
    assert client.session[two_factor.SESSION_KEY] == two_factor.VERIFIED


def test_it_refuses_a_wrong_code_and_signs_nobody_in(world):
    client = Client(HTTP_HOST="localhost")
    password_step(client, world.coach_both)
    response = client.post("/login/code/", {"code": "000000" if code_for(world.coach_both) != "000000" else "111111"})
    assert response.status_code == 200 and "That code is not right" in response.content.decode()
    assert not signed_in(client)


def test_a_code_is_good_once(world):
    coach = world.coach_both
    first, second = Client(HTTP_HOST="localhost"), Client(HTTP_HOST="localhost")
    code = code_for(coach)
    password_step(first, coach)
    assert first.post("/login/code/", {"code": code}).status_code == 302
    password_step(second, coach)
    assert second.post("/login/code/", {"code": code}).status_code == 200
    assert not signed_in(second)


def test_the_code_step_without_the_password_step_goes_back_to_the_password(world):
    client = Client(HTTP_HOST="localhost")
    response = client.post("/login/code/", {"code": code_for(world.coach_both)})
    assert response.status_code == 302 and response["Location"] == "/login/"
    assert not signed_in(client)


def test_the_password_step_on_one_host_does_not_open_the_code_step_on_another(world):
    client = Client(HTTP_HOST="acme.localhost")
    password_step(client, world.coach_both)
    # The same session store, asked from another host: the pending step belongs to Acme's host.
    other = Client(HTTP_HOST="globex.localhost")
    other.cookies = client.cookies
    response = other.post("/login/code/", {"code": code_for(world.coach_both)})
    assert response.status_code == 302 and response["Location"] == "/login/"


def test_wrong_codes_make_the_account_wait_across_clients(world):
    coach = world.coach_both
    wrong = "999999" if code_for(coach) != "999999" else "888888"
    for _attempt in range(3):
        client = Client(HTTP_HOST="localhost", REMOTE_ADDR=f"10.0.0.{_attempt + 1}")
        password_step(client, coach)
        client.post("/login/code/", {"code": wrong})
    fresh = Client(HTTP_HOST="localhost", REMOTE_ADDR="10.9.9.9")
    password_step(fresh, coach)
    refused = fresh.post("/login/code/", {"code": code_for(coach)})
    assert refused.status_code == 429 and int(refused["Retry-After"]) >= 1
    assert "Too many sign-in attempts" in refused.content.decode()
    assert not signed_in(fresh)


def test_a_wrong_recovery_code_counts_as_a_wrong_code(world):
    coach = world.coach_both
    client = Client(HTTP_HOST="localhost")
    password_step(client, coach)
    client.post("/login/code/", {"code": "aaaa-bbbb-cccc"})
    assert TOTPDevice.objects.get(user=coach, confirmed=True).throttling_failure_count == 1


# --- setting up, recovery codes -----------------------------------------------------------------------


def test_an_employee_sets_up_the_app_and_a_recovery_code_works_once(world, client_for):
    employee = world.acme.employee
    client = client_for(employee, world.acme.host)
    codes = setup_with_app(client, employee)
    assert len(codes) == two_factor.RECOVERY_CODE_COUNT
    stored = RecoveryCode.objects.filter(user=employee)
    assert stored.count() == 10 and not any(code.replace("-", "") in row.digest for row in stored for code in codes)
    assert PlatformEvent.objects.filter(action="two_factor.enabled", detail__user=employee.pk).exists()

    first = Client(HTTP_HOST=world.acme.host)
    assert password_step(first, employee)["Location"] == "/login/code/"
    assert first.post("/login/code/", {"code": codes[0].upper()}).status_code == 302 and signed_in(first)
    again = Client(HTTP_HOST=world.acme.host)
    password_step(again, employee)
    assert again.post("/login/code/", {"code": codes[0]}).status_code == 200 and not signed_in(again)
    assert RecoveryCode.objects.filter(user=employee, used_at__isnull=True).count() == 9


def test_new_recovery_codes_replace_the_old_ones(world, client_for):
    employee = world.acme.employee
    client = client_for(employee, world.acme.host)
    old = setup_with_app(client, employee)
    page = client.post("/account/two-factor/recovery-codes/").content.decode()
    new = re.findall(r"<code>([a-z0-9-]{14})</code>", page)
    assert len(new) == 10 and not set(new) & set(old)
    with pytest.raises(two_factor.CodeRefused):
        two_factor.verify(user=employee, code=old[0])
    time.sleep(1.1)  # one wrong code: a second's wait
    assert two_factor.verify(user=employee, code=new[0]) == "recovery"


def test_the_setup_refuses_a_wrong_first_code_and_stays_off(world, client_for):
    employee = world.acme.employee
    client = client_for(employee, world.acme.host)
    client.get("/account/two-factor/setup/")
    response = client.post("/account/two-factor/setup/", {"code": "12"})
    assert response.status_code == 200 and "That code is not right" in response.content.decode()
    assert not two_factor.enabled(employee)


def test_the_setup_page_shows_the_qr_code_and_the_key_without_any_outside_service(world, client_for):
    client = client_for(world.acme.employee, world.acme.host)
    page = client.get("/account/two-factor/setup/").content.decode()
    device = TOTPDevice.objects.get(user=world.acme.employee, confirmed=False)
    assert "<svg" in page and two_factor.manual_key(device) in page
    assert "http" not in page.split("<svg", 1)[1].split("</svg>", 1)[0].replace("http://www.w3.org", "")


def test_someone_who_need_not_have_it_may_turn_it_off_with_a_code(world, client_for):
    employee = world.acme.employee
    client = client_for(employee, world.acme.host)
    codes = setup_with_app(client, employee)
    assert client.post("/account/two-factor/disable/", {"code": codes[0]}).status_code == 302
    assert not two_factor.enabled(employee) and not RecoveryCode.objects.filter(user=employee).exists()


def test_a_coach_cannot_turn_it_off(world, client_for):
    client = client_for(world.acme.coach, world.acme.host)
    response = client.post("/account/two-factor/disable/", {"code": code_for(world.acme.coach)})
    assert "requires two-factor sign-in" in response.content.decode()
    assert two_factor.enabled(world.acme.coach)


# --- who must --------------------------------------------------------------------------------------


def test_coaches_and_platform_staff_must_and_employees_need_not(world):
    assert two_factor.required(world.acme.coach) and two_factor.required(world.staff)
    assert not two_factor.required(world.acme.employee) and not two_factor.required(world.acme.hr)


def test_a_coach_without_an_app_is_led_to_the_setup_and_can_do_nothing_else(world):
    coach = world.acme.coach
    TOTPDevice.objects.filter(user=coach).delete()
    client = Client(HTTP_HOST=world.acme.host)
    assert password_step(client, coach)["Location"] == "/"
    assert client.session[two_factor.SESSION_KEY] == two_factor.SETUP
    for path in ("/", "/people/", "/sessions/", "/enrolments/"):
        response = client.get(path)
        assert response.status_code == 302 and response["Location"] == "/account/two-factor/setup/", path
    assert client.get("/account/two-factor/").status_code == 200  # the overview, with its way to the setup
    api = client.get("/api/v1/me/")
    assert api.status_code == 403 and "two-factor" in api.json()["detail"]
    codes = setup_with_app(client, coach)
    assert len(codes) == 10
    assert client.get("/").status_code == 200


def test_hr_must_where_the_organisation_requires_it(world, client_for):
    hr = world.acme.hr
    assert not two_factor.required(hr)
    settings_page = client_for(hr, world.acme.host)
    form = settings_page.get("/settings/").context["form"]
    data = {name: value for name, value in form.initial.items() if name != "logo" and value is not None}
    data["two_factor_required_for_hr"] = "on"
    assert settings_page.post("/settings/", data).status_code == 302
    assert Organisation.objects.get(pk=world.acme.organisation.pk).two_factor_required_for_hr
    event = PlatformEvent.objects.filter(action="organisation.settings_changed").latest("created_at")
    assert event.detail == {"fields": ["two_factor_required_for_hr"]} and event.actor == hr
    assert two_factor.required(hr) and not two_factor.required(world.globex.hr)
    client = Client(HTTP_HOST=world.acme.host)
    password_step(client, hr)
    assert client.get("/people/")["Location"] == "/account/two-factor/setup/"


def test_hr_turns_the_requirement_on_through_the_api_and_bad_input_changes_nothing(world, client_for):
    client = client_for(world.acme.hr, world.acme.host)
    url = "/api/v1/organisation/"
    assert client.get(url).json()["two_factor_required_for_hr"] is False
    refused = client.patch(url, {"two_factor_required_for_hr": "maybe"}, content_type="application/json")
    assert refused.status_code == 400 and "two_factor_required_for_hr" in refused.json()
    unknown = client.patch(url, {"slug": "taken"}, content_type="application/json")
    assert unknown.status_code == 400 and "slug" in unknown.json()
    out_of_range = client.patch(url, {"retention_months": 1}, content_type="application/json")
    assert out_of_range.status_code == 400 and "retention_months" in out_of_range.json()
    organisation = Organisation.objects.get(pk=world.acme.organisation.pk)
    assert not organisation.two_factor_required_for_hr and organisation.slug == "acme"
    done = client.patch(url, {"two_factor_required_for_hr": True}, content_type="application/json")
    assert done.status_code == 200 and done.json()["two_factor_required_for_hr"] is True
    assert PlatformEvent.objects.filter(
        action="organisation.settings_changed", detail={"fields": ["two_factor_required_for_hr"]}
    ).exists()
    employee = client_for(world.acme.employee, world.acme.host)
    assert (
        employee.patch(url, {"two_factor_required_for_hr": False}, content_type="application/json").status_code == 404
    )


# --- the handoff and the API token can't skip the code ----------------------------------------------------


def test_the_handoff_carries_a_session_past_the_code_step(world, client_for):
    browser = Browser(localhost=client_for(world.coach_both, "localhost"))
    host, path = browser.follow_until("localhost", "/go/acme/", "/handoff/?token=")
    browser.get(host, path)
    acme = browser.client(host)
    assert acme.get("/").status_code == 200
    assert acme.session[two_factor.SESSION_KEY] == two_factor.VERIFIED


def test_the_handoff_refuses_a_session_that_skipped_the_code_step(world):
    # A public-host session made without the code step (e.g. before the app was set up) asks for a ticket.
    public = Client(HTTP_HOST="localhost")
    public.force_login(world.coach_both, backend="django.contrib.auth.backends.ModelBackend")
    session = public.session
    session["portal_schema"] = "public"
    session.save()
    browser = Browser(localhost=public)
    host, path = browser.follow_until("localhost", "/go/acme/", "/handoff/?token=")
    assert HandoffToken.objects.get().second_factor is False
    response = browser.get(host, path)
    assert response.status_code == 302 and response["Location"] == "/login/"
    assert browser.client(host).get("/").status_code == 302


def test_no_session_starts_for_an_account_with_a_second_factor_without_the_code(world):
    with pytest.raises(ValidationError):
        two_factor.session_state(user=world.coach_both, second_factor=False)


def test_the_api_token_needs_the_code_for_an_account_with_a_second_factor(world):
    coach = world.acme.coach
    client = Client(HTTP_HOST=world.acme.host)
    url = "/api/v1/auth/token/"
    without = client.post(url, {"email": coach.email, "password": PASSWORD})
    assert without.status_code == 400 and "code" in without.json()["detail"]
    wrong = client.post(url, {"email": coach.email, "password": PASSWORD, "code": "12345x"})
    assert wrong.status_code == 400 and not ApiToken.objects.filter(user=coach).exists()
    time.sleep(1.1)  # one wrong code: a second's wait
    done = client.post(url, {"email": coach.email, "password": PASSWORD, "code": code_for(coach)})
    assert done.status_code == 200 and ApiToken.objects.get(user=coach).pk == done.json()["id"]


def test_the_api_token_is_refused_to_someone_who_must_set_up_two_factor_first(world):
    coach = world.acme.coach
    TOTPDevice.objects.filter(user=coach).delete()
    response = Client(HTTP_HOST=world.acme.host).post(
        "/api/v1/auth/token/", {"email": coach.email, "password": PASSWORD}
    )
    assert response.status_code == 400 and "set up two-factor" in response.json()["detail"]
    assert not ApiToken.objects.filter(user=coach).exists()


def test_an_employee_without_two_factor_still_gets_a_token_with_the_password(world):
    employee = world.acme.employee
    response = Client(HTTP_HOST=world.acme.host).post(
        "/api/v1/auth/token/", {"email": employee.email, "password": PASSWORD}
    )
    assert response.status_code == 200


# --- resets ----------------------------------------------------------------------------------------


def test_hr_resets_an_employee_audited_and_emailed(world, client_for, django_capture_on_commit_callbacks):
    employee = world.acme.employee
    setup_with_app(client_for(employee, world.acme.host), employee)
    hr = client_for(world.acme.hr, world.acme.host)
    with django_capture_on_commit_callbacks(execute=True):
        response = hr.post(f"/people/{world.acme.membership_pk('employee', 'employee')}/two-factor-reset/")
    assert response.status_code == 302
    assert not two_factor.enabled(employee) and not RecoveryCode.objects.filter(user=employee).exists()
    event = PlatformEvent.objects.get(action="two_factor.reset")
    assert event.actor == world.acme.hr and event.organisation == world.acme.organisation
    assert event.detail == {"user": employee.pk}
    assert [message.to for message in mail.outbox] == [[employee.email]]
    assert "reset" in mail.outbox[0].subject


def test_hr_cannot_reset_a_coach_or_another_organisations_people(world, client_for):
    hr = client_for(world.acme.hr, world.acme.host)
    coach_membership = world.acme.membership_pk("coach", "coach")
    hr.post(f"/people/{coach_membership}/two-factor-reset/")
    assert two_factor.enabled(world.acme.coach)
    assert not PlatformEvent.objects.filter(action="two_factor.reset").exists()
    globex_membership = world.globex.membership_pk("employee", "employee")
    assert hr.post(f"/people/{globex_membership}/two-factor-reset/").status_code == 404


def test_platform_staff_reset_a_coach_audited_and_emailed(world, client_for, django_capture_on_commit_callbacks):
    staff = client_for(world.staff, "localhost")
    with django_capture_on_commit_callbacks(execute=True):
        staff.post("/platform/two-factor-reset/", {"email": world.coach_both.email})
    assert not two_factor.enabled(world.coach_both)
    event = PlatformEvent.objects.get(action="two_factor.reset")
    assert event.actor == world.staff and event.organisation is None
    assert [message.to for message in mail.outbox] == [[world.coach_both.email]]
    # At the next sign-in the coach is led to set it up again.
    client = Client(HTTP_HOST="localhost")
    password_step(client, world.coach_both)
    assert client.get("/")["Location"] == "/account/two-factor/setup/"


def test_hr_resets_an_employees_two_factor_through_the_api(world, client_for, django_capture_on_commit_callbacks):
    employee = world.acme.employee
    setup_with_app(client_for(employee, world.acme.host), employee)
    hr = client_for(world.acme.hr, world.acme.host)
    with django_capture_on_commit_callbacks(execute=True):
        response = hr.post(f"/api/v1/people/{world.acme.membership_pk('employee', 'employee')}/two-factor-reset/")
    assert response.status_code == 200 and response.json()["user"] == employee.pk
    assert not two_factor.enabled(employee) and not RecoveryCode.objects.filter(user=employee).exists()
    event = PlatformEvent.objects.get(action="two_factor.reset")
    assert event.actor == world.acme.hr and event.organisation == world.acme.organisation
    assert [message.to for message in mail.outbox] == [[employee.email]]


def test_the_api_refuses_hr_a_coachs_reset_and_hides_another_organisations_people(world, client_for):
    hr = client_for(world.acme.hr, world.acme.host)
    refused = hr.post(f"/api/v1/people/{world.acme.membership_pk('coach', 'coach')}/two-factor-reset/")
    assert refused.status_code == 403 and refused.json()["code"] == "two_factor_reset_not_allowed"
    assert two_factor.enabled(world.acme.coach)
    assert not PlatformEvent.objects.filter(action="two_factor.reset").exists()
    elsewhere = hr.post(f"/api/v1/people/{world.globex.membership_pk('employee', 'employee')}/two-factor-reset/")
    assert elsewhere.status_code == 404

"""Two-factor sign-in in a real browser: an employee sets up an authenticator from the setup page (typing the
key shown beside the QR code), signs out, signs in with the password and a code, and a recovery code works
once."""

from __future__ import annotations

import base64
import time

import pytest
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from tenants.models import RecoveryCode
from tests.world import PASSWORD

pytestmark = pytest.mark.e2e


def app_code(manual_key: str, step: int) -> str:
    """What an authenticator app holding `manual_key` shows in time step `step`."""
    totp = TOTP(base64.b32decode(manual_key.replace(" ", "")))
    totp.time = step * 30
    return f"{totp.token():06d}"


def sign_out(page) -> None:
    page.locator(".usermenu__toggle").click()
    with page.expect_navigation():
        page.get_by_role("button", name="Sign out").click()


def password_step(page, page_for, host, email: str) -> None:
    page.goto(page_for(host, "/login/"))
    page.locator("input[name=username]").fill(email)
    page.locator("input[name=password]").fill(PASSWORD)
    with page.expect_navigation():
        page.locator("main form[method=post] button[type=submit]").click()
    expect(page.locator("h1")).to_have_text("Enter your code")


def enter_code(page, code: str) -> None:
    page.locator("input[name=code]").fill(code)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()


def test_an_employee_sets_up_two_factor_and_signs_in_with_a_code_and_a_recovery_code(
    page, page_for, sign_in, committed, screenshot, e2e_world
):
    acme, person = e2e_world.acme, e2e_world.acme.employee2

    def remove_the_app():
        TOTPDevice.objects.filter(user=person).delete()
        RecoveryCode.objects.filter(user=person).delete()

    committed.cleanup(remove_the_app)
    sign_in(page, person.email, PASSWORD, acme)
    page.locator(".usermenu__toggle").click()
    page.get_by_role("link", name="Two-factor sign-in").click()
    page.get_by_role("link", name="Set up an authenticator app").click()
    expect(page.locator("figure.qr svg")).to_be_visible()
    key = page.locator("#manual-key").inner_text()
    screenshot(page, "two-factor-setup")

    setup_step = int(time.time()) // 30
    page.get_by_label("Code from the app").fill(app_code(key, setup_step))
    with page.expect_navigation():
        page.get_by_role("button", name="Turn on two-factor sign-in").click()
    expect(page.locator("h1")).to_have_text("Your recovery codes")
    codes = page.locator(".recovery-codes code").all_inner_texts()
    assert len(codes) == 10
    sign_out(page)

    # The password alone no longer signs in: the code step follows, and a wrong code is refused.
    password_step(page, page_for, acme, person.email)
    enter_code(page, "000000" if app_code(key, setup_step + 1) != "000000" else "111111")
    expect(page.locator(".error-summary")).to_contain_text("That code is not right")
    time.sleep(1.2)  # one wrong code: a second's wait
    enter_code(page, app_code(key, setup_step + 1))  # the setup's code is spent; the app's next one
    expect(page.locator(".usermenu__name")).to_have_text(person.get_full_name())
    sign_out(page)

    password_step(page, page_for, acme, person.email)
    enter_code(page, codes[0])
    expect(page.locator(".usermenu__name")).to_have_text(person.get_full_name())
    expect(page.locator(".messages")).to_contain_text("recovery code")
    sign_out(page)

    password_step(page, page_for, acme, person.email)
    enter_code(page, codes[0])
    expect(page.locator(".error-summary")).to_contain_text("That code is not right")
    expect(page.locator(".usermenu__toggle")).to_have_count(0)

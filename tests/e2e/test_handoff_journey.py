"""The handoff in a real browser: the legs between the hosts keep their marks in Chromium's cookie jar, and
a different person already signed in on the organisation host is asked before their session is replaced.
(A ticket opened in another browser: tests/test_handoff.py.)"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.world import PASSWORD

pytestmark = pytest.mark.e2e


def test_the_coach_is_asked_before_replacing_someone_elses_session(page, page_for, sign_in, screenshot, e2e_world):
    coach, acme = e2e_world.coach_both, e2e_world.acme
    sign_in(page, acme.employee.email, PASSWORD, acme)
    sign_in(page, coach.email, PASSWORD, "localhost")
    page.locator(".org-card", has_text=acme.organisation.name).get_by_role("link").click()

    expect(page.locator("h1")).to_have_text("Switch account?")
    expect(page.locator("main")).to_contain_text(acme.employee.email)
    screenshot(page, "handoff-confirm-switch")
    # Staying keeps the employee signed in.
    page.get_by_role("link", name=f"Stay signed in as {acme.employee.email}").click()
    expect(page).to_have_url(page_for(acme, "/"))
    expect(page.locator(".usermenu__name")).to_have_text(acme.employee.get_full_name())

    page.goto(page_for("localhost", "/"))
    page.locator(".org-card", has_text=acme.organisation.name).get_by_role("link").click()
    page.get_by_role("button", name=f"Continue as {coach.email}").click()
    expect(page).to_have_url(page_for(acme, "/"))
    expect(page.locator(".usermenu__name")).to_have_text(coach.get_full_name())

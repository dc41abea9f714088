"""The pulse in a real browser, on a phone-sized screen: after an attended 1:1 the employee's home asks how
they feel, they answer and share it; their coach finds it on their page for that coachee."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.world import PASSWORD

pytestmark = pytest.mark.e2e


def _attended_session(committed, world) -> int:
    """A 1:1 of Acme's employee with their coach this morning, marked attended; removed after the test."""
    from assessments.models.pulse import Pulse
    from programmes.models import Attendance, Session

    acme = world.acme
    with committed(acme):
        session = Session.objects.create(
            kind=Session.Kind.INDIVIDUAL,
            enrolment_id=acme.people["enrolment"],
            coach=acme.coach,
            title="Pulse journey 1:1",
            starts_at=timezone.now() - timedelta(hours=3),
            status=Session.Status.COMPLETED,
        )
        Attendance.objects.create(session=session, user=acme.employee, status=Attendance.Status.PRESENT)

    def remove():
        Pulse.objects.filter(employee=acme.employee, note="Lighter after today.").delete()
        Attendance.objects.filter(session_id=session.pk).delete()
        Session.objects.filter(pk=session.pk).delete()

    committed.cleanup(remove, acme)
    return session.pk


def test_an_employee_shares_how_they_feel_and_their_coach_reads_it(
    page, page_for, sign_in, screenshot, e2e_world, committed, context
):
    acme = e2e_world.acme
    session = _attended_session(committed, e2e_world)
    page.set_viewport_size({"width": 375, "height": 800})
    sign_in(page, acme.employee.email, PASSWORD, acme)
    page.goto(page_for(acme, "/"))
    page.locator(f"a[href='/sessions/{session}/follow-up/#pulse']").click()
    form = page.locator("form.pulse-form")
    form.get_by_label("4", exact=True).first.check()  # how they feel
    form.locator("input[name=energy][value='3']").check()
    form.locator("input[name=confidence][value='5']").check()
    form.get_by_label("Anything you want to add? (optional)").fill("Lighter after today.")
    form.get_by_label("Share this pulse with my coach").check()
    form.get_by_role("button", name="Save my pulse").click()
    expect(page.locator(".message--success")).to_contain_text("your pulse is saved")
    expect(page.locator("#pulse")).to_contain_text("Shared with your coach")
    screenshot(page, "pulse-after-session-375")

    coach = context.browser.new_context(locale="en-GB", timezone_id="Europe/Amsterdam").new_page()
    sign_in(coach, acme.coach.email, PASSWORD, acme)
    coach.goto(page_for(acme, "/"))
    coachees = coach.locator("section[aria-labelledby=coachees-home-heading]")
    coachees.get_by_role("link", name=acme.employee.get_full_name()).click()
    expect(coach.locator("h1")).to_contain_text(acme.employee.get_full_name())
    expect(coach.locator("#pulse")).to_contain_text("Lighter after today.")
    screenshot(coach, "pulse-coachee-page")

"""Booking in a real browser: an employee books a 1:1 in their coach's free time, and the coach sees it
on the cross-organisation workspace, marked with the organisation."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.world import PASSWORD

pytestmark = pytest.mark.e2e


def _prepare(committed, world, *, days: int = 16, hour: int = 15) -> tuple[int, datetime]:
    """A free slot of the coach of both organisations, and Acme's employee2 (their coachee) having
    accepted the coaching agreement; removed again after the test."""
    from programmes.availability.models import Slot
    from programmes.models import Agreement, AgreementAcceptance, Attendance, CreditTransaction, Enrolment, Session
    from tests.world.agreement import agree

    acme = world.acme
    starts_at = timezone.make_aware(datetime.combine(timezone.localdate() + timedelta(days=days), time(hour)))
    with committed():
        slot = Slot.objects.create(
            coach=world.coach_both,
            starts_at=starts_at,
            ends_at=starts_at + timedelta(hours=1),
            video_url="https://meet.example.com/journey",
        )
        slot.organisations.add(acme.organisation)
    with committed(acme):
        agreement = Agreement.objects.order_by("-version").first()
        made_agreement = agreement is None
        if made_agreement:
            agreement = Agreement.objects.create(version=1, body="Text")
        acceptance, made_acceptance = AgreementAcceptance.objects.get_or_create(
            agreement=agreement, user=acme.employee2
        )
        objectives = agree(Enrolment.objects.get(pk=acme.people["enrolment2"]))

    def undo_booking():
        sessions = Session.objects.filter(slot_id=slot.pk)
        CreditTransaction.objects.filter(session__in=sessions).delete()
        Attendance.objects.filter(session__in=sessions).delete()
        sessions.update(slot=None)
        sessions.delete()
        Slot.objects.filter(pk=slot.pk).delete()
        objectives.delete()
        if made_acceptance:
            acceptance.delete()
        if made_agreement:
            agreement.delete()

    committed.cleanup(undo_booking, acme)
    return slot.pk, starts_at


def test_an_employee_books_and_the_coach_sees_it_across_organisations(
    page, page_for, sign_in, screenshot, e2e_world, committed, context
):
    acme = e2e_world.acme
    slot_id, starts_at = _prepare(committed, e2e_world)
    local = timezone.localtime(starts_at)

    sign_in(page, acme.employee2.email, PASSWORD, acme)
    page.goto(page_for(acme, "/book/"))
    expect(page.get_by_role("heading", name="Book a 1:1 with your coach")).to_be_visible()
    slot_button = page.locator(f"form[action='/book/{slot_id}/'] button.slot")
    expect(slot_button).to_have_count(0)  # 16 days ahead: the page opens on the first two weeks
    page.get_by_role("link", name="Show free times of the coming 4 weeks").click()
    expect(slot_button).to_contain_text(f"{local:%H:%M}")
    assert page.url.endswith("/book/?weeks=4")
    screenshot(page, "booking-free-times")
    slot_button.click()
    expect(page.locator(".message--success")).to_contain_text("Your session is booked")
    expect(page.locator("h1")).to_contain_text(e2e_world.coach_both.get_full_name())
    screenshot(page, "booking-booked")

    coach_page = context.browser.new_context(locale="en-GB", timezone_id="Europe/Amsterdam").new_page()
    sign_in(coach_page, e2e_world.coach_both.email, PASSWORD, "localhost")
    coach_page.goto(page_for("localhost", "/coach/?weeks=4"))
    row = coach_page.locator(".coach-session", has_text=acme.employee2.get_full_name()).filter(
        has_text=f"{local:%H:%M}"
    )
    expect(row).to_contain_text(acme.organisation.name)
    expect(row).to_contain_text(f"1:1 with {acme.employee2.get_full_name()}")
    screenshot(coach_page, "booking-coach-workspace")
    coach_page.context.close()

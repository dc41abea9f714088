"""Choosing a coach in a real browser: an employee of a programme where employees choose gives a short
intake, reads the suggested coaches with the reasons, and chooses one."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.world import PASSWORD

pytestmark = pytest.mark.e2e


def _prepare(committed, world):
    """A new employee of Acme enrolled in the world's programme (employees choose there) without a coach;
    removed again after the test."""
    from matching.models import Intake
    from programmes.models import Cohort, Enrolment
    from tenants.models import Membership, Role, User
    from tests.world import user_ensure

    acme = world.acme
    with committed():
        user = user_ensure("chooser@e2e.test", "Chris", "Chooser")
        Membership.objects.get_or_create(user=user, organisation=acme.organisation, role=Role.EMPLOYEE)
    with committed(acme):
        cohort, _created = Cohort.objects.get_or_create(programme_id=acme.people["programme"], name="Choosing journey")
        Enrolment.objects.create(
            programme_id=acme.people["programme"], cohort=cohort, employee=user, status="active", credit_allowance=3
        )

    def undo():
        # In Acme's schema: deleting the account also looks for its rows in the organisation's tables.
        Intake.objects.filter(employee=user).delete()
        Enrolment.objects.filter(employee=user).delete()
        Cohort.objects.filter(pk=cohort.pk).delete()
        Membership.objects.filter(user=user).delete()
        User.objects.filter(pk=user.pk).delete()

    committed.cleanup(undo, acme)
    return user


def test_an_employee_gives_an_intake_reads_the_reasons_and_chooses_a_coach(
    page, page_for, sign_in, screenshot, e2e_world, committed
):
    acme = e2e_world.acme
    user = _prepare(committed, e2e_world)
    sign_in(page, user.email, PASSWORD, acme)
    page.goto(page_for(acme, "/my-coach/"))
    page.get_by_role("link", name="Choose your coach").click()
    expect(page.get_by_role("heading", name="Choose your coach", level=1)).to_be_visible()
    page.get_by_label("Leadership").check()
    page.get_by_label("Language of the coaching").select_option("en")
    page.get_by_label("Video").check()
    page.get_by_label("Mornings (before 12:00)").check()
    page.get_by_role("button", name="Show suggestions").click()
    expect(page.get_by_role("heading", name="Coaches suggested for you")).to_be_visible()
    coach = acme.coach.get_full_name()
    suggestion = page.locator("article.suggestion", has_text=coach)
    expect(suggestion).to_contain_text("Coaches in English")
    expect(suggestion).to_contain_text("Specialises in leadership: what you want to work on")
    screenshot(page, "choose-coach-suggestions")
    suggestion.get_by_role("button", name=f"Choose {coach}").click()
    expect(page.locator(".message--success")).to_contain_text("You have chosen your coach")
    screenshot(page, "choose-coach-chosen")

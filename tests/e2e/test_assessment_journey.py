"""An assessment in a real browser: the employee answers step by step (each answer saved as given, also
across a reload), hands in and sees their chart; their coach reads the results; HR sees the completion
count and nothing of what anyone answered."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from assessments.models import InstrumentVersion, PhaseAssessment
from assessments.services import assignments as assignment_services
from portal import policy
from programmes.models import Enrolment, Phase
from tenants.models import Membership, Role, User
from tests.world import PASSWORD
from tests.world.assessments import answer_all

pytestmark = pytest.mark.e2e


@pytest.fixture(autouse=True)
def _on_the_test_database(e2e_world):
    """pytest-django makes a test database only when some collected test asks for one; alone, these
    browser tests would otherwise write into the development database."""
    from django.db import connection

    if not connection.settings_dict["NAME"].startswith("test"):
        pytest.fail(
            "No test database was set up: run this journey with the rest of the suite "
            "(or beside any test that uses `db`), not on its own."
        )


MARKER = "Ask for a standing slot with my manager (journey marker 7c1f)."
COLLEAGUES = 5  # with the employee: six people, so HR may see the completion count


def _set_up(world, committed):
    """Readiness for change as the initial assessment of the world's programme, for the employee and
    five colleagues in cohort A, one of whom has handed it in already."""
    org = world.acme
    today = timezone.localdate()
    with committed(org):
        colleagues = []
        for number in range(COLLEAGUES):
            user = User.objects.create_user(
                email=f"journey{number}@acme.test", password=None, first_name=f"Journey{number}", last_name="Colleague"
            )
            Membership.objects.create(user=user, organisation=org.organisation, role=Role.EMPLOYEE)
            Enrolment.objects.create(
                programme_id=org.people["programme"],
                cohort_id=org.people["cohort_a"],
                employee=user,
                coach=org.coach,
                credit_allowance=6,
                status=Enrolment.Status.ACTIVE,
            )
            colleagues.append(user)
        version = InstrumentVersion.objects.get(instrument__key="readiness-for-change", is_latest=True)
        frozen_before = version.frozen_at
        phase = Phase.objects.filter(programme_id=org.people["programme"], kind="intake").first()
        scheduled = assignment_services.phase_assessment_schedule(
            actor=policy.actor_for(org.hr, org.organisation),
            phase=phase,
            version=version,
            moment="initial",
            opens_on=today - timedelta(days=1),
            due_on=today + timedelta(days=13),
        )
        early = policy.actor_for(colleagues[0], org.organisation)
        answer_all(early, scheduled.assignments.get(employee=colleagues[0]), 5)
        assignment_services.assignment_submit(actor=early, assignment=scheduled.assignments.get(employee=colleagues[0]))
        mine = scheduled.assignments.get(employee=org.employee).pk

    def undo():
        PhaseAssessment.objects.filter(pk=scheduled.pk).delete()
        InstrumentVersion.objects.filter(pk=version.pk).update(frozen_at=frozen_before)
        Enrolment.objects.filter(employee__in=colleagues).delete()
        User.objects.filter(pk__in=[user.pk for user in colleagues]).delete()

    committed.cleanup(undo, org)
    return scheduled, mine


def test_employee_answers_hands_in_and_sees_the_chart_coach_reads_hr_sees_counts(
    page, page_for, sign_in, screenshot, e2e_world, committed, context
):
    acme = e2e_world.acme
    scheduled, mine = _set_up(e2e_world, committed)

    # The employee starts from their list of assessments.
    sign_in(page, acme.employee.email, PASSWORD, acme)
    page.goto(page_for(acme, "/assessments/"))
    row = page.locator("tr", has_text="Readiness for change")
    row.get_by_role("link", name="Start").click()
    expect(page.locator("h1")).to_have_text("Readiness for change")
    expect(page.locator(".answer-progress")).to_contain_text("Step 1 of 3")

    # Each answer is saved as it is given.
    questions = page.locator("fieldset.question")
    questions.nth(0).locator(".scale__option", has_text="6").click()
    expect(questions.nth(0).locator(".answer-saved")).to_contain_text("Saved at")
    questions.nth(1).locator(".scale__option", has_text="5").click()
    expect(questions.nth(1).locator(".answer-saved")).to_contain_text("Saved at")
    expect(page.locator("#answered-count")).to_have_text("2 of 14 answered")

    # A closed tab loses nothing: a new tab opens where it left off, with the answers checked.
    page.close()
    page = context.new_page()
    page.goto(page_for(acme, f"/assessments/{mine}/"))
    expect(page.locator("#answered-count")).to_have_text("2 of 14 answered")
    expect(page.locator("fieldset.question").nth(0).locator("input[value='6']")).to_be_checked()

    # Answer the rest, step by step.
    for step in range(3):
        questions = page.locator("fieldset.question")
        for index in range(questions.count()):
            question = questions.nth(index)
            if question.locator(".scale").count():
                if not question.locator("input:checked").count():
                    question.locator(".scale__option").nth(4).click()
            elif question.locator("textarea").count():
                question.locator("textarea").fill(MARKER)
            else:
                question.locator("input[type=radio]").nth(3).check()
            expect(question.locator(".answer-saved")).to_contain_text("Saved")
        screenshot(page, f"assessment-journey-step-{step + 1}")
        page.get_by_role("button", name="Review your answers" if step == 2 else "Next").click()

    expect(page.locator("#review-heading")).to_be_visible()
    expect(page.locator("main")).not_to_contain_text("still open")
    page.get_by_role("button", name="Hand in my answers").click()

    # The results: a chart with its numbers, and what lies ahead.
    expect(page.locator("h1")).to_have_text("My results")
    group = page.locator(".result-group", has_text="Readiness for change")
    chart = group.get_by_role("img", name="Readiness for change: your scores per dimension")
    expect(chart).to_be_visible()
    expect(chart.locator(".chart__value").first).to_be_visible()
    expect(group.locator("table.data tbody tr")).to_have_count(4)
    expect(group).to_contain_text("What lies ahead")
    screenshot(page, "assessment-journey-results")

    # The coach reads the results and the answers.
    coach_page = context.browser.new_context(locale="en-GB").new_page()
    sign_in(coach_page, acme.coach.email, PASSWORD, acme)
    coach_page.goto(page_for(acme, "/assessments/coaching/"))
    person = coach_page.locator("tr", has_text=acme.employee.get_full_name())
    expect(person.locator("li", has_text="Readiness for change")).to_contain_text("Handed in")
    person.get_by_role("link", name="Readiness for change").click()
    expect(coach_page.locator("main")).to_contain_text(MARKER)
    expect(coach_page.locator(".privacy-note")).to_contain_text("access log")
    coach_page.goto(page_for(acme, f"/assessments/coaching/people/{acme.employee.pk}/"))
    expect(
        coach_page.locator(".result-group", has_text="Readiness for change").locator(".chart--scores")
    ).to_be_visible()
    screenshot(coach_page, "assessment-journey-coach")
    coach_page.context.close()

    # HR sees no figure about two people (not even how many handed in), and nothing anyone answered or scored.
    hr_page = context.browser.new_context(locale="en-GB").new_page()
    sign_in(hr_page, acme.hr.email, PASSWORD, acme)
    hr_page.goto(page_for(acme, f"/assessments/overview/{scheduled.pk}/"))
    completed = hr_page.locator(".stat", has_text="Completed")
    expect(completed).to_contain_text("Withheld: fewer than 5 people")
    expect(completed).not_to_contain_text("2")
    expect(hr_page.locator("main")).to_contain_text("Average scores appear once at least 5 people")
    main = hr_page.locator("main").inner_text()
    assert MARKER not in main and acme.employee.get_full_name() not in main
    assert "What lies ahead" not in main and 'class="chart' not in hr_page.locator("main").inner_html()
    screenshot(hr_page, "assessment-journey-hr")
    hr_page.goto(page_for(acme, f"/assessments/{mine}/result/"))
    expect(hr_page.locator("h1")).to_have_text("Page not found")
    hr_page.context.close()

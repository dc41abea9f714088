"""A rater answers on a phone: the personal link opens on a 375-pixel-wide screen without sideways
scrolling, saves and comes back, submits, and then answers no more."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from stakeholders.models import Rater, RaterAnswer
from tenants.tokens import digest_of

pytestmark = pytest.mark.e2e

TOKEN = "e2e-rater-journey-link"
PHONE = {"width": 375, "height": 740}


def _no_sideways_scroll(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_a_rater_answers_on_a_phone(e2e_world, committed, page, page_for):
    org = e2e_world.acme
    with committed(org):
        rater = Rater.objects.create(
            round_id=org.people["s_open"],
            relation="peer",
            email="phone.rater@example.test",
            token_digest=digest_of(TOKEN),
        )
        others = list(
            Rater.objects.filter(round_id=org.people["s_open"]).exclude(pk=rater.pk).values_list("email", flat=True)
        )
    committed.cleanup(lambda: Rater.objects.filter(pk=rater.pk).delete(), org)

    page.set_viewport_size(PHONE)
    page.goto(page_for(org, f"/feedback/{TOKEN}/"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Feedback for")
    _no_sideways_scroll(page)
    body = page.content()
    assert not [email for email in others if email in body]

    # The first question now; the rest after coming back.
    questions = page.locator("fieldset.question")
    first = questions.nth(0)
    first.locator("label.scale__option").nth(3).click()
    page.get_by_role("button", name="Save and come back later").click()
    expect(page.get_by_text("Your answers are saved")).to_be_visible()
    expect(questions.nth(0).locator("input[value='4']")).to_be_checked()

    for index in range(questions.count()):
        question = questions.nth(index)
        if question.locator("textarea").count():
            question.locator("textarea").fill("Clear plans on Mondays.")
        else:
            question.locator("label.scale__option").nth(2).click()
    _no_sideways_scroll(page)
    page.get_by_role("button", name="Submit my feedback").click()
    expect(page.get_by_role("heading", name="Thank you")).to_be_visible()
    _no_sideways_scroll(page)

    page.goto(page_for(org, f"/feedback/{TOKEN}/"))
    expect(page.get_by_role("heading", name="This link is closed")).to_be_visible()
    with committed(org):
        assert Rater.objects.get(pk=rater.pk).submitted_at is not None
        assert RaterAnswer.objects.filter(rater_id=rater.pk, text="Clear plans on Mondays.").count() == 2

"""The main journeys with the keyboard alone, a visible focus on every stop, and pages that fit a phone.

Each journey moves with Tab (and Space or Enter on what it reaches), never with a click: `tab_to` presses
Tab until the element has the focus and fails if it never gets it, checking on every stop on the way that
the focused element shows an outline or a ring. Signing in uses the form as the other journeys do.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.test_assessment_journey import _set_up as assessment_set_up
from tests.e2e.test_booking_journey import _prepare as booking_prepare
from tests.e2e.test_enrolment_journey import MARKER as IMPORT_MARKER
from tests.e2e.test_enrolment_journey import _clean_up_after as import_clean_up
from tests.e2e.test_enrolment_journey import _csv
from tests.world import PASSWORD

pytestmark = pytest.mark.e2e

FOCUS_SHOWN = """(el) => {
  const style = getComputedStyle(el);
  const outline = style.outlineStyle !== "none" && parseFloat(style.outlineWidth) >= 2;
  const ring = style.boxShadow !== "none" && style.boxShadow !== "";
  return outline || ring;
}"""
NARROW = {"width": 375, "height": 800}
# 200 % zoom of the 1280 px window the tests use: the layout gets half the CSS pixels.
ZOOMED = {"width": 640, "height": 430}


def tab_to(page, target, *, limit: int = 150, backwards: bool = False) -> None:
    """Press Tab until `target` (a Locator) has the focus; every element focused on the way shows it."""
    target.wait_for()
    handle = target.element_handle()
    unseen = []
    for _ in range(limit):
        page.keyboard.press("Shift+Tab" if backwards else "Tab")
        focused = page.evaluate_handle("() => document.activeElement")
        if not focused.evaluate(FOCUS_SHOWN):
            unseen.append(focused.evaluate("(el) => el.outerHTML.slice(0, 120)"))
        if handle.evaluate("(el) => el === document.activeElement"):
            assert not unseen, "focus not visible on:\n" + "\n".join(unseen)
            return
    pytest.fail(f"Tab never reached {target}")


def test_focus_is_visible_and_the_page_fits_without_scrolling_sideways(page, page_for, sign_in, e2e_world):
    acme = e2e_world.acme
    journeys = [
        (acme.employee, ["/", "/sessions/", "/book/", "/reflections/", "/goals/", "/assessments/", "/me/access-log/"]),
        (acme.hr, ["/", "/enrolments/", "/enrolments/import/", "/programmes/", "/people/"]),
        (acme.coach, ["/", "/sessions/", "/goals/"]),
    ]
    wide = []
    for user, paths in journeys:
        page.context.clear_cookies()
        sign_in(page, user.email, PASSWORD, acme)
        for path in paths:
            for size in (NARROW, ZOOMED):
                page.set_viewport_size(size)
                page.goto(page_for(acme, path))
                overflow = page.evaluate(
                    "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
                )
                if overflow > 0:
                    wide.append(f"{user.email} {path} at {size['width']} px: {overflow} px too wide")
            page.set_viewport_size({"width": 1280, "height": 860})
            page.goto(page_for(acme, path))
            # The first twenty stops: the skip link, the menu, the page's first controls.
            page.locator("body").focus()
            for _ in range(20):
                page.keyboard.press("Tab")
                focused = page.evaluate_handle("() => document.activeElement")
                if focused.evaluate("(el) => el === document.body"):
                    break
                assert focused.evaluate(FOCUS_SHOWN), (
                    f"{path}: no visible focus on {focused.evaluate('(el) => el.outerHTML.slice(0, 120)')}"
                )
    assert not wide, "pages that scroll sideways:\n" + "\n".join(wide)


def test_booking_a_session_by_keyboard(page, page_for, sign_in, e2e_world, committed):
    acme = e2e_world.acme
    # Another day and hour than the booking journey's, so neither finds the other's session in the way.
    slot_id, _starts_at = booking_prepare(committed, e2e_world, days=17, hour=10)
    sign_in(page, acme.employee2.email, PASSWORD, acme)
    page.goto(page_for(acme, "/book/"))
    tab_to(page, page.get_by_role("link", name="Show free times of the coming 4 weeks"))
    page.keyboard.press("Enter")
    page.wait_for_url("**/book/?weeks=4")
    tab_to(page, page.locator(f"form[action='/book/{slot_id}/'] button.slot"))
    page.keyboard.press("Enter")
    expect(page.locator(".message--success")).to_contain_text("Your session is booked")


def test_answering_an_assessment_by_keyboard(page, page_for, sign_in, e2e_world, committed):
    acme = e2e_world.acme
    _scheduled, mine = assessment_set_up(e2e_world, committed)
    sign_in(page, acme.employee.email, PASSWORD, acme)
    page.goto(page_for(acme, f"/assessments/{mine}/"))
    for step in range(4):
        questions = page.locator("fieldset.question")
        for index in range(questions.count()):
            question = questions.nth(index)
            if question.locator("textarea").count():
                tab_to(page, question.locator("textarea"))
                page.keyboard.type("By keyboard.")
            else:
                # Tab lands on a radio group; Space chooses the option that has the focus.
                tab_to(page, question.locator("input[type=radio]").first)
                page.keyboard.press("Space")
                expect(question.locator(".answer-saved")).to_contain_text("Saved")
        button = page.get_by_role(
            "button", name="Hand in my answers" if step == 3 else "Review your answers" if step == 2 else "Next"
        )
        tab_to(page, button)
        with page.expect_navigation():
            page.keyboard.press("Enter")
    expect(page.locator("main")).not_to_contain_text("still open")
    expect(page.locator("main")).to_contain_text("Readiness for change")


def test_writing_and_sharing_a_reflection_by_keyboard(page, page_for, sign_in, e2e_world, committed):
    from assessments.models import Reflection

    acme = e2e_world.acme
    text = "What I noticed this week, typed without a mouse."
    committed.cleanup(lambda: Reflection.objects.filter(body=text).delete(), acme)
    sign_in(page, acme.employee.email, PASSWORD, acme)
    page.goto(page_for(acme, "/reflections/"))
    form = page.locator("#write form")
    # Sent empty first: the summary takes the focus, and its link leads to the field.
    tab_to(page, form.get_by_role("button", name="Save reflection"))
    page.keyboard.press("Enter")
    summary = page.locator(".error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Your reflection")
    page.keyboard.press("Tab")
    link = summary.locator("a[href='#id_body']")
    expect(link).to_be_focused()
    page.keyboard.press("Enter")
    body = form.locator("#id_body")
    expect(body).to_be_focused()
    page.keyboard.type(text)
    share = form.get_by_label("Share this reflection with my coach")
    tab_to(page, share)
    page.keyboard.press("Space")
    expect(share).to_be_checked()
    tab_to(page, form.get_by_role("button", name="Save reflection"))
    page.keyboard.press("Enter")
    expect(page.locator(".message--success")).to_be_visible()
    with committed(acme):
        reflection = Reflection.objects.get(body=text)
    assert reflection.shared_with_coach


def test_hr_imports_a_csv_file_by_keyboard(page, page_for, sign_in, e2e_world, committed):
    acme = e2e_world.acme
    import_clean_up(committed, acme)
    sign_in(page, acme.hr.email, PASSWORD, acme)
    page.goto(page_for(acme, "/enrolments/import/"))
    file_input = page.get_by_label("CSV file")
    tab_to(page, file_input)
    # The file dialog opens on Space; the browser test hands it the file as a person picks one.
    with page.expect_file_chooser() as chooser:
        page.keyboard.press("Space")
    chooser.value.set_files(_csv(f"{IMPORT_MARKER}-kb@acme.test;Kay;Board;Sales;;;Cohort A"))
    tab_to(page, page.get_by_role("button", name="Check and import"))
    page.keyboard.press("Enter")
    expect(page.locator("main [role=status]")).to_contain_text("1 person enrolled", timeout=30_000)

"""The foundation in a real browser: one sign-in for a coach across organisations, no way from Acme into
Globex, and Globex in Dutch."""

from __future__ import annotations

import re

import pytest
from django.utils import translation
from django.utils.translation import gettext
from playwright.sync_api import expect

from tests.world import PASSWORD

pytestmark = pytest.mark.e2e


def translated(language: str, message: str, **values) -> str:
    """What the portal shows in `language` for `message` (the English text until it is translated)."""
    with translation.override(language):
        text = gettext(message)
    return text % values if values else text


def dutch(message: str, **values) -> str:
    return translated("nl", message, **values)


def test_the_coach_signs_in_once_and_opens_acme_then_globex(page, page_for, sign_in, screenshot, e2e_world):
    coach = e2e_world.coach_both
    sign_in(page, coach.email, PASSWORD, "localhost")
    expect(page).to_have_url(page_for("localhost", "/"))
    for org in (e2e_world.acme, e2e_world.globex):
        expect(page.locator(".org-card", has_text=org.organisation.name)).to_be_visible()
    screenshot(page, "foundation-coach-organisations")

    # From here on no sign-in form may appear: a failed handoff would land on /login/.
    sign_in_pages = []
    page.on("framenavigated", lambda frame: "/login/" in frame.url and sign_in_pages.append(frame.url))
    for org, language in ((e2e_world.acme, "en"), (e2e_world.globex, "nl")):
        page.goto(page_for("localhost", "/"))
        page.locator(".org-card", has_text=org.organisation.name).get_by_role("link").click()
        expect(page).to_have_url(page_for(org, "/"))
        expect(page.locator("html")).to_have_attribute("lang", language)
        expect(page.locator(".brand__name")).to_have_text(org.organisation.name)
        expect(page.locator(".usermenu__name")).to_have_text(coach.get_full_name())
        screenshot(page, f"foundation-coach-{org.organisation.slug}-home")
    assert sign_in_pages == []

    # Each host keeps its own session: Acme still knows the coach, and no cookie is shared between hosts.
    page.goto(page_for(e2e_world.acme, "/"))
    expect(page).to_have_url(page_for(e2e_world.acme, "/"))
    expect(page.locator(".usermenu__name")).to_have_text(coach.get_full_name())
    session_cookies = [cookie["domain"] for cookie in page.context.cookies() if cookie["name"] == "sessionid"]
    assert sorted(session_cookies) == ["acme.localhost", "globex.localhost", "localhost"]


def test_acme_hr_cannot_reach_globex(page, page_for, sign_in, screenshot, e2e_world):
    hr, acme, globex = e2e_world.acme.hr, e2e_world.acme, e2e_world.globex
    sign_in(page, hr.email, PASSWORD, "localhost")
    expect(page.locator(".org-card", has_text=acme.organisation.name)).to_be_visible()
    expect(page.locator("main")).not_to_contain_text(globex.organisation.name)

    # Asking for Globex by its address gives exactly the page of an organisation that does not exist.
    refused = page.goto(page_for("localhost", f"/go/{globex.organisation.slug}/"))
    assert refused.status == 404
    expect(page.locator("h1")).to_have_text("Page not found")
    refused_page = page.locator("main").inner_text()
    screenshot(page, "foundation-acme-hr-refused-globex")
    missing = page.goto(page_for("localhost", "/go/no-such-organisation/"))
    assert missing.status == 404
    assert page.locator("main").inner_text() == refused_page

    # Signed in on Acme's own host, Globex's host still does not know them.
    sign_in(page, hr.email, PASSWORD, acme)
    expect(page).to_have_url(page_for(acme, "/"))
    page.goto(page_for(globex, "/people/"))
    expect(page).to_have_url(re.compile(re.escape(page_for(globex, "/login/")) + r"\?next=/people/"))

    # Carrying Acme's session cookie over to Globex does not help: sessions are bound to their host.
    acme_session = next(cookie for cookie in page.context.cookies(page_for(acme, "/")) if cookie["name"] == "sessionid")
    page.context.add_cookies([{"name": "sessionid", "value": acme_session["value"], "url": page_for(globex, "/")}])
    page.goto(page_for(globex, "/people/"))
    expect(page).to_have_url(re.compile(re.escape(page_for(globex, "/login/"))))

    # And Globex's sign-in form refuses them with a clear message (in Dutch, Globex's language).
    form = page.locator("main form[method=post]")
    form.locator("input[name=username]").fill(hr.email)
    form.locator("input[name=password]").fill(PASSWORD)
    form.locator("button[type=submit]").click()
    expect(page.locator("main [role=alert]")).to_contain_text(dutch("This account has no access to this organisation."))
    page.goto(page_for(globex, "/people/"))
    expect(page).to_have_url(re.compile(re.escape(page_for(globex, "/login/"))))


def test_globex_pages_are_in_dutch_and_acme_pages_in_english(page, page_for, screenshot, e2e_world):
    for org, language, language_name in ((e2e_world.globex, "nl", "Nederlands"), (e2e_world.acme, "en", "English")):
        response = page.goto(page_for(org, "/login/"))
        assert response.headers["content-language"] == language
        expect(page.locator("html")).to_have_attribute("lang", language)
        # The language names come from Django's own catalogue, so this holds before ours is complete.
        expect(page.locator("#language-bar option[selected]")).to_have_text(language_name)
        expect(page.locator("h1")).to_have_text(translated(language, "Sign in to %(name)s", name=org.organisation.name))
        screenshot(page, f"foundation-login-{org.organisation.slug}")


def test_a_globex_member_reads_dutch_until_choosing_english(page, page_for, sign_in, screenshot, e2e_world, committed):
    hr = e2e_world.globex.hr
    committed.cleanup(lambda: type(hr).objects.filter(pk=hr.pk).update(language=""))
    sign_in(page, hr.email, PASSWORD, e2e_world.globex)
    expect(page.locator("html")).to_have_attribute("lang", "nl")
    expect(page.locator("h1")).to_have_text(dutch("Welcome, %(name)s", name=hr.get_short_name()))
    screenshot(page, "foundation-globex-hr-home")

    page.locator(".usermenu summary").click()
    page.locator("#language-menu").select_option("en")
    with page.expect_navigation():
        page.locator(".usermenu .langform button[type=submit]").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("h1")).to_have_text(f"Welcome, {hr.get_short_name()}")
    # The choice belongs to the account, so it holds on the next visit too.
    page.goto(page_for(e2e_world.globex, "/"))
    expect(page.locator("html")).to_have_attribute("lang", "en")

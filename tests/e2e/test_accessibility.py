"""Every page of the access matrix in Chromium with axe-core, as every role it answers, in English and Dutch.

The journeys check the pages they pass through (tests/e2e/conftest.py); this crawl reaches the rest: each
GET page of the access matrix (tests/e2e/crawl.py) that answers a role with a full HTML page, asked as that
role on Acme's host (or the public host) with the language cookie set to each language in turn. The
organisation's own language would otherwise decide, so the cookie is what makes both languages checked,
and the test asserts that the page really came in the language asked (`<html lang>`).
"""

from __future__ import annotations

import pytest

from tests.e2e import axe, crawl

pytestmark = pytest.mark.e2e


def test_axe_reports_a_serious_violation_on_a_page(page, axe_check):
    # The check itself can fail: a definition list holding a paragraph, and an unnamed select.
    page.set_content(
        '<html lang="en"><head><title>t</title></head><body><main><dl><div><dt>a</dt><dd>1</dd>'
        "<p>note</p></div></dl><select><option>x</option></select></main></body></html>"
    )
    found = axe_check(page)
    assert any(problem.startswith(("dlitem", "definition-list")) for problem in found), found
    assert any(problem.startswith("select-name") for problem in found), found


@pytest.mark.parametrize("role", crawl.ROLES)
def test_every_page_passes_axe_for_the_role_in_both_languages(role, browser, e2e_server, e2e_world, committed):
    pages = crawl.pages_for(committed, e2e_world, role)
    hosts = {host for host, _path in pages}
    failures, checked = [], 0
    for language in axe.LANGUAGES:
        cookies = crawl.browser_cookies(committed, e2e_world, role, hosts, language)
        context = browser.new_context(
            locale="en-GB", timezone_id="Europe/Amsterdam", viewport={"width": 1280, "height": 860}
        )
        try:
            context.add_cookies(cookies)
            tab = context.new_page()
            for host, path in pages:
                # Asked first without the tab: a file would start a download, a fragment is no page.
                if crawl.page_body(e2e_server.port, host, path, cookies) is None:
                    continue
                tab.goto(e2e_server.url(host, path))
                checked += 1
                lang = tab.evaluate("() => document.documentElement.lang")
                if lang != language:
                    failures.append(f"{host}{path} [{language}]: the page came in {lang!r}")
                failures += [f"{host}{path} [{language}] {problem}" for problem in axe.violations(tab)]
        finally:
            context.close()
    assert checked, f"no page was checked for {role}"
    assert not failures, f"axe-core as {role}: serious or critical WCAG A/AA violations:\n" + "\n".join(failures)

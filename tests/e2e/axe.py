"""axe-core in the browser tests: every page they reach must pass WCAG 2.0 and 2.1, levels A and AA.

axe.min.js comes from the axe-playwright-python package (requirements.txt); only its script is used. The
portal's Content-Security-Policy refuses script tags it did not serve, so the script is evaluated through
the DevTools protocol (`page.evaluate`), which the policy does not govern.

Violations of impact "serious" or "critical" fail; "moderate" and "minor" are reported by `make a11y`.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from urllib.parse import urlsplit

TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
BLOCKING = {"serious", "critical"}
LANGUAGES = ("en", "nl")
LANGUAGE_COOKIE = "django_language"
# Pages whose GET changes the session: a revisit must not sign the journey out or spend a ticket twice.
NOT_REVISITED = re.compile(r"/(logout|handoff)/")
RUN = """(tags) => axe.run(document, {runOnly: {type: "tag", values: tags}, resultTypes: ["violations"]})"""


@cache
def axe_source() -> str:
    import axe_playwright_python

    return (Path(axe_playwright_python.__file__).parent / "axe.min.js").read_text(encoding="utf-8")


def violations(page) -> list[str]:
    """The serious and critical WCAG A/AA violations on the page as it stands, one line per element."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(axe_source())
    found = []
    for violation in page.evaluate(RUN, TAGS)["violations"]:
        if violation["impact"] not in BLOCKING:
            continue
        for node in violation["nodes"]:
            why = (node.get("failureSummary") or violation["help"]).splitlines()[-1].strip()
            found.append(f"{violation['id']} ({violation['impact']}): {' '.join(map(str, node['target']))}: {why}")
    return found


def page_key(url: str) -> str:
    """One check per page kind: ids in the path and the query do not make another page."""
    parts = urlsplit(url)
    return parts.netloc + re.sub(r"/\d+(?=/|$)", "/<n>", parts.path)


def check_pages(context, urls: list[str], *, seen: set[str]) -> list[str]:
    """Open each page again, in a copy of `context` (its cookies, so as the same person), once in each
    language, and run axe; what was checked goes into `seen` so later tests skip it."""
    failures = []
    state = context.storage_state()
    for language in LANGUAGES:
        todo = []
        for url in dict.fromkeys(urls):
            key = f"{language} {page_key(url)}"
            if key in seen or NOT_REVISITED.search(url):
                continue
            seen.add(key)
            todo.append(url)
        if not todo:
            continue
        copy = context.browser.new_context(
            storage_state=state, locale="en-GB", timezone_id="Europe/Amsterdam", viewport={"width": 1280, "height": 860}
        )
        try:
            hosts = {urlsplit(url).scheme + "://" + urlsplit(url).netloc for url in todo}
            copy.add_cookies([{"name": LANGUAGE_COOKIE, "value": language, "url": host} for host in hosts])
            tab = copy.new_page()
            for url in todo:
                response = tab.goto(url)
                if response is None or "text/html" not in response.headers.get("content-type", ""):
                    continue
                failures += [f"{url} [{language}] {problem}" for problem in violations(tab)]
        finally:
            copy.close()
    return failures

"""Content-Security-Policy in a real browser: every page of the portal, for each role that may see it,
loads in Chromium without a single violation reported, and htmx (our own copy) runs.

The pages are the access matrix's (tests/access): every GET case that answers 200 to some role, asked
once, by the first of these roles that may see it. A page whose object the matrix makes only inside a
test transaction cannot be reached by the server and is left out (the count of pages checked is pinned
from below, so the check cannot quietly shrink to nothing)."""

from __future__ import annotations

import pytest
from django.db import transaction
from django.urls import NoReverseMatch, reverse
from playwright.sync_api import Error as PlaywrightError

from tests.test_access_matrix import all_cases
from tests.world import PASSWORD

pytestmark = pytest.mark.e2e

ROLES = ("hr", "coach", "employee", "coach_both", "staff", "anonymous")
# Who is signed in on the public host in the browser (sessions belong to the host they were made on): the
# others' sessions are Acme's, so a public page is checked as one of these.
PUBLIC_ROLES = ("coach_both", "staff", "anonymous")
NOT_PAGES = (".ics", ".pdf", ".csv", ".json", ".zip")
RECORD_VIOLATIONS = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__csp.push(`${event.violatedDirective} blocked ${event.blockedURI || "inline"}`);
});
"""
MIN_PAGES = 25


def pages_by_role(world) -> dict[str, list[tuple[str, str]]]:
    """role -> [(host, path)] of every page of the access matrix, each under the first role allowed."""
    chosen: dict[str, list[tuple[str, str]]] = {role: [] for role in ROLES}
    seen = set()
    for case in all_cases():
        if case.method != "get":
            continue
        candidates = PUBLIC_ROLES if case.host == "public" else ROLES
        role = next((role for role in candidates if case.status_for(role) == 200), None)
        if role is None:
            continue
        host = "localhost" if case.host == "public" else world.acme.host
        urlconf = "portal.urls_public" if case.host == "public" else "portal.urls_tenant"
        try:
            with transaction.atomic():  # whatever the case makes to name its object is not kept
                kwargs = case.kwargs(world, "acme") if case.kwargs else {}
                path = reverse(case.name, urlconf=urlconf, kwargs=kwargs) + case.query
                transaction.set_rollback(True)
        except (NoReverseMatch, KeyError, AttributeError, LookupError):
            continue
        if path.endswith(NOT_PAGES) or (host, path) in seen:
            continue
        seen.add((host, path))
        chosen[role].append((host, path))
    return chosen


def user_of(world, role: str):
    return {
        "hr": world.acme.hr,
        "coach": world.acme.coach,
        "employee": world.acme.employee,
        "coach_both": world.coach_both,
        "staff": world.staff,
        "anonymous": None,
    }[role]


def test_no_page_reports_a_content_security_policy_violation(
    browser, e2e_server, e2e_world, committed, sign_in, page_for
):
    with committed(e2e_world.acme):
        chosen = pages_by_role(e2e_world)
    violations, checked, htmx_missing = [], [], []
    for role, pages in chosen.items():
        if not pages:
            continue
        context = browser.new_context(locale="en-GB")
        context.add_init_script(RECORD_VIOLATIONS)
        page = context.new_page()
        console = []
        page.on("console", lambda message: "Content Security Policy" in message.text and console.append(message.text))
        user = user_of(e2e_world, role)
        if user is not None:
            home = "localhost" if role in ("coach_both", "staff") else e2e_world.acme.host
            sign_in(page, user.email, PASSWORD, home)
            if role == "coach_both":  # into Acme by the handoff, as the coach does
                page.goto(page_for("localhost", "/go/acme/"))
        for host, path in pages:
            try:
                response = page.goto(page_for(host, path))
            except PlaywrightError as error:
                if "Download is starting" in str(error):
                    continue  # a file (the OpenAPI schema), not a page
                if "interrupted by another navigation" not in str(error):
                    raise
                response = page.goto(page_for(host, path))  # Chromium gave up on a load once: again, once
            if (
                response is None
                or response.status != 200
                or "text/html" not in response.headers.get("content-type", "")
            ):
                continue
            page.wait_for_load_state("load")
            if path == "/api/v1/docs/":  # Swagger UI's own page (templates/drf_spectacular): it must render
                page.wait_for_selector(".swagger-ui .info", timeout=15_000)
            found = page.evaluate("window.__csp") + console
            console.clear()
            if found:
                violations.append(f"{role} {host}{path}: {found}")
            # Every page of ours loads htmx from our static files; it must have run (the API docs are
            # Swagger's page, without it).
            if page.locator("script[src*='htmx']").count() and page.evaluate("typeof window.htmx") != "object":
                htmx_missing.append(f"{host}{path}")
            checked.append(f"{role} {host}{path}")
        context.close()
    assert violations == [], "\n".join(violations)
    assert htmx_missing == [], f"htmx did not run on: {htmx_missing}"
    assert len(checked) >= MIN_PAGES, f"only {len(checked)} pages checked: {checked}"

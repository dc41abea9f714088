"""`make a11y`: pa11y (runners axe and HTML_CodeSniffer, WCAG2AA) and the Nu HTML checker over every GET page
of the access matrix, as every role, in English and Dutch; 0 errors. Not part of `make test` (marker a11y).

The tools come from scripts/a11y/package.json (`make a11y` installs them with npm); pa11y drives Debian's
Chromium as scripts/a11y/pa11y.json says, and the checker is the vnu.jar of the npm package `vnu-jar`, run
with the machine's Java. htmx's `hx-*` attributes are not HTML, so the checker's messages about them are
filtered out; nothing else is. Reports land in scripts/a11y/reports/.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.e2e import axe, crawl

pytestmark = [pytest.mark.e2e, pytest.mark.a11y]

TOOLS = Path(__file__).resolve().parents[2] / "scripts" / "a11y"
VNU = TOOLS / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
REPORTS = TOOLS / "reports"
PORT = re.compile(r":\d+/")
HTMX_ATTRIBUTES = r".*Attribute “hx-[a-z-]+” not allowed on element .*"


@pytest.fixture(scope="module")
def crawled(e2e_server, e2e_world, django_db_blocker):
    """(role, language, host, path, cookies, body) of every page of every role in both languages."""
    from tests.e2e.conftest import Committed

    if not VNU.exists() or not (TOOLS / "node_modules" / "pa11y").exists():
        pytest.fail("the checkers are missing: run `make a11y` (npm install in scripts/a11y)")
    committed = Committed(django_db_blocker)
    found = []
    for role in crawl.ROLES:
        pages = crawl.pages_for(committed, e2e_world, role)
        hosts = {host for host, _path in pages}
        for language in axe.LANGUAGES:
            cookies = crawl.browser_cookies(committed, e2e_world, role, hosts, language)
            for host, path in pages:
                body = crawl.page_body(e2e_server.port, host, path, cookies)
                if body is not None:
                    found.append((role, language, host, path, cookies, body))
    # A crawl that reached nothing would let both checkers pass on no page at all.
    assert {role for role, *_rest in found} == set(crawl.ROLES), "some role reached no page"
    shutil.rmtree(REPORTS, ignore_errors=True)
    REPORTS.mkdir(parents=True)
    return found


def test_the_nu_html_checker_finds_no_error(crawled):
    files = {}
    for number, (role, language, host, path, _cookies, body) in enumerate(crawled):
        file = REPORTS / "html" / f"{number:04d}.html"
        file.parent.mkdir(exist_ok=True)
        file.write_bytes(body)
        files[file.resolve().as_uri()] = f"{role} {language} {host}{path}"
    run = subprocess.run(
        [
            "java",
            "-jar",
            str(VNU),
            "--format",
            "json",
            "--errors-only",
            "--filterpattern",
            HTMX_ATTRIBUTES,
            *[str(REPORTS / "html" / Path(uri).name) for uri in files],
        ],
        capture_output=True,
        text=True,
        timeout=1200,
    )
    (REPORTS / "vnu.json").write_text(run.stderr)
    # 0: no error, 1: errors found; anything else (or no report) means the checker itself failed.
    assert run.returncode in (0, 1) and run.stderr.strip(), f"the Nu HTML checker did not run:\n{run.stderr[-2000:]}"
    # "non-document-error": a file it could not read or parse, which must not pass as a clean page.
    messages = [m for m in json.loads(run.stderr)["messages"] if m["type"] in ("error", "non-document-error")]
    lines = sorted(
        {f"{files.get(m.get('url', ''), m.get('url'))}:{m.get('lastLine', '?')}: {m['message']}" for m in messages}
    )
    print(f"\nNu HTML checker: {len(files)} pages, {len(messages)} errors")
    assert not lines, "Nu HTML checker errors:\n" + "\n".join(lines)


def test_pa11y_finds_no_error(crawled, e2e_server):
    pages = [
        {"url": e2e_server.url(host, path), "cookie": crawl.cookie_header(cookies, host), "label": f"{role} {language}"}
        for role, language, host, path, cookies, _body in crawled
    ]
    (REPORTS / "pages.json").write_text(json.dumps(pages))
    subprocess.run(
        ["node", str(TOOLS / "pa11y_pages.js"), str(REPORTS / "pages.json"), str(REPORTS / "pa11y.json")],
        check=True,
        timeout=3600,
    )
    results = json.loads((REPORTS / "pa11y.json").read_text())
    assert len(results) == len(pages), f"pa11y checked {len(results)} of {len(pages)} pages"
    errors = [(page, error) for page in results for error in page["errors"]]
    print(f"\npa11y (axe, htmlcs; WCAG2AA): {len(results)} pages, {len(errors)} errors")
    lines = sorted(
        {
            f"{page['label']} {PORT.sub('/', page['url'])}: [{error['runner']}] {error['code']}: "
            f"{error['message']} ({error['selector']})"
            for page, error in errors
        }
    )
    assert not lines, "pa11y errors:\n" + "\n".join(lines)

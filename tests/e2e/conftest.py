"""Browser tests: the portal in a real server process, driven by Debian's Chromium through Playwright.

Write a journey as `tests/e2e/test_<area>_journey.py`, mark each test `@pytest.mark.e2e`, and build on
these fixtures (no imports needed):

    e2e_server   The portal in its own process (`manage.py runserver` without reloader, the test
                 settings, DEBUG off as in the suite) on a free port, connected by name to this run's
                 test database, where tests/conftest.py's `django_db_setup` has committed the world
                 before the server starts. `.port`, `.url(host, path)`, `.log_tail()` (the server's
                 output, shown when it fails to start). One server for the whole run.
    e2e_world    The World of tests/world/ (`e2e_world.acme.hr`, `e2e_world.coach_both`, ...),
                 built once. Use it instead of `world`: `world` runs the test in a transaction the
                 server process cannot see into, and a row it locks would stall the server.
    committed    Data the server must see has to be committed. `with committed(org):` runs ORM code in
                 that organisation's schema (`org` a World Org or an Organisation; None for the public
                 schema) with every statement committed at once. Undo what you made:
                 `committed.cleanup(func, org)` calls `func()` in that schema after the test, pass or fail.
    browser      One Chromium for all browser tests.
    context      A fresh browser context per test: its own cookies, British English, Amsterdam time,
                 a 1280 x 860 window, ten seconds before an action or expectation gives up.
    page         A new tab in `context`. When the test fails, a screenshot of it is saved as
                 tests/e2e/screenshots/failed-<test name>.png. Every HTML page it loads is checked with
                 axe-core once the test body has passed (tests/e2e/axe.py): opened again as the same
                 person, in English and in Dutch, no serious or critical WCAG 2.0/2.1 A or AA violation.
                 A page kind (its path with ids left out) is checked once per run.
    axe_check    axe_check(page) -> the serious and critical violations on the page as it stands now
                 (for a state no plain GET reaches: a refused form, an open dialog).
    page_for     page_for(host, path="/") -> "http://acme.localhost:<port>/path". `host` is "localhost"
                 (the public host), "acme.localhost", a bare slug ("acme") or a World Org.
    sign_in      sign_in(page, email, password, host) signs in through the real login form on that host
                 and fails the test with the form's message when the portal refuses.
    screenshot   screenshot(page, name) saves the full page as tests/e2e/screenshots/<name>.png (not in
                 git) and returns its path.

Browsers resolve `*.localhost` to this machine themselves; Chromium is also told so explicitly, so the
organisation hosts work without touching /etc/hosts.

Playwright's synchronous API keeps an asyncio loop running on the test thread, which Django takes for an
async context, refusing ORM calls. No async code runs here, so DJANGO_ALLOW_ASYNC_UNSAFE is set, but
only while ORM code may run beside the browser: during each test in this folder, inside `committed`
and `e2e_world`, and while the browser closes. It is never left set for other tests, nor for the
processes they start (`manage.py check --deploy` refuses it). Tests elsewhere that import these fixtures
should do their ORM work through `committed`. The browser closes after the last test of the package
that uses it, and with it the database connections opened beside it (Django keeps those apart).

Without /usr/bin/chromium every browser test is skipped with a message saying how to install it.
"""

from __future__ import annotations

import http.client
import os
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote, urlparse

import pytest
from django.db import connections

from tenants.demo_totp import code_after
from tests.e2e import axe
from tests.world import Org, build_world

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--host-resolver-rules=MAP *.localhost 127.0.0.1, MAP localhost 127.0.0.1",
]
BASE_DIR = Path(__file__).resolve().parents[2]
SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"
SERVER_APPLICATION_NAME = "portal-e2e-server"
# The child process: the suite's settings with DEBUG switched off at run time, as pytest-django does.
SERVE = """
import sys
import django
from django.conf import settings
from django.core.management import call_command

django.setup()
settings.DEBUG = False
call_command("runserver", f"127.0.0.1:{sys.argv[1]}", use_reloader=False, use_threading=True, skip_checks=True)
"""
SERVER_START_SECONDS = 60
ACTION_TIMEOUT_MS = 10_000
ASYNC_UNSAFE = "DJANGO_ALLOW_ASYNC_UNSAFE"
AXE_SEEN: set[str] = set()  # page kinds axe has checked in this run, per language
HOW_TO_ENABLE = (
    "browser tests skipped: Chromium is not installed at /usr/bin/chromium "
    "(run as root: make test installs chromium with apt-get, or apt-get install chromium)"
)


@contextmanager
def orm_beside_the_browser():
    """Let the ORM run while Playwright's loop runs on this thread (see the module docstring)."""
    previous = os.environ.get(ASYNC_UNSAFE)
    os.environ[ASYNC_UNSAFE] = "true"
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop(ASYNC_UNSAFE, None)
        else:
            os.environ[ASYNC_UNSAFE] = previous


@pytest.fixture(autouse=True)
def _orm_allowed_in_browser_tests():
    with orm_beside_the_browser():
        yield


def _missing_requirement() -> str | None:
    if not CHROMIUM.exists():
        return HOW_TO_ENABLE
    try:
        import axe_playwright_python  # noqa: F401
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return (
            "browser tests skipped: Playwright or axe-playwright-python is not installed "
            "(pip install -r requirements.txt)"
        )
    return None


def pytest_collection_modifyitems(config, items):
    reason = _missing_requirement()
    if reason is None:
        return
    browser_tests = [item for item in items if item.get_closest_marker("e2e")]
    for item in browser_tests:
        item.add_marker(pytest.mark.skip(reason=reason))
    if browser_tests:
        config._e2e_skipped = (len(browser_tests), reason)


def pytest_terminal_summary(terminalreporter, config):
    if AXE_SEEN:
        terminalreporter.write_line(f"axe-core checked {len(AXE_SEEN)} pages (page kinds × languages)")
    skipped = getattr(config, "_e2e_skipped", None)
    if skipped:
        count, reason = skipped
        terminalreporter.write_line(f"{count} {reason}", yellow=True)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    """After a browser test's body passed, and before its fixtures undo what it made: axe over the pages
    its tab loaded (tests/e2e/axe.py)."""
    result = yield
    tab = item.funcargs.get("page")
    visited = getattr(item, "axe_visited", None)
    if tab is not None and visited:
        failures = axe.check_pages(tab.context, visited, seen=AXE_SEEN)
        if failures:
            pytest.fail("axe-core: serious or critical WCAG A/AA violations:\n" + "\n".join(failures), pytrace=False)
    return result


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call":
        item.e2e_failed = report.failed
    return report


# --- the server -------------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _database_url(settings_dict: dict) -> str:
    """The test database, by name, as a URL the server's settings read (DATABASE_URL)."""
    user = quote(settings_dict.get("USER") or "", safe="")
    password = quote(settings_dict.get("PASSWORD") or "", safe="")
    credentials = f"{user}:{password}@" if password else f"{user}@" if user else ""
    host = settings_dict.get("HOST") or "127.0.0.1"
    port = settings_dict.get("PORT") or 5432
    return (
        f"postgres://{credentials}{host}:{port}/{quote(settings_dict['NAME'], safe='')}"
        f"?application_name={SERVER_APPLICATION_NAME}"
    )


class PortalServer:
    """The portal served by a child process on 127.0.0.1:<port>, reached through *.localhost names."""

    def __init__(self, database_url: str):
        self.port = _free_port()
        self.database_url = database_url
        self._log = tempfile.NamedTemporaryFile(  # noqa: SIM115 (the server writes it until it stops)
            prefix="portal-e2e-server-", suffix=".log", delete=False
        )
        self._process: subprocess.Popen | None = None

    def url(self, host: str | Org, path: str = "/") -> str:
        if isinstance(host, Org):
            host = host.host
        elif host != "localhost" and "." not in host:
            host = f"{host}.localhost"
        return f"http://{host}:{self.port}{path}"

    def start(self) -> None:
        environment = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "portal.settings",
            "DATABASE_URL": self.database_url,
            "PORTAL_TESTING": "1",
            # The settings the suite runs with are those of DEBUG on (http, no secure-only cookies);
            # the server then switches DEBUG off at run time, as pytest-django does, so error pages
            # are the real ones.
            "DEBUG": "1",
            "DB_CONN_MAX_AGE": "0",
            # Links made outside a request, and SAML's entity ids and ACS addresses, carry the server's port.
            "PORTAL_PORT": str(self.port),
            "PYTHONUNBUFFERED": "1",
        }
        environment.pop(ASYNC_UNSAFE, None)
        self._process = subprocess.Popen(
            [sys.executable, "-c", SERVE, str(self.port)],
            cwd=BASE_DIR,
            env=environment,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + SERVER_START_SECONDS
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(f"The portal server stopped while starting:\n{self.log_tail()}")
            if self._healthy():
                return
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"The portal server did not answer within {SERVER_START_SECONDS} s:\n{self.log_tail()}")

    def _healthy(self) -> bool:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
        try:
            connection.request("GET", "/healthz", headers={"Host": "localhost"})
            return connection.getresponse().status == 200
        except OSError:
            return False
        finally:
            connection.close()

    def stop(self) -> None:
        if self._process is None or self._process.poll() is not None:
            return
        self._process.terminate()
        try:
            self._process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait(timeout=10)

    def log_tail(self, lines: int = 60) -> str:
        return "\n".join(Path(self._log.name).read_text(errors="replace").splitlines()[-lines:])


def _wait_for_server_connections_to_close(connection, seconds: float = 10) -> None:
    """The test database is dropped at the end of the run, which fails while the server is still on it."""
    deadline = time.monotonic() + seconds
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE application_name = %s AND datname = %s",
                [SERVER_APPLICATION_NAME, connection.settings_dict["NAME"]],
            )
            if cursor.fetchone()[0] == 0:
                return
            time.sleep(0.1)


@pytest.fixture(scope="session")
def e2e_server(django_db_setup, django_db_blocker):
    """The portal in a child process, on this run's test database (whose world is already committed)."""
    reason = _missing_requirement()
    if reason:
        pytest.skip(reason)
    from django.db import connection

    server = PortalServer(_database_url(connection.settings_dict))
    server.start()
    yield server
    server.stop()
    with django_db_blocker.unblock():
        _wait_for_server_connections_to_close(connection)
    Path(server._log.name).unlink(missing_ok=True)


@pytest.fixture(scope="session")
def e2e_world(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), orm_beside_the_browser():
        return build_world()


class Committed:
    """ORM code whose writes the server process sees at once, and clean-ups that run after the test."""

    def __init__(self, django_db_blocker):
        self._blocker = django_db_blocker
        self._cleanups: list[tuple] = []

    @contextmanager
    def __call__(self, org=None):
        from django_tenants.utils import schema_context, tenant_context

        organisation = org.organisation if isinstance(org, Org) else org
        with self._blocker.unblock(), orm_beside_the_browser():
            with tenant_context(organisation) if organisation is not None else schema_context("public"):
                yield

    def cleanup(self, func, org=None) -> None:
        self._cleanups.append((func, org))

    def run_cleanups(self) -> None:
        while self._cleanups:
            func, org = self._cleanups.pop()
            with self(org):
                func()


@pytest.fixture
def committed(django_db_setup, django_db_blocker):  # never before the test database exists
    helper = Committed(django_db_blocker)
    yield helper
    helper.run_cleanups()


# --- the browser ------------------------------------------------------------------------------------


@pytest.fixture(scope="package")
def browser():
    """One Chromium for every browser test; closed after the last one (see the module docstring)."""
    reason = _missing_requirement()
    if reason:
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    try:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()
    finally:
        # While Playwright runs, Django's per-context connection store is a different one: close the
        # connections opened beside the browser, or the test database could not be dropped at the end.
        with orm_beside_the_browser():
            connections.close_all()
        playwright.stop()


@pytest.fixture
def context(browser, e2e_server):
    browser_context = browser.new_context(
        locale="en-GB", timezone_id="Europe/Amsterdam", viewport={"width": 1280, "height": 860}
    )
    browser_context.set_default_timeout(ACTION_TIMEOUT_MS)
    browser_context.set_default_navigation_timeout(ACTION_TIMEOUT_MS)
    yield browser_context
    browser_context.close()


def _remember_pages(tab, visited: list[str]) -> None:
    """Note each HTML page the tab's main frame loads with a 200 (the pages axe checks afterwards)."""

    def remember(response):
        request = response.request
        if (
            request.is_navigation_request()
            and request.frame == tab.main_frame
            and request.method == "GET"
            and response.status == 200
            and "text/html" in response.headers.get("content-type", "")
        ):
            visited.append(response.url)

    tab.on("response", remember)


@pytest.fixture
def page(context, request):
    tab = context.new_page()
    request.node.axe_visited = []
    _remember_pages(tab, request.node.axe_visited)
    yield tab
    if getattr(request.node, "e2e_failed", False) and not tab.is_closed():
        _save_screenshot(tab, f"failed-{request.node.name}")


@pytest.fixture
def axe_check():
    return axe.violations


@pytest.fixture
def page_for(e2e_server):
    return e2e_server.url


def _save_screenshot(page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


@pytest.fixture
def screenshot():
    return _save_screenshot


# The time step of the last code each account used in this run (a code is good once).
last_code_step: dict[str, int] = {}


@pytest.fixture
def sign_in(page_for):
    """sign_in(page, email, password, host): the login form on `host`, as a person would use it."""

    def sign_in_through_the_form(page, email: str, password: str, host: str | Org) -> None:
        """Then the code from the app where the account asks for one."""
        page.goto(page_for(host, "/login/"))
        form = page.locator("main form[method=post]")
        form.locator("input[name=username]").fill(email)
        form.locator("input[name=password]").fill(password)
        with page.expect_navigation():
            form.locator("button[type=submit]").click()
        if urlparse(page.url).path == "/login/code/":
            # Coaches and platform staff: their authenticator holds the demo key (tests/world/two_factor.py).
            code, last_code_step[email] = code_after(last_code_step.get(email, 0))
            page.locator("main input[name=code]").fill(code)
            with page.expect_navigation():
                page.locator("main form[method=post] button[type=submit]").click()
            if urlparse(page.url).path == "/login/code/":
                pytest.fail(f"the code for {email} on {host} was refused")
        if page.locator("main input[name=password]").count():
            problem = page.locator("main .form-errors, main .errorlist").all_inner_texts()
            pytest.fail(f"signing in as {email} on {host} was refused: {' '.join(problem) or 'no message'}")

    return sign_in_through_the_form

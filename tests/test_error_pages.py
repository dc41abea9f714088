"""What someone who mistypes an address meets: the portal's own error pages, in the organisation's language,
never Django's debug pages (which list every URL pattern) unless a developer asks for them with DEBUG=1."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.template.loader import render_to_string
from django.test import Client
from django.utils import translation

from portal import homes

BASE_DIR = Path(__file__).resolve().parent.parent

SETTINGS_SHOWN = (
    "DEBUG",
    "PRODUCTION",
    "SESSION_COOKIE_SECURE",
    "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS",
    "PORTAL_SCHEME",
    "WHITENOISE_USE_FINDERS",
    "ALLOWED_HOSTS",
)


def settings_for(**environment: str) -> dict:
    """The settings a fresh process reads from exactly this environment (no test run, no DATABASE_URL
    unless given: what `make run` starts with)."""
    inherited = {
        key: value
        for key, value in os.environ.items()
        if key
        not in {
            "DEBUG",
            "DATABASE_URL",
            "PORTAL_TESTING",
            "SECURE_SSL_REDIRECT",
            "SECRET_KEY",
            "PORTAL_PRODUCTION",
            "SECURE_HSTS_SECONDS",
            "PORTAL_SCHEME",
        }
    }
    script = (
        "import json, django; from django.conf import settings; django.setup(); "
        f"print(json.dumps({{name: getattr(settings, name) for name in {SETTINGS_SHOWN!r}}}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=BASE_DIR,
        capture_output=True,
        text=True,
        timeout=120,
        env={**inherited, "DJANGO_SETTINGS_MODULE": "portal.settings", **environment},
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_make_run_starts_with_debug_off_over_plain_http():
    shown = settings_for()
    assert shown["DEBUG"] is False
    # Still the demo: plain http on localhost, cookies sent without TLS, no redirect to https.
    assert shown["PRODUCTION"] is False
    assert (shown["SESSION_COOKIE_SECURE"], shown["SECURE_SSL_REDIRECT"], shown["SECURE_HSTS_SECONDS"]) == (
        False,
        False,
        0,
    )
    assert shown["PORTAL_SCHEME"] == "http"
    # Static files come straight from the source folders, without collectstatic.
    assert shown["WHITENOISE_USE_FINDERS"] is True
    assert "localhost" in shown["ALLOWED_HOSTS"] and ".localhost" in shown["ALLOWED_HOSTS"]


def test_debug_is_on_only_when_a_developer_asks_for_it():
    assert settings_for(DEBUG="1")["DEBUG"] is True
    assert settings_for(DEBUG="1")["PRODUCTION"] is False


def test_a_database_of_its_own_is_production_with_https_and_secure_cookies():
    shown = settings_for(DATABASE_URL="postgres://portal@db.internal:5432/portal", SECRET_KEY="k" * 50)
    assert (shown["DEBUG"], shown["PRODUCTION"]) == (False, True)
    assert (shown["SESSION_COOKIE_SECURE"], shown["SECURE_SSL_REDIRECT"], shown["PORTAL_SCHEME"]) == (
        True,
        True,
        "https",
    )
    assert shown["WHITENOISE_USE_FINDERS"] is False


def signed_out(host: str) -> Client:
    return Client(HTTP_HOST=host, raise_request_exception=False)


def test_a_missing_address_answers_the_portals_404_in_english_on_acme(world):
    response = signed_out(world.acme.host).get("/no-such-page/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "Page not found" in html and 'lang="en"' in html
    assert "URLconf" not in html and "api/v1/" not in html  # no list of URL patterns


def test_a_missing_address_answers_the_portals_404_in_dutch_on_globex(world, client_for):
    html = signed_out(world.globex.host).get("/no-such-page/").content.decode()
    assert "Pagina niet gevonden" in html and 'lang="nl"' in html
    signed_in = client_for(world.globex.employee, world.globex.host).get("/no-such-page/").content.decode()
    assert "Pagina niet gevonden" in signed_in


def test_someone_from_another_organisation_gets_the_404_in_the_organisations_language(world, client_for):
    # The membership check answers before any view runs: still the portal's page, in Dutch on globex.
    response = client_for(world.acme.employee, world.globex.host).get("/")
    assert response.status_code == 404
    assert "Pagina niet gevonden" in response.content.decode()


def test_an_unknown_organisation_host_answers_the_portals_404(world):
    response = signed_out("nobody-here.localhost").get("/")
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()


def test_a_failure_answers_the_portals_500_in_the_organisations_language(world, client_for, monkeypatch):

    def broken(request):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(homes, "panels_for", broken)
    client = client_for(world.globex.employee, world.globex.host)
    client.raise_request_exception = False
    response = client.get("/")
    assert response.status_code == 500
    html = response.content.decode()
    assert "Er is iets misgegaan" in html and "Traceback" not in html and "the database went away" not in html


def test_the_500_page_renders_without_a_request_or_the_database():
    # No database fixture: any query while rendering would fail the test.
    with translation.override("nl"):
        html = render_to_string("500.html")
    assert "Er is iets misgegaan" in html and 'lang="nl"' in html


def test_the_400_page_renders_without_a_request():
    with translation.override("nl"):
        html = render_to_string("400.html")
    assert 'lang="nl"' in html and 'class="error-page__code"' in html


def test_a_suspicious_request_answers_the_portals_400(world, client_for, monkeypatch):

    def suspicious(request):
        raise SuspiciousOperation("a tampered request")

    monkeypatch.setattr(homes, "panels_for", suspicious)
    response = client_for(world.acme.employee, world.acme.host).get("/")
    assert response.status_code == 400
    html = response.content.decode()
    assert "Bad request" in html and "tampered" not in html


def test_a_refused_action_answers_the_portals_403_in_dutch_on_globex(world, client_for, monkeypatch):

    def refused(request):
        raise PermissionDenied("no")

    monkeypatch.setattr(homes, "panels_for", refused)
    response = client_for(world.globex.employee, world.globex.host).get("/")
    assert response.status_code == 403
    html = response.content.decode()
    assert (
        'class="error-page__code"' in html and 'lang="nl"' in html and "Eva Globex" in html
    )  # the base layout, signed in


def test_a_form_sent_without_its_security_token_answers_the_portals_403(world):
    client = Client(HTTP_HOST=world.globex.host, enforce_csrf_checks=True)
    response = client.post("/login/", {"username": "x", "password": "y"})
    assert response.status_code == 403
    html = response.content.decode()
    assert "Reason given for failure" not in html and "CSRF" not in html
    assert 'class="error-page__code"' in html and 'lang="nl"' in html

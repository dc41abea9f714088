"""`manage.py check --deploy` with the settings production runs with: not a single warning."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[2]


def production_environment() -> dict[str, str]:
    environment = {
        key: value
        for key, value in os.environ.items()
        if key
        not in {
            "PORTAL_TESTING",
            "DEBUG",
            "SECURE_SSL_REDIRECT",
            "SECURE_HSTS_SECONDS",
            # set by the browser tests while Chromium runs; never in production
            "DJANGO_ALLOW_ASYNC_UNSAFE",
        }
    }
    environment.update(
        {
            "DJANGO_SETTINGS_MODULE": "portal.settings",
            "SECRET_KEY": secrets.token_urlsafe(50),
            # Only parsed: `check --deploy` does not connect.
            "DATABASE_URL": "postgres://portal@db.internal:5432/portal",
            "REDIS_URL": "redis://cache.internal:6379/0",
            "EMAIL_URL": "submission://mailer:secret@smtp.example.com:587",
            "PORTAL_DOMAIN": "coaching.example.com",
        }
    )
    return environment


def run_check(environment: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_production_settings_pass_the_deployment_checklist_without_a_warning():
    result = run_check(production_environment())
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_the_checklist_would_catch_a_production_setting_switched_off():
    # The check above can fail: the same environment with HSTS switched off is refused.
    result = run_check({**production_environment(), "SECURE_HSTS_SECONDS": "0"})
    assert result.returncode != 0
    assert "security.W004" in result.stdout + result.stderr


def test_production_refuses_to_start_without_a_secret_key():
    environment = production_environment()
    del environment["SECRET_KEY"]
    result = run_check(environment)
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_an_email_address_the_portal_cannot_send_with_is_named_at_start_up():
    result = run_check({**production_environment(), "EMAIL_URL": "smtp+tls://mailer:secret@smtp.example.com:587"})
    assert result.returncode != 0
    assert "EMAIL_URL has a scheme we cannot send with" in result.stderr

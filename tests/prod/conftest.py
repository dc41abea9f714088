"""Integration tests against the production stack that `make prod-check` starts (scripts/stack.py).

The tests run in their own process on the stack's database (no test database is made: the stack's is
fresh and dropped afterwards), talk to the two gunicorn processes over HTTP as a browser or an API client
would (scripts/portal_client.py), and read what the Celery worker sent from the SMTP server's mailbox.
Without the stack (`PORTAL_PROD_CHECK` unset) every test here is skipped; the normal run deselects them.
"""

from __future__ import annotations

import os

import pytest
from django.conf import settings

from scripts.portal_client import PortalClient
from tests.prod.mailbox import Mailbox

HOW_TO_RUN = "needs the production stack: run `make prod-check` (scripts/prod_check.sh)"


def stack_running() -> bool:
    return os.environ.get("PORTAL_PROD_CHECK") == "1" and bool(os.environ.get("PORTAL_STACK"))


def pytest_collection_modifyitems(config, items):
    if stack_running():
        return
    for item in items:
        if item.get_closest_marker("prod") or item.get_closest_marker("faults"):
            item.add_marker(pytest.mark.skip(reason=HOW_TO_RUN))


@pytest.fixture(scope="session")
def stack() -> dict:
    from scripts.stack import load_state

    if not stack_running():
        pytest.skip(HOW_TO_RUN)
    return load_state()


@pytest.fixture(scope="session")
def django_db_setup(stack):
    """The stack's own database, used as it is: nothing is created here and nothing dropped."""
    name = settings.DATABASES["default"]["NAME"]
    if name != stack["database"]:
        pytest.fail(f"the tests are on database {name!r}, the stack on {stack['database']!r}")


@pytest.fixture(autouse=True)
def _stack_database(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        yield


@pytest.fixture
def client_for(stack):
    """client_for(host) -> a PortalClient sending each request to the next web process in turn."""
    ports = [web["port"] for web in stack["web"]]
    return lambda host: PortalClient(host, ports)


@pytest.fixture
def mailbox(stack) -> Mailbox:
    """The SMTP server's mailbox, showing only what arrives from now on."""
    return Mailbox(stack["mail"])

"""Fixtures every test can use, on the two-organisation world of tests/world/.

The world is built once per test database (committed, so browser tests and concurrency tests on other
connections see it too); each test then runs in a transaction that is rolled back.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import setup_databases, teardown_databases
from django_tenants.utils import tenant_context

from portal import policy
from tenants.models import User
from tests.world import Org, World, build_world, sign_in


@pytest.fixture(scope="session")
def django_db_setup(request, django_db_setup, django_db_blocker, django_db_keepdb, django_db_createdb):
    # pytest-django creates the test database only when a selected test asks for `db` or is marked
    # django_db. Browser tests ask for neither (their server must see committed rows), so when only they
    # are selected it created nothing and the connection was still on the development database.

    created = None
    with django_db_blocker.unblock():
        if not connection.settings_dict["NAME"].startswith("test"):
            created = setup_databases(
                verbosity=request.config.option.verbose,
                interactive=False,
                aliases={"default"},
                keepdb=django_db_keepdb and not django_db_createdb,
            )
        build_world()
    yield
    if created is not None and not django_db_keepdb:
        with django_db_blocker.unblock():
            teardown_databases(created, verbosity=request.config.option.verbose)


@pytest.fixture
def world(db) -> World:
    return build_world()


@pytest.fixture(autouse=True)
def _public_schema_between_tests():
    """Each test starts on the public schema, whatever the previous one left."""
    yield
    if connection.connection is not None:
        connection.set_schema_to_public()


@pytest.fixture
def client_for(world):
    """client_for(user, host) -> a Django test client signed in on host, sending that Host header."""

    def make(user: User | None, host: str) -> Client:
        client = Client(HTTP_HOST=host)
        return sign_in(client, user, host)

    return make


@pytest.fixture
def in_tenant():
    """with in_tenant(org): ... runs ORM code in that organisation's schema."""
    return lambda org: tenant_context(org.organisation if isinstance(org, Org) else org)


@pytest.fixture
def actor():
    def make(user: User, org: Org | None = None) -> policy.Actor:
        return policy.actor_for(user, org.organisation if org is not None else None)

    return make


def pytest_collection_modifyitems(config, items):
    """Browser journeys drive a real Chromium against a real server: on a loaded machine a page can
    miss a wait. They get one more try; a journey that is really broken fails both."""
    for item in items:
        if "/e2e/" in str(item.fspath) or item.get_closest_marker("e2e"):
            item.add_marker(pytest.mark.flaky(reruns=1, reruns_delay=2))

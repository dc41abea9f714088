"""The two-organisation world every test can use: every role in each, a coach serving both, an outsider.

The world is built once per test database (committed, so browser tests and concurrency tests on other
connections see it too); each test then runs in a transaction that is rolled back.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django_tenants.utils import schema_context, tenant_context

from portal import policy
from portal.middleware import SESSION_HOST_KEY
from tenants import two_factor
from tenants.models import Membership, Organisation, Role, User
from tenants.services import membership_grant, organisation_create, public_organisation_ensure

PASSWORD = "correct horse battery"


@dataclass
class Org:
    organisation: Organisation
    host: str
    hr: User
    coach: User  # coaches only in this organisation
    employee: User
    employee2: User
    people: dict = field(default_factory=dict)

    def membership_pk(self, attribute: str, role: str) -> int:
        return Membership.objects.get(user=getattr(self, attribute), organisation=self.organisation, role=role).pk


@dataclass
class World:
    acme: Org
    globex: Org
    coach_both: User  # one coach serving both organisations
    outsider: User  # signed in, member nowhere
    staff: User  # platform staff
    public_host: str = "localhost"

    def org(self, key: str) -> Org:
        return getattr(self, key)

    def other(self, key: str) -> Org:
        return self.globex if key == "acme" else self.acme

    def user(self, role: str, org_key: str = "acme") -> User | None:
        org = self.org(org_key)
        return {
            "hr": org.hr,
            "coach": org.coach,
            "employee": org.employee,
            "employee2": org.employee2,
            "coach_both": self.coach_both,
            "outsider": self.outsider,
            "staff": self.staff,
            "anonymous": None,
        }[role]


def _user(email: str, first: str, last: str, **extra) -> User:
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User.objects.create_user(email=email, password=PASSWORD, first_name=first, last_name=last, **extra)
    return user


def _org(slug: str, name: str, language: str, coach_both: User) -> Org:
    organisation = Organisation.objects.filter(slug=slug).first() or organisation_create(
        name=name, slug=slug, default_language=language
    )
    hr = _user(f"hr@{slug}.test", "Hilde", name.split()[0])
    coach = _user(f"coach@{slug}.test", "Cor", name.split()[0])
    employee = _user(f"employee@{slug}.test", "Eva", name.split()[0])
    employee2 = _user(f"employee2@{slug}.test", "Erik", name.split()[0])
    for user, role in (
        (hr, Role.HR_MANAGER),
        (coach, Role.COACH),
        (employee, Role.EMPLOYEE),
        (employee2, Role.EMPLOYEE),
        (coach_both, Role.COACH),
    ):
        membership_grant(user=user, organisation=organisation, role=role)
    return Org(
        organisation=organisation, host=f"{slug}.localhost", hr=hr, coach=coach, employee=employee, employee2=employee2
    )


def assert_test_database() -> None:
    """Refuse to write outside a test database: a fixture that unblocks the database without asking for
    `django_db_setup` first would otherwise build the world in the development database (`portal`)."""
    names = {connection.settings_dict["NAME"], settings.DATABASES["default"]["NAME"]}
    if not all(str(name).startswith("test") for name in names):
        raise RuntimeError(
            f"refusing to build the test world in database {sorted(names)}: not a test database "
            f"(ask for the django_db_setup or db fixture before unblocking the database)"
        )


def build_world() -> World:
    assert_test_database()
    with schema_context("public"):
        public_organisation_ensure()
        coach_both = _user("coach-both@coaching.test", "Carla", "Both")
        world = World(
            acme=_org("acme", "Acme Logistics", "en", coach_both),
            globex=_org("globex", "Globex Zorg", "nl", coach_both),
            coach_both=coach_both,
            outsider=_user("outsider@elsewhere.test", "Otto", "Outsider"),
            staff=_user("staff@platform.test", "Stef", "Staff", is_staff=True),
        )
    from tests import world_hooks

    for hook in world_hooks.HOOKS:
        hook(world)
    return world


@pytest.fixture(scope="session")
def django_db_setup(request, django_db_setup, django_db_blocker, django_db_keepdb, django_db_createdb):
    # pytest-django creates the test database only when a selected test asks for `db` or is marked
    # django_db. Browser tests ask for neither (their server must see committed rows), so when only they
    # are selected it created nothing and the connection was still on the development database.
    from django.test.utils import setup_databases, teardown_databases

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


def sign_in(client: Client, user: User | None, host: str) -> Client:
    """Sign `user` in on `host` the way the portal does: a session bound to that host's schema, past the
    code step (where the account has a second factor)."""
    if user is None:
        return client
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    schema = "public" if host == "localhost" else host.split(".")[0]
    session = client.session
    session[SESSION_HOST_KEY] = schema
    session[two_factor.SESSION_KEY] = two_factor.VERIFIED
    session.save()
    return client


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

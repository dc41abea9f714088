"""The two-organisation world every test can use: every role in each, a coach serving both, an outsider.

One package builds it, for the test suite (tests/conftest.py's `world` fixture), the browser tests
(tests/e2e/) and the concurrency tests, which build it on connections of their own:

    __init__     the organisations and people: in acme (English) and globex (Dutch) an HR manager, a coach
                 who coaches only there, two employees; a coach serving both, an outsider (signed in, member
                 nowhere) and platform staff. `build_world()`, `sign_in()`, PASSWORD,
                 `user_ensure()` and `employee_ensure()` for more people.
    programmes   in each organisation a programme with two cohorts and an enrolment of each employee
    sessions     coming and past sessions, free slots, an urgent request, a calendar feed
    agreement    objectives agreed by `employee` and their coach (the sponsor awaited)
    journal      reflections, a goal with its parts, feedback, notes and a summary
    pulse        a private and a shared pulse of `employee`
    assessments  the built-in instrument scheduled and answered, HR's own instrument
    stakeholders stakeholder rounds: one finished pair (start released), one open with known rater links
    two_factor   coaches and platform staff with an authenticator holding the demo key (`code_for()`)
    matching     coach profiles, each organisation's coach pool, a programme where employees choose
    saml         a SAML identity provider per organisation, switched off (`people["saml_provider"]`)
    invitations  accepting invitations as the people invited would
    reports      on demand: a programme with enough people for aggregates, every piece of content a canary

Each part adds its keys to `org.people` and must be idempotent: the world is built once per test database
(committed, so browser tests and other connections see it too) and again, finding it there, per test.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection
from django.test import Client
from django_tenants.utils import schema_context

from portal.middleware import SESSION_HOST_KEY
from programmes.models import EmployeeProfile
from tenants import two_factor as second_factor
from tenants.models import Membership, Organisation, Role, User
from tenants.services import membership_grant, organisation_create, public_organisation_ensure
from tests.world.agreement import agreement_world
from tests.world.assessments import assessments_world
from tests.world.journal import journal_world
from tests.world.matching import matching_world
from tests.world.programmes import programmes_world
from tests.world.pulse import pulse_world
from tests.world.saml import saml_world
from tests.world.sessions import sessions_world
from tests.world.stakeholders import stakeholders_world
from tests.world.two_factor import two_factor_world

# The parts of the world, each on top of the ones before it: functions (world) -> None, run once the
# people exist.
HOOKS: list = [
    programmes_world,
    sessions_world,
    agreement_world,
    journal_world,
    pulse_world,
    assessments_world,
    two_factor_world,
    matching_world,
    stakeholders_world,
    saml_world,
]

PASSWORD = "correct horse battery"


def statements(data: int, schemas: int = 2) -> int:
    """The statements a request sends: its data statements and one `SET search_path` per schema it turns to
    (TENANT_LIMIT_SET_CALLS: django-tenants sets the path once after each switch, not before every statement;
    a request switches to public for the host's domain, then to the organisation's schema)."""
    return data + schemas


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


def user_ensure(email: str, first: str, last: str, **extra) -> User:
    """The account of `email`, made (with PASSWORD) when there is none."""
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User.objects.create_user(email=email, password=PASSWORD, first_name=first, last_name=last, **extra)
    return user


def _org(slug: str, name: str, language: str, coach_both: User) -> Org:
    organisation = Organisation.objects.filter(slug=slug).first() or organisation_create(
        name=name, slug=slug, default_language=language
    )
    hr = user_ensure(f"hr@{slug}.test", "Hilde", name.split()[0])
    coach = user_ensure(f"coach@{slug}.test", "Cor", name.split()[0])
    employee = user_ensure(f"employee@{slug}.test", "Eva", name.split()[0])
    employee2 = user_ensure(f"employee2@{slug}.test", "Erik", name.split()[0])
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


def employee_ensure(org: Org, user: User, **profile) -> User:
    """`user` an employee of `org`, with an employee profile of these fields (run in `org`'s schema)."""
    Membership.objects.get_or_create(user=user, organisation=org.organisation, role=Role.EMPLOYEE)
    EmployeeProfile.objects.update_or_create(user=user, defaults=profile)
    return user


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
        coach_both = user_ensure("coach-both@coaching.test", "Carla", "Both")
        world = World(
            acme=_org("acme", "Acme Logistics", "en", coach_both),
            globex=_org("globex", "Globex Zorg", "nl", coach_both),
            coach_both=coach_both,
            outsider=user_ensure("outsider@elsewhere.test", "Otto", "Outsider"),
            staff=user_ensure("staff@platform.test", "Stef", "Staff", is_staff=True),
        )
    for hook in HOOKS:
        hook(world)
    return world


def sign_in(client: Client, user: User | None, host: str) -> Client:
    """Sign `user` in on `host` the way the portal does: a session bound to that host's schema, past the
    code step (where the account has a second factor)."""
    if user is None:
        return client
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    schema = "public" if host == "localhost" else host.split(".")[0]
    session = client.session
    session[SESSION_HOST_KEY] = schema
    session[second_factor.SESSION_KEY] = second_factor.VERIFIED
    session.save()
    return client

"""The demo world, shared by `seed_demo`, the test fixtures and the benchmarks."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.utils.module_loading import import_string
from django_otp.plugins.otp_totp.models import TOTPDevice

from tenants.demo_totp import DEMO_TOTP_KEY, demo_key_hex
from tenants.models import Membership, Organisation, Role, User
from tenants.services import membership_grant, organisation_create

PASSWORD = "portal-demo"
EMPLOYEES_PER_ORGANISATION = 25

ORGANISATIONS = [
    {
        "name": "Acme Logistics",
        "slug": "acme",
        "default_language": "en",
        "accent_colour": "#0b6e69",
        "hr": ("hr@acme.example", "Hannah", "Reed"),
        "employee_prefix": "employee",
        "domain": "acme.example",
        "support_contact": "Employee Assistance Line: +44 20 7946 0000 (24/7)",
    },
    {
        "name": "Globex Zorg",
        "slug": "globex",
        "default_language": "nl",
        "accent_colour": "#7a3e9d",
        "hr": ("hr@globex.example", "Hanneke", "de Vries"),
        "employee_prefix": "werknemer",
        "domain": "globex.example",
        "support_contact": "Vertrouwenspersoon: 030 123 45 67 (werkdagen 8–18 uur)",
    },
]
COACH = ("coach@coaching.example", "Carla", "Jansen")
PLATFORM = ("platform@coaching.example", "Pim", "Beheer")
FIRST_NAMES = [
    "Anna",
    "Bram",
    "Chloé",
    "Daan",
    "Emma",
    "Finn",
    "Gijs",
    "Hana",
    "Ilse",
    "Jasper",
    "Kim",
    "Lars",
    "Mila",
    "Noah",
    "Olga",
    "Priya",
    "Quinten",
    "Rosa",
    "Sem",
    "Tess",
    "Umar",
    "Vera",
    "Wout",
    "Xander",
    "Yara",
    "Zoë",
]
LAST_NAMES = ["Bakker", "Visser", "Smit", "Meijer", "de Boer", "Mulder", "de Groot", "Bos", "Vos", "Peters"]

SIGN_INS = f"""
Demo sign-ins (password for all: {PASSWORD}):
  Coach and platform staff also enter a code: `manage.py demo_code` prints it (authenticator key
  {DEMO_TOTP_KEY}).
  Platform staff   {PLATFORM[0]:<28} http://localhost:8000/login/
  Coach (both)     {COACH[0]:<28} http://localhost:8000/login/
  HR Acme          hr@acme.example              http://acme.localhost:8000/login/
  HR Globex        hr@globex.example            http://globex.localhost:8000/login/
  Employees Acme   employee1@acme.example … employee{EMPLOYEES_PER_ORGANISATION}@acme.example
  Werknemers       werknemer1@globex.example … werknemer{EMPLOYEES_PER_ORGANISATION}@globex.example
"""


def _person(email: str, first: str, last: str, password_hash: str, **extra) -> User:
    user, created = User.objects.get_or_create(
        email=email, defaults={"first_name": first, "last_name": last, "password": password_hash, **extra}
    )
    return user


def demo_device_ensure(user: User) -> TOTPDevice:
    """The person's authenticator, set up with the published demo key (tenants.demo_totp; never in production:
    seed_demo refuses)."""
    device, _created = TOTPDevice.objects.update_or_create(
        user=user, name="Demo authenticator", defaults={"key": demo_key_hex(), "confirmed": True}
    )
    return device


def seed_people(employees: int = EMPLOYEES_PER_ORGANISATION) -> list[Organisation]:
    """Organisations, their HR manager, the coach who serves both, employees and platform staff."""
    password_hash = make_password(PASSWORD)
    platform = _person(PLATFORM[0], PLATFORM[1], PLATFORM[2], password_hash, is_staff=True)
    coach = _person(*COACH, password_hash)
    for person in (platform, coach):
        demo_device_ensure(person)
    organisations = []
    for spec in ORGANISATIONS:
        organisation = Organisation.objects.filter(slug=spec["slug"]).first()
        if organisation is None:
            organisation = organisation_create(
                name=spec["name"], slug=spec["slug"], default_language=spec["default_language"]
            )
        Organisation.objects.filter(pk=organisation.pk).update(
            accent_colour=spec["accent_colour"], support_contact=spec["support_contact"]
        )
        organisation.refresh_from_db()
        hr = _person(*spec["hr"], password_hash)
        membership_grant(user=hr, organisation=organisation, role=Role.HR_MANAGER)
        membership_grant(user=coach, organisation=organisation, role=Role.COACH)
        existing = set(
            Membership.objects.filter(organisation=organisation, role=Role.EMPLOYEE).values_list(
                "user__email", flat=True
            )
        )
        for number in range(1, employees + 1):
            email = f"{spec['employee_prefix']}{number}@{spec['domain']}"
            if email in existing:
                continue
            user = _person(
                email,
                FIRST_NAMES[(number - 1) % len(FIRST_NAMES)],
                LAST_NAMES[(number * 3) % len(LAST_NAMES)],
                password_hash,
            )
            Membership.objects.get_or_create(user=user, organisation=organisation, role=Role.EMPLOYEE)
        organisations.append(organisation)
    return organisations


# Each app's demo content: functions (organisation) -> None, run inside that organisation's schema, in
# this order. Each must be idempotent.
CONTENT_SEEDERS: list[str] = [
    "programmes.demo.seed",
    "programmes.demo.sessions.seed",
    "assessments.demo.seed",
    "assessments.demo.journal.seed",
    "assessments.demo.pulse.seed",
    "matching.demo.seed",
    "stakeholders.demo.seed",
    "sso.demo.seed",
]


def seed_content(organisation: Organisation) -> None:
    for path in CONTENT_SEEDERS:
        import_string(path)(organisation)


def public_host() -> str:
    return settings.PORTAL_DOMAIN

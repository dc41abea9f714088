"""Data the stack's tests need, made on the stack's database with the ORM (committed at once).

The people are the demo's (made by `seed_demo` in a production process, so their passwords use the
production hasher); programmes, enrolments and slots are made here, each test with its own.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.utils import timezone
from django_tenants.utils import schema_context, tenant_context

from programmes.availability.models import Slot
from programmes.availability.services import ADD, slots_offer
from programmes.models import Agreement, AgreementAcceptance, Cohort, Programme
from programmes.selectors.coach import places_of
from tenants.demo import COACH, PASSWORD
from tenants.models import Organisation, Role, User
from tests.world.agreement import agreed_for_booking
from tests.world.programmes import enrol

DEMO_PASSWORD = PASSWORD
COACH_EMAIL = COACH[0]
EMPLOYEE = {"acme": "employee{}@acme.example", "globex": "werknemer{}@globex.example"}
HR = {"acme": "hr@acme.example", "globex": "hr@globex.example"}
NAME = {"acme": "Acme Logistics", "globex": "Globex Zorg"}


def organisation(slug: str) -> Organisation:
    return Organisation.objects.get(slug=slug)


def user(email: str) -> User:
    with schema_context("public"):
        return User.objects.get(email=email)


def employee_email(slug: str, number: int) -> str:
    return EMPLOYEE[slug].format(number)


@dataclass
class Coaching:
    slug: str
    host: str
    employee: User
    coach: User
    enrolment_id: int


def coaching_ready(slug: str, employee_number: int, *, credits: int = 6) -> Coaching:
    """An active enrolment of demo employee `employee_number` with the demo coach, in a programme of its
    own, and the organisation's current coaching agreement accepted."""
    employee, coach = user(employee_email(slug, employee_number)), user(COACH_EMAIL)
    tag = uuid.uuid4().hex[:8]
    with tenant_context(organisation(slug)):
        today = timezone.localdate()
        programme = Programme.objects.create(
            name=f"Stack check {tag}",
            starts_on=today,
            ends_on=today + timedelta(days=90),
            status=Programme.Status.ACTIVE,
        )
        cohort = Cohort.objects.create(programme=programme, name=f"Cohort {tag}")
        enrolment = enrol(employee, cohort, coach=coach, credits=credits)
        current = Agreement.objects.order_by("-version").first()
        if current is not None:
            AgreementAcceptance.objects.get_or_create(agreement=current, user=employee)
        agreed_for_booking(employee)
    return Coaching(slug=slug, host=f"{slug}.localhost", employee=employee, coach=coach, enrolment_id=enrolment.pk)


def free_slot(coach: User, *, starts_at: datetime | None = None) -> Slot:
    """A free hour of the coach, offered to every organisation they serve, at a time nothing else of theirs
    uses."""
    with schema_context("public"):
        starts_at = starts_at or _free_hour(coach)
        slot = Slot.objects.create(
            coach=coach,
            starts_at=starts_at,
            ends_at=starts_at + timedelta(hours=1),
            video_url="https://meet.example.com/stack-check",
        )
        served = [place.organisation for place in places_of(user=coach, role=Role.COACH)]
        slots_offer(coach=coach, slot_ids=[slot.pk], organisations=served, allowed=served, how=ADD)
        return slot


def _free_hour(coach: User) -> datetime:
    """The first whole hour from a week ahead on (08:00 to 18:00) where the coach has nothing."""
    day = timezone.localdate() + timedelta(days=7)
    while True:
        for hour in range(8, 18):
            start = at(day, hour)
            if not Slot.objects.filter(
                coach=coach, starts_at__lt=start + timedelta(hours=1), ends_at__gt=start
            ).exists():
                return start
        day += timedelta(days=1)


def at(day: date, hour: int) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour)))

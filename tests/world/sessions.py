"""The sessions part of the test world, on top of the programmes part (tests/world/programmes.py); the
invariants it keeps are checked in tests/programmes/test_world_sessions.py.

In each organisation (keys in `org.people`):
  session_own    a coming 1:1 of `employee` with the organisation's coach (booked from slot_own_booked)
  session_group  a coming group session of cohort A (employee's cohort), led by the organisation's coach
  session_other  a coming 1:1 of `employee2` with the coach of both organisations
  session_past   a 1:1 of `employee` three days ago, attendance not yet recorded
  slot_free      a free slot of the organisation's coach, open to this organisation only
  slot_both      a free slot of the coach of both organisations, offered to both (the same row in both)
  urgent         a pending urgent request of `employee` to the organisation's coach
  feed, feed_id  the calendar feed of `employee`: its secret and id
Every session holds its coach's time as a slot and has spent its credit, as the services would do.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.utils import timezone
from django_tenants.utils import schema_context, tenant_context

from programmes.availability.models import CalendarFeed, Slot
from programmes.models import (
    Agreement,
    AgreementAcceptance,
    Attendance,
    CreditTransaction,
    Enrolment,
    Session,
    UrgentRequest,
)
from programmes.services.attendance_counts import attendance_counts_refresh
from tenants.models import Membership, Role
from tests.world.agreement import agreed_for_booking

_known: dict[str, dict] = {}
_shared: dict[str, int] = {}


def at(days: int, hour: int, minute: int = 0) -> datetime:
    """Today (local) plus `days`, at hour:minute local time."""
    day = timezone.localdate() + timedelta(days=days)
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


def offer_where_served(slot: Slot, only_for=None) -> Slot:
    """Offer `slot` to `only_for`, or to every organisation its coach serves (as the migration did for the
    slots that were open to all, and as a coach's default does)."""
    if not slot.is_offered:
        return slot
    if only_for is not None:
        slot.organisations.add(only_for)
    else:
        slot.organisations.add(
            *Membership.objects.filter(user_id=slot.coach_id, role=Role.COACH, is_active=True).values_list(
                "organisation_id", flat=True
            )
        )
    return slot


def _slot(coach, starts_at, *, organisation=None, booked_by=None, offered=True, only_for=None) -> Slot:
    slot = Slot.objects.create(
        coach=coach,
        starts_at=starts_at,
        ends_at=starts_at + timedelta(hours=1),
        is_offered=offered,
        video_url="https://meet.example.com/coach",
        booked_organisation=organisation,
        booked_by=booked_by,
        booked_at=timezone.now() if organisation else None,
    )
    return offer_where_served(slot, only_for)


def _session(org, *, kind, coach, starts_at, enrolment=None, cohort=None, booked_by=None, offered=True) -> Session:
    with schema_context("public"):
        slot = _slot(coach, starts_at, organisation=org.organisation, booked_by=booked_by, offered=offered)
    session = Session.objects.create(
        kind=kind,
        enrolment=enrolment,
        cohort=cohort,
        coach=coach,
        starts_at=starts_at,
        mode=Session.Mode.VIDEO,
        video_url="https://meet.example.com/coach",
        slot=slot,
        created_by=booked_by or coach,
    )
    if enrolment is not None:
        Attendance.objects.create(session=session, user_id=enrolment.employee_id)
        CreditTransaction.objects.create(
            enrolment=enrolment,
            session=session,
            delta=-1,
            reason=CreditTransaction.Reason.BOOKING,
            by=booked_by or coach,
        )
    else:
        Attendance.objects.bulk_create(
            Attendance(session=session, user_id=user_id)
            for user_id in Enrolment.objects.filter(cohort=cohort).values_list("employee_id", flat=True)
        )
    attendance_counts_refresh(session_ids=[session.pk])
    return session


def _build(org, world, offset: int) -> dict:
    enrolment = Enrolment.objects.get(pk=org.people["enrolment"])
    enrolment2 = Enrolment.objects.get(pk=org.people["enrolment2"])
    existing = Session.objects.filter(enrolment=enrolment, starts_at__gt=timezone.now()).first()
    if existing is None:
        _session(
            org,
            kind=Session.Kind.INDIVIDUAL,
            coach=org.coach,
            starts_at=at(20, 10),
            enrolment=enrolment,
            booked_by=org.employee,
        )
        _session(
            org, kind=Session.Kind.GROUP, coach=org.coach, starts_at=at(21, 14), cohort=enrolment.cohort, offered=False
        )
        _session(
            org,
            kind=Session.Kind.INDIVIDUAL,
            coach=world.coach_both,
            starts_at=at(20, 10 + offset),
            enrolment=enrolment2,
            booked_by=org.employee2,
        )
        _session(
            org,
            kind=Session.Kind.INDIVIDUAL,
            coach=org.coach,
            starts_at=at(-3, 10),
            enrolment=enrolment,
            booked_by=org.employee,
        )
        with schema_context("public"):
            _slot(org.coach, at(25, 9), only_for=org.organisation)
        UrgentRequest.objects.create(employee=org.employee, coach=org.coach, message="Can we talk today?")
        with schema_context("public"):
            CalendarFeed.objects.get_or_create(user=org.employee, revoked_at=None)
    sessions = Session.objects.order_by("starts_at")
    with schema_context("public"):
        slot_free = Slot.objects.get(
            coach=org.coach, is_offered=True, booked_organisation__isnull=True, starts_at=at(25, 9)
        ).pk
        feed = CalendarFeed.objects.filter(user=org.employee, revoked_at=None).values_list("pk", "secret")[0]
    return {
        "session_own": sessions.filter(enrolment=enrolment, starts_at__gt=timezone.now()).first().pk,
        "session_group": sessions.filter(kind=Session.Kind.GROUP, cohort=enrolment.cohort).first().pk,
        "session_other": sessions.filter(enrolment=enrolment2).first().pk,
        "session_past": sessions.filter(enrolment=enrolment, starts_at__lt=timezone.now()).first().pk,
        "slot_free": slot_free,
        "urgent": UrgentRequest.objects.filter(employee=org.employee, coach=org.coach).first().pk,
        "feed_id": feed[0],
        "feed": feed[1],
    }


def sessions_world(world) -> None:
    if "slot_both" not in _shared:
        with schema_context("public"):
            slot = Slot.objects.filter(coach=world.coach_both, starts_at=at(26, 9)).first()
            _shared["slot_both"] = (slot or _slot(world.coach_both, at(26, 9))).pk
    for offset, org in enumerate((world.acme, world.globex)):
        schema = org.organisation.schema_name
        if schema not in _known:
            with tenant_context(org.organisation):
                _known[schema] = _build(org, world, offset * 2)
        org.people.update(_known[schema], slot_both=_shared["slot_both"])


# --- helpers for the session tests ---------------------------------------------------------------


def accept_agreement(user) -> None:
    """`user` accepts the coaching agreement in force in the current schema (the default text if HR
        published none), as the agreement page would, and agrees the objectives of their open enrolments with
    their coach (booking waits for both)."""
    agreement = Agreement.objects.order_by("-version").first() or Agreement.objects.create(version=1, body="Text")
    AgreementAcceptance.objects.get_or_create(agreement=agreement, user=user)
    agreed_for_booking(user)


def free_slot(coach, starts_at, *, minutes: int = 60, only_for=None, mode: str = "video") -> Slot:
    """A free slot offered by `coach` (public schema, reachable from any organisation's schema) to
    `only_for`, or to every organisation the coach serves."""
    details = {
        "video": {"video_url": "https://meet.example.com/room"},
        "phone": {"dial_in": "+31 20 555 0100"},
        "in_person": {"location": "Room 4.12"},
    }[mode]
    slot = Slot.objects.create(
        coach=coach, starts_at=starts_at, ends_at=starts_at + timedelta(minutes=minutes), mode=mode, **details
    )
    return offer_where_served(slot, only_for)

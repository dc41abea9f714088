"""Data the load test needs on top of the demo, on the stack's database (run by scripts/load.sh).

Every demo employee of Acme and Globex gets an active enrolment with the demo coach and plenty of
credits, accepts the current coaching agreement and, with the coach, the enrolment's three-way agreement
(booking waits for both), and the coach offers a free half hour every half hour
from 08:00 to 20:00, every day of the six weeks employees can book ahead (offered to both organisations;
about a thousand, so that five minutes of 120 people booking do not run out of them) and has a past 1:1 with each employee whose
attendance is still to be marked. Idempotent: running it twice adds nothing.
"""

from __future__ import annotations

import os
from datetime import datetime, time, timedelta

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
django.setup()

from django.db import transaction  # noqa: E402
from django.utils import timezone  # noqa: E402
from django_tenants.utils import schema_context, tenant_context  # noqa: E402

from programmes.availability import services as availability  # noqa: E402
from programmes.availability.models import Slot  # noqa: E402
from programmes.models import (  # noqa: E402
    Agreement,
    AgreementAcceptance,
    Attendance,
    Cohort,
    Enrolment,
    EnrolmentAgreement,
    PartyAcceptance,
    Programme,
    Session,
)
from programmes.selectors.coach import places_of  # noqa: E402
from programmes.services.attendance_counts import attendance_counts_refresh  # noqa: E402
from tenants.demo import COACH  # noqa: E402
from tenants.models import Membership, Organisation, Role, User  # noqa: E402

PROGRAMME = "Load test programme"
CREDITS = 500
WEEKS = 6
SLOT_MINUTES = 30


def at(day, hour: int, minute: int = 0) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


def slots_offer(coach: User) -> int:
    """A free half hour every half hour from 08:00 to 20:00 of the coming weeks."""
    start = timezone.localdate() + timedelta(days=1)
    length = timedelta(minutes=SLOT_MINUTES)
    wanted = [
        at(start + timedelta(days=offset), hour, minute)
        for offset in range(7 * WEEKS)
        for hour in range(8, 20)
        for minute in range(0, 60, SLOT_MINUTES)
    ]
    # The coach's time is one resource: leave out every half hour that overlaps something already there.
    busy = list(Slot.objects.filter(coach=coach, ends_at__gt=wanted[0]).values_list("starts_at", "ends_at"))
    free = [moment for moment in wanted if not any(start < moment + length and end > moment for start, end in busy)]
    Slot.objects.bulk_create(
        [
            Slot(coach=coach, starts_at=moment, ends_at=moment + length, video_url="https://meet.example.com/load")
            for moment in free
        ]
    )
    # Offered to every organisation the coach serves, as the coach's default would (earlier runs' too).
    served = [place.organisation for place in places_of(user=coach, role=Role.COACH)]
    coming = list(
        Slot.objects.filter(coach=coach, is_offered=True, starts_at__gt=timezone.now()).values_list("pk", flat=True)
    )
    availability.slots_offer(coach=coach, slot_ids=coming, organisations=served, allowed=served, how=availability.ADD)
    return len(free)


def organisation_prepare(organisation: Organisation, coach: User) -> int:
    employees = list(
        User.objects.filter(
            memberships__organisation=organisation, memberships__role=Role.EMPLOYEE, memberships__is_active=True
        )
    )
    with tenant_context(organisation), transaction.atomic():
        today = timezone.localdate()
        programme, _ = Programme.objects.get_or_create(
            name=PROGRAMME,
            defaults={
                "starts_on": today - timedelta(days=30),
                "ends_on": today + timedelta(days=120),
                "status": Programme.Status.ACTIVE,
            },
        )
        cohort, _ = Cohort.objects.get_or_create(programme=programme, name="Load", defaults={"capacity": 1000})
        agreement = Agreement.objects.order_by("-version").first()
        made = 0
        for number, employee in enumerate(employees):
            enrolment, created = Enrolment.objects.get_or_create(
                programme=programme,
                employee=employee,
                defaults={
                    "cohort": cohort,
                    "coach": coach,
                    "status": Enrolment.Status.ACTIVE,
                    "credit_allowance": CREDITS,
                },
            )
            made += created
            if agreement is not None:
                AgreementAcceptance.objects.get_or_create(agreement=agreement, user=employee)
            agreed, _ = EnrolmentAgreement.objects.get_or_create(
                enrolment=enrolment,
                version=1,
                defaults={
                    "terms": agreement,
                    "objectives": "Lead the team's weekly planning with confidence.",
                    "proposed_by": coach,
                    "proposed_at": timezone.now(),
                },
            )
            for party, person in ((PartyAcceptance.Party.EMPLOYEE, employee), (PartyAcceptance.Party.COACH, coach)):
                PartyAcceptance.objects.get_or_create(
                    agreement=agreed, party=party, defaults={"user": person, "accepted_at": timezone.now()}
                )
            if created:
                starts_at = at(today - timedelta(days=1 + number % 5), 8 + number % 10)
                session = Session.objects.create(
                    kind=Session.Kind.INDIVIDUAL,
                    enrolment=enrolment,
                    coach=coach,
                    starts_at=starts_at,
                    mode=Session.Mode.VIDEO,
                    video_url="https://meet.example.com/load",
                )
                Attendance.objects.create(session=session, user=employee)
                attendance_counts_refresh(session_ids=[session.pk])
    return made


def main() -> None:
    with schema_context("public"):
        coach = User.objects.get(email=COACH[0])
        offered = slots_offer(coach)
        organisations = list(Organisation.objects.filter(slug__in=["acme", "globex"]))
        for organisation in organisations:
            Membership.objects.get_or_create(user=coach, organisation=organisation, role=Role.COACH)
    made = {organisation.slug: organisation_prepare(organisation, coach) for organisation in organisations}
    print(f"[load data] {offered} slots offered, enrolments made: {made}", flush=True)


if __name__ == "__main__":
    main()

"""The demo's sessions: the coach's free time over the coming two weeks for the first ten employees of
both organisations, past sessions with attendance and credits, coming sessions; idempotent."""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Q
from django.utils import timezone
from django_tenants.utils import tenant_context

from portal import policy
from programmes import demo as programmes_demo
from programmes.availability.models import Slot
from programmes.availability.selectors import free_slots
from programmes.demo import sessions as demo_sessions
from programmes.models import Attendance, CreditTransaction, Session, UrgentRequest
from programmes.services.attendance_counts import attendance_counts_mismatched
from tenants import demo
from tenants.models import User


def _seed_twice(organisations) -> None:
    for _round in range(2):
        for organisation in organisations:
            with tenant_context(organisation):
                programmes_demo.seed(organisation)
                demo_sessions.seed(organisation)


def test_the_demo_has_sessions_credits_and_bookable_time_in_both_organisations(db):
    organisations = demo.seed_people()
    _seed_twice(organisations)
    coach = User.objects.get(email=demo.COACH[0])
    coming = Slot.objects.filter(
        coach=coach,
        is_offered=True,
        booked_organisation__isnull=True,
        starts_at__gt=timezone.now(),
        starts_at__lt=timezone.now() + timedelta(days=15),
    )
    assert coming.count() >= 15  # weekday mornings for two weeks
    for organisation, spec in zip(organisations, demo.ORGANISATIONS):
        with tenant_context(organisation):
            for number in range(1, 11):
                employee = User.objects.get(email=f"{spec['employee_prefix']}{number}@{spec['domain']}")
                visible = free_slots(actor=policy.actor_for(employee, organisation), weeks=2)
                assert visible.count() >= 10, (organisation.slug, number)
            name = programmes_demo.CONTENT[organisation.default_language]["programme"]
            demo_sessions_here = Session.objects.filter(
                Q(cohort__programme__name=name) | Q(enrolment__programme__name=name)
            )
            past = demo_sessions_here.filter(starts_at__lt=timezone.now())
            assert past.filter(kind="group", status="completed").count() == 6  # three for each of two cohorts
            assert past.filter(kind="individual", status="completed").count() == 13
            assert past.filter(status="cancelled", late_cancellation=True).count() == 1
            assert Attendance.objects.filter(session__in=past, status="absent").exists()
            assert Attendance.objects.filter(session__in=past, status="excused").exists()
            coming_sessions = demo_sessions_here.filter(starts_at__gt=timezone.now(), status="scheduled")
            assert coming_sessions.filter(kind="group").count() == 2
            assert coming_sessions.filter(kind="individual", slot__is_offered=True).count() == 4
            assert CreditTransaction.objects.filter(session__in=demo_sessions_here, reason="booking").count() == 15 + 4
            assert attendance_counts_mismatched() == []  # every session keeps its attendance counted
    with tenant_context(organisations[0]):
        assert UrgentRequest.objects.filter(coach=coach, acknowledged_at__isnull=True).count() == 1

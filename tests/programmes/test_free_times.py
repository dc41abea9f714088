"""The free times the booking and move pages show (`availability.selectors.free_times`, read as rows) are
exactly the free slots the policy lets the employee book (`free_slots`, read as Slot instances), with the
same labels, and the same answer to whether more follow after the weeks shown."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from portal import policy
from programmes.availability.models import BusyTime, ExternalCalendar, Slot
from programmes.availability.selectors import BOOKING_WEEKS, free_slots, free_slots_by_day, free_times
from programmes.models import Cohort, Enrolment, Session
from tenants.models import Membership
from tenants.services import organisation_create
from tests.world.sessions import _session, accept_agreement, at, free_slot


def _taken(slot: Slot, organisation) -> Slot:
    Slot.objects.filter(pk=slot.pk).update(booked_organisation=organisation, booked_at=timezone.now())
    return slot


@pytest.fixture
def offered(world, in_tenant):
    """Free and unbookable times of the coach of both organisations and of Acme's own coach: some taken
    here or in Globex, offered to Globex or to a third organisation only, withdrawn, past, within the
    notice period, busy in the coach's own calendar, at the time of a session of the employee (a clash the
    booking refuses, not the list), freed by a cancelled session, and one after the first weeks."""
    both, acme, globex = world.coach_both, world.acme, world.globex
    for org in (acme, globex):
        with in_tenant(org):
            accept_agreement(org.employee2)
            accept_agreement(org.employee)
    with schema_context("public"):
        third = organisation_create(name="Third Ltd", slug="third-ltd")
        Membership.objects.create(user=both, organisation=third, role="coach")
    free_slot(both, at(2, 9))
    free_slot(both, at(2, 11), minutes=45, mode="phone")
    free_slot(both, at(3, 9), mode="in_person")
    free_slot(both, at(9, 14))
    free_slot(both, at(20, 9))
    _taken(free_slot(both, at(2, 13)), globex.organisation)
    _taken(free_slot(both, at(2, 15)), acme.organisation)
    free_slot(both, at(4, 9), only_for=globex.organisation)
    free_slot(both, at(4, 11), only_for=third)
    Slot.objects.filter(pk=free_slot(both, at(4, 13)).pk).update(is_offered=False)
    past = free_slot(both, at(2, 17))
    Slot.objects.filter(pk=past.pk).update(starts_at=at(-1, 9), ends_at=at(-1, 10))
    soon = timezone.now().replace(second=0, microsecond=0) + timedelta(hours=1)
    free_slot(both, soon)
    busy = free_slot(both, at(5, 9))
    calendar = ExternalCalendar.objects.create(coach=both, url="https://calendar.example/coach.ics")
    BusyTime.objects.create(
        calendar=calendar, coach=both, starts_at=busy.starts_at + timedelta(minutes=30), ends_at=at(5, 11)
    )
    clash = free_slot(both, at(6, 10))
    freed = free_slot(both, at(7, 9))
    free_slot(acme.coach, at(2, 10))
    _taken(free_slot(acme.coach, at(2, 14)), acme.organisation)
    with in_tenant(acme):
        enrolment = Enrolment.objects.get(pk=acme.people["enrolment2"])
        group = _session(
            acme, kind=Session.Kind.GROUP, coach=acme.coach, starts_at=clash.starts_at, cohort=enrolment.cohort
        )
        Session.objects.filter(pk=group.pk).update(cohort_id=enrolment.cohort_id)
        cancelled = Session.objects.create(
            kind=Session.Kind.INDIVIDUAL,
            enrolment=enrolment,
            coach=both,
            starts_at=freed.starts_at,
            status=Session.Status.CANCELLED,
            created_by=acme.employee2,
        )
        assert cancelled.slot_id is None
        # A full cohort: its capacity is no part of whose time is free.
        Cohort.objects.filter(pk=enrolment.cohort_id).update(capacity=1)
    return world


def _as_the_old_page_read_them(actor, *, coach_id=None, weeks=BOOKING_WEEKS):
    days = free_slots_by_day(actor=actor, coach_id=coach_id, weeks=weeks)
    later = (
        weeks < BOOKING_WEEKS
        and free_slots(actor=actor).filter(starts_at__gte=timezone.now() + timedelta(weeks=weeks)).exists()
    )
    return [
        (
            day.day,
            [
                (
                    slot.pk,
                    timezone.localtime(slot.starts_at),
                    slot.duration_minutes,
                    slot.mode,
                    slot.get_mode_display(),
                    slot.coach_id,
                    slot.coach.get_full_name(),
                )
                for slot in day.slots
            ],
        )
        for day in days
    ], later


def _as_read_now(actor, *, coach_id=None, weeks=BOOKING_WEEKS):
    times = free_times(actor=actor, coach_id=coach_id, weeks=weeks)
    return [
        (
            day.day,
            [
                (
                    time.pk,
                    time.starts_at,
                    time.duration_minutes,
                    time.mode,
                    time.get_mode_display(),
                    time.coach_id,
                    time.coach_name,
                )
                for time in day.slots
            ],
        )
        for day in times.days
    ], times.later


@pytest.mark.parametrize("weeks", [1, 2, 4, BOOKING_WEEKS])
@pytest.mark.parametrize(("org_key", "person"), [("acme", "employee2"), ("acme", "employee"), ("globex", "employee2")])
def test_the_free_times_are_those_the_free_slots_showed(offered, in_tenant, org_key, person, weeks):
    org = getattr(offered, org_key)
    with in_tenant(org):
        actor = policy.actor_for(getattr(org, person), org.organisation)
        old = _as_the_old_page_read_them(actor, weeks=weeks)
        assert _as_read_now(actor, weeks=weeks) == old
    assert old[0], "the fixture offers this employee free times"


def test_the_move_page_reads_the_same_free_times_of_the_sessions_coach(offered, in_tenant):
    acme = offered.acme
    with in_tenant(acme):
        actor = policy.actor_for(acme.employee2, acme.organisation)
        old = _as_the_old_page_read_them(actor, coach_id=offered.coach_both.pk)
        assert _as_read_now(actor, coach_id=offered.coach_both.pk) == old
    assert len([time for _day, times in old[0] for time in times]) >= 5


def test_what_the_employee_may_not_book_is_in_neither(offered, in_tenant):
    acme = offered.acme
    with in_tenant(acme):
        actor = policy.actor_for(acme.employee2, acme.organisation)
        shown = {time.pk for day in free_times(actor=actor).days for time in day.slots}
    unbookable = Slot.objects.filter(coach=offered.coach_both).exclude(
        is_offered=True, booked_organisation__isnull=True, starts_at__gt=timezone.now()
    )
    assert shown and not shown & set(unbookable.values_list("pk", flat=True))
    assert not shown & set(Slot.objects.filter(coach=acme.coach).values_list("pk", flat=True))
    elsewhere_only = Slot.objects.exclude(organisations=acme.organisation)
    assert not shown & set(elsewhere_only.values_list("pk", flat=True))


def test_a_coach_who_left_offers_no_free_times_there(offered, in_tenant):
    acme = offered.acme
    Membership.objects.filter(user=offered.coach_both, organisation=acme.organisation, role="coach").update(
        is_active=False
    )
    with in_tenant(acme):
        actor = policy.actor_for(acme.employee2, acme.organisation)
        assert _as_read_now(actor, weeks=2) == _as_the_old_page_read_them(actor, weeks=2) == ([], False)

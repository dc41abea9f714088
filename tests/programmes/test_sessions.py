"""Sessions: a coach schedules directly, sessions move and are cancelled with the notice rules, the
coach's time stays one resource across organisations, and everyone sees only their own sessions."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from programmes.availability.models import Slot
from programmes.availability.services import Meeting
from programmes.models import Attendance, CreditTransaction, Enrolment, Session
from programmes.services.booking import slot_book
from programmes.services.sessions import (
    SessionRefused,
    session_cancel,
    session_move,
    session_move_to_slot,
    session_schedule,
)
from tests.world import statements
from tests.world.sessions import accept_agreement, at, free_slot

VIDEO = Meeting(mode="video", video_url="https://meet.example.com/team")


def _enrolment(org, key="enrolment2") -> Enrolment:
    return Enrolment.objects.select_related("employee").get(pk=org.people[key])


def _schedule_one_to_one(org, actor, coach, starts_at, key="enrolment2") -> Session:
    return session_schedule(
        actor=actor(coach, org),
        kind="individual",
        starts_at=starts_at,
        duration_minutes=60,
        meeting=VIDEO,
        enrolment=_enrolment(org, key),
    )


# --- scheduling directly ----------------------------------------------------------------------------


def test_a_coach_schedules_a_group_session_for_their_cohort(world, actor, in_tenant):
    org = world.acme
    with in_tenant(org):
        cohort = _enrolment(org, "enrolment").cohort
        session = session_schedule(
            actor=actor(org.coach, org),
            kind="group",
            starts_at=at(12, 14),
            duration_minutes=90,
            meeting=Meeting(mode="in_person", location="Room 2"),
            cohort=cohort,
            title="Giving feedback",
        )
        assert (session.kind, session.cohort_id, session.duration_minutes, session.location) == (
            "group",
            cohort.pk,
            90,
            "Room 2",
        )
        expected = set(
            Enrolment.objects.filter(cohort=cohort, status__in=("invited", "active")).values_list(
                "employee_id", flat=True
            )
        )
        assert set(Attendance.objects.filter(session=session).values_list("user_id", flat=True)) == expected
    slot = Slot.objects.get(pk=session.slot_id)
    assert (slot.is_offered, slot.booked_organisation_id, slot.ends_at) == (False, org.organisation.pk, at(12, 15, 30))


def test_a_coach_scheduling_a_one_to_one_spends_a_credit(world, actor, in_tenant):
    org = world.acme
    with in_tenant(org):
        session = _schedule_one_to_one(org, actor, world.coach_both, at(12, 9))
        assert list(CreditTransaction.objects.filter(session=session).values_list("delta", flat=True)) == [-1]


def test_the_coach_cannot_be_in_two_organisations_at_once(world, actor, in_tenant):
    with in_tenant(world.acme):
        _schedule_one_to_one(world.acme, actor, world.coach_both, at(12, 9))
    with in_tenant(world.globex), pytest.raises(SessionRefused) as refused:
        _schedule_one_to_one(world.globex, actor, world.coach_both, at(12, 9, 30))
    assert refused.value.code == "time_taken"
    assert "You already have a session then" in refused.value.message
    with in_tenant(world.globex):
        assert not Session.objects.filter(starts_at=at(12, 9, 30)).exists()


def test_scheduling_over_free_time_withdraws_those_slots(world, actor, in_tenant):
    free = free_slot(world.coach_both, at(12, 10))
    later = free_slot(world.coach_both, at(12, 11))
    with in_tenant(world.globex):
        _schedule_one_to_one(world.globex, actor, world.coach_both, at(12, 10, 30))
    assert not Slot.objects.filter(pk__in=[free.pk, later.pk]).exists()


def test_scheduling_refuses_what_the_rules_do_not_allow(world, actor, in_tenant):
    org = world.acme
    with in_tenant(org):
        enrolment = _enrolment(org)
        with pytest.raises(ValidationError) as invalid:
            session_schedule(
                actor=actor(world.coach_both, org),
                kind="individual",
                starts_at=at(-1, 9),
                duration_minutes=25,
                meeting=Meeting(mode="phone"),
                enrolment=enrolment,
            )
        assert set(invalid.value.message_dict) == {"starts_at", "duration_minutes", "dial_in"}
        Enrolment.objects.filter(pk=enrolment.pk).update(credit_allowance=1)
        with pytest.raises(SessionRefused) as refused:
            _schedule_one_to_one(org, actor, world.coach_both, at(12, 9))
        assert refused.value.code == "no_credit"
        assert not Slot.objects.filter(coach=world.coach_both, starts_at=at(12, 9)).exists()


def test_the_scheduling_form_names_what_is_wrong(world, client_for):
    org = world.acme
    response = client_for(org.coach, org.host).post(
        "/sessions/new/",
        {
            "kind": "individual",
            "enrolment": org.people["enrolment"],
            "day": at(-2, 9).date().isoformat(),
            "start": "09:00",
            "duration_minutes": "60",
            "mode": "in_person",
        },
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "Choose a time in the future." in html and "Say where the session takes place." in html


def test_the_scheduling_form_offers_only_the_coachs_own_people_and_cohorts(world, client_for):
    org = world.acme
    html = client_for(world.coach_both, org.host).get("/sessions/new/").content.decode()
    assert f'value="{org.people["enrolment2"]}"' in html and f'value="{org.people["enrolment"]}"' not in html
    assert "Cohort B" in html and "Cohort A" not in html


def test_a_scheduled_session_is_planned_through_the_page(world, client_for, in_tenant):
    org = world.acme
    day = at(13, 9).date().isoformat()
    response = client_for(org.coach, org.host).post(
        "/sessions/new/",
        {
            "kind": "group",
            "cohort": org.people["cohort_a"],
            "day": day,
            "start": "15:00",
            "duration_minutes": "60",
            "mode": "video",
            "video_url": "meet.example.com/a",
        },
    )
    with in_tenant(org):
        session = Session.objects.get(starts_at=at(13, 15))
    assert response.status_code == 302 and response["Location"] == f"/sessions/{session.pk}/"
    assert session.video_url == "https://meet.example.com/a"


# --- moving -----------------------------------------------------------------------------------------


def _booked(world, org, actor, starts_at) -> Session:
    accept_agreement(org.employee2)
    return slot_book(actor=actor(org.employee2, org), slot_id=free_slot(world.coach_both, starts_at).pk)


def test_an_employee_moves_their_one_to_one_to_another_free_slot(world, actor, in_tenant):
    org = world.acme
    with in_tenant(org):
        session = _booked(world, org, actor, at(14, 9))
        old_slot = session.slot_id
        target = free_slot(world.coach_both, at(15, 11), mode="phone")
        moved = session_move_to_slot(actor=actor(org.employee2, org), session=session, slot=target)
        assert (moved.starts_at, moved.slot_id, moved.mode, moved.dial_in) == (
            at(15, 11),
            target.pk,
            "phone",
            "+31 20 555 0100",
        )
        assert CreditTransaction.objects.filter(session=session).count() == 1  # the credit moves along
    assert not Slot.objects.get(pk=old_slot).is_booked  # the old time is free for others again
    assert Slot.objects.get(pk=target.pk).booked_organisation_id == org.organisation.pk


def test_within_the_notice_period_an_employee_can_no_longer_move(world, actor, in_tenant):
    org = world.acme
    with in_tenant(org):
        session = _booked(world, org, actor, at(14, 9))
        Session.objects.filter(pk=session.pk).update(starts_at=timezone.now() + timedelta(hours=3))
        session.refresh_from_db()
        with pytest.raises(SessionRefused) as refused:
            session_move_to_slot(
                actor=actor(org.employee2, org), session=session, slot=free_slot(world.coach_both, at(15, 11))
            )
        assert refused.value.code == "within_notice"
        assert "can no longer be moved" in refused.value.message


def test_the_coach_moves_a_session_to_a_time_that_overlaps_its_old_one(world, actor, in_tenant):
    org = world.acme
    with in_tenant(org):
        session = _schedule_one_to_one(org, actor, world.coach_both, at(16, 10))
        moved = session_move(
            actor=actor(world.coach_both, org),
            session=session,
            starts_at=at(16, 10, 30),
            duration_minutes=60,
            meeting=Meeting(mode="phone", dial_in="I will call you"),
        )
        assert (moved.starts_at, moved.mode, moved.dial_in, moved.video_url) == (
            at(16, 10, 30),
            "phone",
            "I will call you",
            "",
        )
    slot = Slot.objects.get(pk=moved.slot_id)
    assert (slot.starts_at, slot.ends_at) == (at(16, 10, 30), at(16, 11, 30))


def test_moving_onto_time_taken_in_another_organisation_changes_nothing(world, actor, in_tenant):
    with in_tenant(world.globex):
        _schedule_one_to_one(world.globex, actor, world.coach_both, at(17, 14))
    with in_tenant(world.acme):
        session = _schedule_one_to_one(world.acme, actor, world.coach_both, at(17, 9))
        with pytest.raises(SessionRefused):
            session_move(
                actor=actor(world.coach_both, world.acme),
                session=session,
                starts_at=at(17, 14),
                duration_minutes=60,
                meeting=VIDEO,
            )
        session.refresh_from_db()
        assert session.starts_at == at(17, 9) and session.slot_id is not None
    assert Slot.objects.get(pk=session.slot_id).starts_at == at(17, 9)


def test_an_employee_cannot_move_a_group_session_or_pick_any_time(world, actor, in_tenant):
    org = world.acme
    with in_tenant(org):
        group = Session.objects.get(pk=org.people["session_group"])
        with pytest.raises(SessionRefused) as refused:
            session_move(
                actor=actor(org.employee, org), session=group, starts_at=at(30, 9), duration_minutes=60, meeting=VIDEO
            )
        assert refused.value.code == "not_allowed"


# --- cancelling -------------------------------------------------------------------------------------


def test_cancelling_frees_the_coachs_time(world, actor, in_tenant):
    org = world.acme
    with in_tenant(org):
        booked = _booked(world, org, actor, at(18, 9))
        offered = booked.slot_id
        scheduled = _schedule_one_to_one(org, actor, world.coach_both, at(18, 11))
        held = scheduled.slot_id
        session_cancel(actor=actor(org.employee2, org), session=booked)
        session_cancel(actor=actor(world.coach_both, org), session=scheduled)
        assert Session.objects.filter(pk__in=[booked.pk, scheduled.pk], slot__isnull=True).count() == 2
    assert not Slot.objects.get(pk=offered).is_booked  # offered time is bookable again
    assert not Slot.objects.filter(pk=held).exists()  # time held for a planned session is given back


def test_an_employee_cannot_cancel_a_group_session_or_a_started_one(world, actor, in_tenant):
    org = world.acme
    with in_tenant(org):
        with pytest.raises(SessionRefused) as refused:
            session_cancel(actor=actor(org.employee, org), session=Session.objects.get(pk=org.people["session_group"]))
        assert refused.value.code == "not_allowed"
        with pytest.raises(SessionRefused) as refused:
            session_cancel(actor=actor(org.employee, org), session=Session.objects.get(pk=org.people["session_past"]))
        assert refused.value.code == "started"


def test_the_cancel_button_warns_of_a_late_cancellation(world, client_for, in_tenant):
    org = world.acme
    with in_tenant(org):
        Session.objects.filter(pk=org.people["session_own"]).update(starts_at=timezone.now() + timedelta(hours=2))
    client = client_for(org.employee, org.host)
    html = client.get(f"/sessions/{org.people['session_own']}/").content.decode()
    assert "the credit is not given back" in html
    response = client.post(f"/sessions/{org.people['session_own']}/cancel/", follow=True)
    assert "so the credit is not given back" in response.content.decode()


def test_the_api_refuses_a_second_cancellation_with_409(world, client_for):
    org = world.acme
    client = client_for(org.employee, org.host)
    url = f"/api/v1/sessions/{org.people['session_own']}/cancel/"
    assert client.post(url).json()["status"] == "cancelled"
    second = client.post(url)
    assert second.status_code == 409 and second.json() == {
        "detail": "This session is already cancelled.",
        "code": "not_scheduled",
    }


# --- who sees what ----------------------------------------------------------------------------------


def test_each_person_sees_only_their_own_sessions(world, client_for):
    org = world.acme
    own, group, other = org.people["session_own"], org.people["session_group"], org.people["session_other"]

    def listed(user) -> set[int]:
        rows = client_for(user, org.host).get("/api/v1/sessions/").json()["results"]
        return {row["id"] for row in rows}

    assert {own, group} <= listed(org.employee) and other not in listed(org.employee)
    assert other in listed(org.employee2) and own not in listed(org.employee2)
    assert {own, group} <= listed(org.coach) and other not in listed(org.coach)
    assert other in listed(world.coach_both) and own not in listed(world.coach_both)
    assert {own, group, other} <= listed(org.hr)


def test_another_organisations_session_is_not_found(world, client_for):
    client = client_for(world.acme.hr, world.acme.host)
    assert client.get(f"/sessions/{world.globex.people['session_own'] + 1000}/").status_code == 404
    assert client.get(f"/api/v1/sessions/{world.globex.people['session_own'] + 1000}/").status_code == 404


def test_a_group_participant_sees_only_their_own_attendance(world, client_for, in_tenant):
    org = world.acme
    with in_tenant(org):
        group = Session.objects.get(pk=org.people["session_group"])
        Attendance.objects.get_or_create(session=group, user=org.employee2)
    rows = client_for(org.employee, org.host).get(f"/api/v1/sessions/{group.pk}/attendance/").json()
    assert [row["user"] for row in rows] == [org.employee.pk]


# --- pages ------------------------------------------------------------------------------------------


def test_the_session_page_shows_how_to_join(world, client_for):
    org = world.acme
    html = client_for(org.employee, org.host).get(f"/sessions/{org.people['session_own']}/").content.decode()
    assert "Join the video call" in html and "https://meet.example.com/coach" in html
    assert "Cancel this session" in html and "Move to another time" in html


def test_the_session_ics_is_a_calendar_event(world, client_for):
    org = world.acme
    response = client_for(org.employee, org.host).get(f"/sessions/{org.people['session_own']}/calendar.ics")
    body = response.content.decode()
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert "BEGIN:VEVENT" in body and "DTSTART" in body and "https://meet.example.com/coach" in body
    assert f"session-{org.people['session_own']}-acme@" in body


def test_the_sessions_page_costs_the_same_however_many_sessions(
    world, client_for, in_tenant, actor, django_assert_num_queries
):
    org = world.acme
    client = client_for(org.coach, org.host)
    client.get("/sessions/")

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            client.get("/sessions/")
        return len(queries)

    before = count()
    with in_tenant(org):
        for day in range(3, 10):
            session_schedule(
                actor=actor(org.coach, org),
                kind="group",
                starts_at=at(day, 8),
                duration_minutes=60,
                meeting=VIDEO,
                cohort=_enrolment(org, "enrolment").cohort,
            )
    assert count() == before
    with django_assert_num_queries(statements(8)):
        # 1 the organisation of this host; 2-4 session, user and roles here; 5 how many coming sessions
        # (the paginator), 6 this page of them with coach, cohort and employee, 7 the coach's own
        # attendance rows on them, 8 the coach's sessions whose attendance is still to record
        client.get("/sessions/")

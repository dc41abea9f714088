"""After a session the coach records who was there; it completes the session and feeds credits."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from programmes.models import Attendance, Enrolment, Session
from programmes.services.attendance import attendance_mark
from programmes.services.sessions import SessionRefused


def _past_group(org) -> Session:
    session = Session.objects.get(pk=org.people["session_group"])
    Session.objects.filter(pk=session.pk).update(starts_at=timezone.now() - timedelta(days=1))
    session.refresh_from_db()
    return session


def test_the_coach_records_the_attendance_of_a_group_session(world, actor, in_tenant):
    org = world.acme
    with in_tenant(org):
        session = _past_group(org)
        members = list(Enrolment.objects.filter(cohort=session.cohort).values_list("employee_id", flat=True))
        marks = {members[0]: "present"} | dict.fromkeys(members[1:], "excused")
        attendance_mark(actor=actor(org.coach, org), session=session, marks=marks)
        session.refresh_from_db()
        assert session.status == "completed"
        rows = dict(Attendance.objects.filter(session=session).values_list("user_id", "status"))
        assert rows == marks
        assert Attendance.objects.filter(session=session, marked_by=org.coach).count() == len(members)


def test_attendance_waits_for_the_start(world, actor, in_tenant):
    org = world.acme
    with in_tenant(org):
        session = Session.objects.get(pk=org.people["session_group"])
        with pytest.raises(SessionRefused) as refused:
            attendance_mark(actor=actor(org.coach, org), session=session, marks={org.employee.pk: "present"})
        assert refused.value.code == "not_started"


def test_only_the_sessions_coach_records_attendance(world, actor, in_tenant):
    org = world.acme
    with in_tenant(org):
        session = Session.objects.get(pk=org.people["session_past"])
        for someone in (org.hr, org.employee):
            with pytest.raises(SessionRefused):
                attendance_mark(actor=actor(someone, org), session=session, marks={org.employee.pk: "present"})


def test_only_participants_and_known_marks_are_accepted(world, actor, in_tenant):
    org = world.acme
    with in_tenant(org):
        session = Session.objects.get(pk=org.people["session_past"])
        with pytest.raises(ValidationError, match="Only participants"):
            attendance_mark(actor=actor(org.coach, org), session=session, marks={org.employee2.pk: "present"})
        with pytest.raises(ValidationError, match="present, absent or excused"):
            attendance_mark(actor=actor(org.coach, org), session=session, marks={org.employee.pk: "late"})
        assert Session.objects.get(pk=session.pk).status == "scheduled"


def test_the_attendance_page_lists_the_participants_and_saves(world, client_for, in_tenant):
    org = world.acme
    client = client_for(org.coach, org.host)
    url = f"/sessions/{org.people['session_past']}/attendance/"
    page = client.get(url).content.decode()
    assert f'name="user_{org.employee.pk}"' in page and "Who was there?" in page
    response = client.post(url, {f"user_{org.employee.pk}": "absent"})
    assert response.status_code == 302
    with in_tenant(org):
        assert Attendance.objects.get(session_id=org.people["session_past"], user=org.employee).status == "absent"


def test_the_attendance_page_says_what_is_missing(world, client_for):
    org = world.acme
    response = client_for(org.coach, org.host).post(f"/sessions/{org.people['session_past']}/attendance/", {})
    assert response.status_code == 200 and "Mark at least one participant." in response.content.decode()


def test_the_employee_sees_their_attendance_in_their_list(world, actor, client_for, in_tenant):
    org = world.acme
    with in_tenant(org):
        attendance_mark(
            actor=actor(org.coach, org),
            session=Session.objects.get(pk=org.people["session_past"]),
            marks={org.employee.pk: "present"},
        )
    html = client_for(org.employee, org.host).get("/sessions/?show=past").content.decode()
    assert 'badge--ok">Present<' in html

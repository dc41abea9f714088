"""The employee's home: next session, credits left, programme progress and what to do next; and the
coach's sessions in this organisation. Each panel costs the same however much data there is."""

from __future__ import annotations

from datetime import timedelta

from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from portal.homes import panel_alone
from programmes.availability.services import Meeting
from programmes.homes.sessions import coach_sessions_panel, employee_sessions_panel
from programmes.models import Enrolment, Phase, Session
from programmes.services.sessions import session_schedule
from tests.programmes.queries import data_queries
from tests.world.sessions import accept_agreement, at


def _request(actor):
    request = RequestFactory().get("/", HTTP_HOST="acme.localhost")
    request.actor, request.user = actor, actor.user
    return request


def test_the_employee_sees_the_next_session_credits_and_progress(world, client_for, in_tenant):
    org = world.acme
    with in_tenant(org):
        accept_agreement(org.employee)
    html = client_for(org.employee, org.host).get("/").content.decode()
    assert "What to do next" in html and "Your next session:" in html
    assert f"/sessions/{org.people['session_own']}/" in html
    assert "Leadership in practice" in html and "<progress" in html
    assert "Credits left" in html


def test_the_programme_names_the_phase_it_is_in_today(world, client_for, in_tenant):
    org = world.acme
    today = timezone.localdate()
    with in_tenant(org):
        phases = Phase.objects.filter(programme_id=org.people["programme"]).order_by("position")
        first, second, third = phases[:3]
        Phase.objects.filter(pk=first.pk).update(
            starts_on=today - timedelta(days=30), ends_on=today - timedelta(days=1)
        )
        Phase.objects.filter(pk=second.pk).update(starts_on=today - timedelta(days=1), ends_on=None)
        Phase.objects.filter(pk=third.pk).update(starts_on=today + timedelta(days=1))
    html = client_for(org.employee, org.host).get("/").content.decode()
    assert f"Now: {second.name}" in html and first.name not in html
    with in_tenant(org):
        Phase.objects.filter(pk=second.pk).update(ends_on=today - timedelta(days=1))
    html = client_for(org.employee, org.host).get("/").content.decode()
    assert "Now: " not in html  # ended, and the next has not begun


def test_with_no_one_to_one_planned_the_next_step_is_booking(world, client_for, in_tenant):
    org = world.acme
    with in_tenant(org):
        accept_agreement(org.employee)

        Session.objects.filter(pk=org.people["session_own"]).update(status="cancelled", slot=None)
    html = client_for(org.employee, org.host).get("/").content.decode()
    assert "Book your next 1:1 with your coach" in html and 'href="/book/"' in html


def test_before_the_agreement_the_next_step_says_so(world, client_for, in_tenant):
    org = world.acme
    with in_tenant(org):
        Session.objects.filter(pk=org.people["session_own"]).update(status="cancelled", slot=None)
    html = client_for(org.employee, org.host).get("/").content.decode()
    assert "You can book as soon as you have accepted the coaching agreement." in html


def test_the_employee_panel_costs_the_same_however_many_sessions(world, actor, in_tenant):
    org = world.acme
    request = _request(actor(org.employee, org))
    with in_tenant(org):
        with CaptureQueriesContext(connection) as before:
            panel_alone(request, employee_sessions_panel)
        cohort = Enrolment.objects.get(pk=org.people["enrolment"]).cohort
        for day in range(2, 9):
            session_schedule(
                actor=actor(org.coach, org),
                kind="group",
                starts_at=at(day, 7),
                duration_minutes=60,
                meeting=Meeting(mode="video", video_url="https://meet.example.com/g"),
                cohort=cohort,
            )
        again = _request(actor(org.employee, org))  # a new page view
        with CaptureQueriesContext(connection) as after:
            panel = panel_alone(again, employee_sessions_panel)
    # One round trip: the open enrolments with credits, current phase and the agreement's acceptance, the
    # next sessions, the attendance counts and the people sponsored (kept statements, prepared once).
    assert len(data_queries(before)) == len(data_queries(after)) == 1
    assert panel["next_session"].starts_at == at(2, 7)


def test_the_coach_sees_what_to_record_and_what_is_coming_here(world, actor, in_tenant, client_for):
    org = world.acme
    html = client_for(org.coach, org.host).get("/").content.decode()
    assert "Your sessions here" in html and "Attendance to record" in html
    assert f"/sessions/{org.people['session_past']}/attendance/" in html
    assert "http://localhost/coach/" in html
    request = _request(actor(org.coach, org))
    with in_tenant(org), CaptureQueriesContext(connection) as queries:
        coach_sessions_panel(request)
    # sessions to record, coming sessions, urgent requests waiting
    assert len(data_queries(queries)) == 3


def test_someone_not_enrolled_gets_no_sessions_panel(world, actor, in_tenant):
    org = world.acme
    with in_tenant(org):
        Enrolment.objects.filter(employee=org.employee).update(status="withdrawn")
        assert panel_alone(_request(actor(org.employee, org)), employee_sessions_panel) is None

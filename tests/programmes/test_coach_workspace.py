"""The coach's workspace on the public host: one list of coming sessions across every organisation they
coach for (each marked with its organisation), urgent requests waiting, hours delivered per organisation
per month; at most two statements per organisation, however many sessions."""

from __future__ import annotations

from datetime import timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from programmes.availability.services import Meeting
from programmes.models import Attendance, Enrolment, Session
from programmes.selectors.coach import _organisation_parts, one_statement, places_of
from programmes.services.sessions import session_schedule
from tenants.services import membership_grant, organisation_create
from tests.world import statements
from tests.world.sessions import at

VIDEO = Meeting(mode="video", video_url="https://meet.example.com/w")


def _statements(client, url="/coach/") -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_one_list_of_coming_sessions_across_organisations(world, client_for):
    html = client_for(world.coach_both, "localhost").get("/coach/?weeks=8").content.decode()
    assert "Acme Logistics" in html and "Globex Zorg" in html
    acme_row = html.index(f"/go/acme/?next=/sessions/{world.acme.people['session_other']}/")
    globex_row = html.index(f"/go/globex/?next=/sessions/{world.globex.people['session_other']}/")
    assert acme_row < globex_row  # the same day, 10:00 in Acme before 12:00 in Globex
    assert "1:1 with Erik Acme" in html and "1:1 with Erik Globex" in html


def test_only_the_coachs_own_sessions_are_listed(world, client_for):
    html = client_for(world.acme.coach, "localhost").get("/coach/?weeks=8").content.decode()
    assert f"/go/acme/?next=/sessions/{world.acme.people['session_own']}/" in html
    assert "Globex Zorg" not in html  # the organisation's own coach coaches only there
    assert f"/sessions/{world.acme.people['session_other']}/" not in html


def test_the_hours_delivered_per_organisation_per_month(world, client_for, in_tenant):
    org = world.acme
    month_start = timezone.localdate().replace(day=1)
    with in_tenant(org):
        past = Session.objects.get(pk=org.people["session_past"])
        Session.objects.filter(pk=past.pk).update(
            coach=world.coach_both, duration_minutes=90, starts_at=timezone.now() - timedelta(hours=3)
        )
        Session.objects.create(
            kind="individual",
            enrolment_id=org.people["enrolment2"],
            coach=world.coach_both,
            starts_at=timezone.now() - timedelta(hours=6),
            status="cancelled",
        )
        held = [
            session
            for session in Session.objects.filter(coach=world.coach_both).exclude(status="cancelled")
            if session.ends_at <= timezone.now() and timezone.localdate(session.starts_at) >= month_start
        ]
    lines = client_for(world.coach_both, "localhost").get("/coach/hours.csv").content.decode().strip().splitlines()
    cells = dict(zip(lines[0].split(","), next(line for line in lines if line.startswith("Acme")).split(",")))
    assert float(cells[month_start.strftime("%Y-%m")]) == round(sum(s.duration_minutes for s in held) / 60, 2)
    assert sum(s.duration_minutes for s in held) >= 90  # the moved session counts, the cancelled one not


def test_a_workspace_for_someone_who_coaches_nowhere_explains_itself(world, client_for):
    html = client_for(world.acme.employee, "localhost").get("/coach/").content.decode()
    assert "This workspace is for coaches" in html
    assert "Erik" not in html


def test_the_week_filter_swaps_only_the_list(world, client_for):
    response = client_for(world.coach_both, "localhost").get(
        "/coach/?weeks=4", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="coach-upcoming"
    )
    html = response.content.decode()
    assert "<html" not in html and "coach-day" in html


def test_at_most_two_statements_per_organisation_however_many_sessions(
    world, client_for, in_tenant, actor, django_assert_num_queries
):
    client = client_for(world.coach_both, "localhost")
    client.get("/coach/")
    with django_assert_num_queries(statements(4 + 2, schemas=2 + 2)):
        # 1 the public host's organisation, 2 the session, 3 the user, 4 the coach's memberships with their
        # organisations; then per organisation (two here) SET search_path and ONE statement returning
        # the coming sessions, the hours per month and the urgent requests waiting
        client.get("/coach/")
    with in_tenant(world.acme):
        cohort = Enrolment.objects.get(pk=world.acme.people["enrolment2"]).cohort
        for day in range(2, 12):
            session = session_schedule(
                actor=actor(world.coach_both, world.acme),
                kind="group",
                starts_at=at(day, 7),
                duration_minutes=30,
                meeting=VIDEO,
                cohort=cohort,
            )
            Attendance.objects.bulk_create(
                [Attendance(session=session, user=world.acme.employee)], ignore_conflicts=True
            )
    assert _statements(client, "/coach/?weeks=2") == statements(4 + 2, schemas=2 + 2)


def test_each_further_organisation_costs_two_statements(world, client_for):
    client = client_for(world.coach_both, "localhost")
    client.get("/coach/")
    two = _statements(client)
    third = organisation_create(name="Initech Care", slug="initech-care")
    membership_grant(user=world.coach_both, organisation=third, role="coach")
    assert _statements(client) == two + 2


def test_the_workspace_statement_reads_the_same_in_every_organisation(world, in_tenant):
    """The workspace builds its statement once per set of roles and runs it in every organisation: that
    holds only while the policy's rules for these models do not depend on the organisation."""

    now = timezone.now()
    statements = []
    for place in places_of(user=world.coach_both, role="coach"):
        with in_tenant(place.organisation):
            parts = _organisation_parts(
                place.actor(world.coach_both), now=now, until=now + timedelta(weeks=2), since=now - timedelta(days=90)
            )
            statements.append(one_statement(**parts))
    assert len(statements) == 2 and statements[0] == statements[1]

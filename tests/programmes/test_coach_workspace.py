"""The coach's workspace on the public host: one list of coming sessions across every organisation they
coach for (each marked with its organisation), urgent requests waiting, hours delivered per organisation
per month; one statement per organisation, however many sessions, all sent in one round trip."""

from __future__ import annotations

from datetime import timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from programmes.availability.services import Meeting
from programmes.models import Attendance, Cohort, Enrolment, Programme, Session
from programmes.selectors.coach import _organisation_parts, one_statement, places_of
from programmes.services.sessions import session_schedule
from tenants.models import User
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


def test_one_round_trip_for_every_organisation_however_many_sessions(
    world, client_for, in_tenant, actor, django_assert_num_queries
):
    client = client_for(world.coach_both, "localhost")
    client.get("/coach/")
    with django_assert_num_queries(statements(4 + 1)):
        # 1 the public host's organisation, 2 the session, 3 the user, 4 the coach's memberships with their
        # organisations; then ONE round trip: per organisation (two here) SET search_path and one prepared
        # statement returning the coming sessions, the hours per month and the urgent requests waiting (the
        # statement was built on the first view, in an organisation's context, and is kept for the next)
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
    assert _statements(client, "/coach/?weeks=2") == statements(4 + 1)


def test_a_further_organisation_costs_no_further_round_trip(world, client_for, in_tenant):
    client = client_for(world.coach_both, "localhost")
    client.get("/coach/")
    two = _statements(client)
    third = organisation_create(name="Initech Care", slug="initech-care")
    membership_grant(user=world.coach_both, organisation=third, role="coach")
    employee = User.objects.create(email="third@initech.example", first_name="Third", last_name="Person")
    membership_grant(user=employee, organisation=third, role="employee")
    with in_tenant(third):
        today = timezone.localdate()
        programme = Programme.objects.create(
            name="Initech coaching", starts_on=today, ends_on=today + timedelta(days=90), status="active"
        )
        cohort = Cohort.objects.create(programme=programme, name="Initech cohort", capacity=5)
        enrolment = Enrolment.objects.create(
            programme=programme,
            cohort=cohort,
            employee=employee,
            coach=world.coach_both,
            status="active",
            credit_allowance=5,
        )
        Session.objects.create(
            kind="individual", enrolment=enrolment, coach=world.coach_both, starts_at=at(3, 9), status="scheduled"
        )

    html = client.get("/coach/?weeks=8").content.decode()

    assert _statements(client) == two
    # each organisation's statement ran in its own schema
    assert "Initech Care" in html and "1:1 with Third Person" in html and "1:1 with Erik Globex" in html
    assert "Initech Care" in html and "1:1 with Third Person" in html


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

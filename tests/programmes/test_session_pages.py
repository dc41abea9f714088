"""What each session page costs: a fixed number of statements, however many participants, sessions or
organisations. django-tenants' SET search_path is counted too, once per schema a request turns to
(tests.world.statements). Every page starts with the same four reads: the organisation of the host, the
session, the user and the roles here (none on the public host, which has no roles)."""

from __future__ import annotations

import pytest
from django.contrib.auth.hashers import make_password
from django.db import connection
from django.test.utils import CaptureQueriesContext

from programmes.models import Attendance, Enrolment, Session
from tenants.models import Membership, User
from tests.world import statements

START = 4  # host organisation, session, user, roles


def _count(client, url: str) -> int:
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def _crowd(org, in_tenant, size: int = 12) -> None:
    """`size` more people in cohort A (the group session's cohort), half of them already marked."""
    password = make_password(None)
    users = User.objects.bulk_create(
        User(email=f"crowd{number}@{org.organisation.slug}.test", password=password) for number in range(size)
    )
    Membership.objects.bulk_create(
        Membership(user=user, organisation=org.organisation, role="employee") for user in users
    )
    with in_tenant(org):
        cohort_a = Enrolment.objects.get(pk=org.people["enrolment"]).cohort
        Enrolment.objects.bulk_create(
            Enrolment(
                programme_id=org.people["programme"],
                cohort=cohort_a,
                employee=user,
                status="active",
                credit_allowance=6,
            )
            for user in users
        )
        Attendance.objects.bulk_create(
            Attendance(session_id=org.people["session_group"], user=user) for user in users[: size // 2]
        )


@pytest.mark.parametrize(
    "who, key, extra",
    [
        ("employee", "session_own", 2),  # the session with its people; the employee's own attendance
        ("coach", "session_own", 3),  # the session; does this coach coach it; the attendance sheet
        ("hr", "session_group", 3),  # the session; the attendance rows; who is expected from the cohort
    ],
)
def test_the_session_page(world, client_for, in_tenant, who, key, extra):
    org = world.acme
    client = client_for(getattr(org, who), org.host)
    url = f"/sessions/{org.people[key]}/"
    before = _count(client, url)
    _crowd(org, in_tenant)
    assert _count(client, url) == before == statements(START + extra)


def test_the_attendance_page(world, client_for, in_tenant):
    org = world.acme
    with in_tenant(org):
        Session.objects.filter(pk=org.people["session_group"]).update(
            starts_at=Session.objects.get(pk=org.people["session_past"]).starts_at
        )
    client = client_for(org.coach, org.host)
    url = f"/sessions/{org.people['session_group']}/attendance/"
    before = _count(client, url)
    _crowd(org, in_tenant)
    # the session; its attendance rows; who is expected from the cohort, with their names
    assert _count(client, url) == before == statements(START + 3)


@pytest.mark.parametrize(
    "who, url, extra",
    [
        ("coach", "/sessions/new/", 2),  # the coach's open enrolments, the cohorts they coach
        ("employee", "/sessions/{session_own}/move/", 2),  # the session; the coach's free slots
        ("coach", "/sessions/{session_own}/move/", 2),  # the session; does this coach coach it
        ("employee", "/sessions/{session_own}/calendar.ics", 2),  # the session; the organisation's address
        ("employee", "/urgent/", 1),  # the employee's coach
        ("employee", "/calendar/", 1),  # the live feed address
    ],
)
def test_the_other_organisation_pages(world, client_for, who, url, extra):
    org = world.acme
    client = client_for(getattr(org, who), org.host)
    assert _count(client, url.format(**org.people)) == statements(START + extra)


def test_the_public_host_pages(world, client_for):
    client = client_for(world.coach_both, "localhost")
    # host organisation, session, user (no roles on the public host), then the live feed address
    assert _count(client, "/calendar/") == statements(3 + 1)
    # ... the coach's memberships, then one round trip holding a statement for each of the two organisations
    # (each after its own search path; the statement was built, in an organisation's schema, by the first
    # request and is kept for the person and their roles)
    assert _count(client, "/coach/hours.csv") == statements(3 + 1 + 1, schemas=2)

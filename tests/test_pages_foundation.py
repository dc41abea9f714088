"""Query counts of the foundation's pages, pinned: the same however many people and organisations.

django-tenants sets the search path once per schema a request turns to, hence statements(n). A signed-in request on
an organisation host always starts with four: 1 domain → organisation, 2 session, 3 user, 4 roles here
(MembershipMiddleware); on the public host with three (no roles there); a signed-out one with the first.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from tenants.models import Invitation, Membership, Role, User
from tenants.services import membership_grant, organisation_create
from tests.world import statements

ORGANISATION_REQUEST = 4
PUBLIC_REQUEST = 3
SIGNED_OUT = 1
MORE_PEOPLE = 40


def more_people(world) -> str:
    """Forty more employees in Acme, and a few more HR managers and coaches: more rows on every list."""
    users = User.objects.bulk_create(
        [
            User(email=f"extra{number}@acme.test", first_name="Extra", last_name=f"Person {number:02d}")
            for number in range(MORE_PEOPLE)
        ]
    )
    roles = [Role.HR_MANAGER, Role.COACH] + [Role.EMPLOYEE] * (MORE_PEOPLE - 2)
    Membership.objects.bulk_create(
        [Membership(user=user, organisation=world.acme.organisation, role=role) for user, role in zip(users, roles)]
    )
    Invitation.objects.bulk_create(
        [
            Invitation(  # and people invited who have not answered yet
                email=f"invited{number}@elsewhere.test",
                first_name="In",
                last_name=f"Vited {number}",
                organisation=world.acme.organisation,
                role=Role.EMPLOYEE,
                expires_at=timezone.now() + timedelta(days=7),
            )
            for number in range(10)
        ]
    )
    return users[-1].email


def more_organisations(world) -> str:
    """Two more organisations, which the coach who serves both also serves (and which staff see)."""
    for name, slug in (("Initech", "initech"), ("Umbrella Care", "umbrella")):
        organisation = organisation_create(name=name, slug=slug, acting_user=world.staff)
        membership_grant(user=world.coach_both, organisation=organisation, role=Role.COACH)
        for person in (world.outsider, world.coach_both):  # each invited there as an employee too
            Invitation.objects.create(
                email=person.email,
                organisation=organisation,
                role=Role.EMPLOYEE,
                expires_at=timezone.now() + timedelta(days=7),
            )
    return "Umbrella Care"


def assert_fixed_queries(client, path: str, queries: int, django_assert_num_queries, **headers):
    client.get(path, **headers)  # once first: per-process caches (translations, templates) fill up
    with django_assert_num_queries(queries):
        response = client.get(path, **headers)
    assert response.status_code == 200
    return response.content.decode()


PAGES = [
    # The sign-in page and the public landing signed out: only 1 the host's domain → organisation (in public);
    # on an organisation's host also 2 its identity providers ("Sign in with …").
    pytest.param(
        None, "localhost", "/login/", statements(SIGNED_OUT, schemas=1), more_people, False, id="login, public host"
    ),
    pytest.param(
        None,
        "acme.localhost",
        "/login/",
        statements(SIGNED_OUT + 1),
        more_people,
        False,
        id="login, organisation host",
    ),
    pytest.param(
        None, "localhost", "/", statements(SIGNED_OUT, schemas=1), more_organisations, False, id="landing, signed out"
    ),
    # 4 open invitations to the person's address with their organisations, 5 "my organisations": the
    # memberships with their organisations, in one query.
    pytest.param(
        "coach_both",
        "localhost",
        "/",
        statements(PUBLIC_REQUEST + 2),
        more_organisations,
        True,
        id="landing, coach of several organisations",
    ),
    pytest.param(
        "outsider",
        "localhost",
        "/",
        statements(PUBLIC_REQUEST + 2),
        more_organisations,
        False,
        id="landing, member nowhere",
    ),
    # 4 the organisations, 5 their domains (prefetched), 6 the latest platform events with who and where.
    pytest.param(
        "staff",
        "localhost",
        "/platform/",
        statements(PUBLIC_REQUEST + 3),
        more_organisations,
        True,
        id="platform organisations, staff",
    ),
    # 5 how many people (for the pages), 6 one page of memberships with their people, 7 the open
    # invitations (with the names HR entered).
    pytest.param(
        "hr", "acme.localhost", "/people/", statements(ORGANISATION_REQUEST + 3), more_people, False, id="people, HR"
    ),
    # Home: one panel per role, from the apps. HR: 5 programmes, 6 their cohorts with places taken,
    # 7 enrolments per status, 8 attendance per kind of session, 9 scheduled assessments, 10 their
    # completion, 11 reflections and goals in aggregate, 12 session feedback in aggregate.
    pytest.param("hr", "acme.localhost", "/", statements(ORGANISATION_REQUEST + 8), more_people, False, id="home, HR"),
    # Employee: 5 one round trip of kept statements (portal.kept): my open enrolments with credits, the
    # phase their programme is in, whether their three-way agreement waits for me and whether I accepted the
    # agreement in force (read once for the agreement and sessions panels); how many people I sponsor as
    # their manager and how many agreements wait for me; my next sessions; my attendance; my assessments;
    # my recent sessions with what they still wait for (a reflection, a rating, a pulse); my actions due; my
    # goals; how often others opened my information lately; my pulses of the last weeks.
    pytest.param(
        "employee",
        "acme.localhost",
        "/",
        statements(ORGANISATION_REQUEST + 1),
        more_people,
        False,
        id="home, employee",
    ),
    # Coach: 5 sessions to mark attendance for, 6 my coming sessions, 7 how many urgent requests wait for
    # me, 8 my coachees' latest assessments, 9 how many wait for release, 10 the people I coach (links to
    # their pages), 11 sessions to follow up, 12 overdue actions per coachee, 13 reflections shared with me
    # lately, 14 my coachees' agreements that wait for me. The same for a coach who also serves another
    # organisation.
    pytest.param(
        "coach", "acme.localhost", "/", statements(ORGANISATION_REQUEST + 10), more_people, False, id="home, coach"
    ),
    pytest.param(
        "coach_both",
        "acme.localhost",
        "/",
        statements(ORGANISATION_REQUEST + 10),
        more_people,
        False,
        id="home, coach of several organisations",
    ),
]


@pytest.mark.parametrize("who, host, path, queries, grow, shows_growth", PAGES)
def test_the_page_makes_the_same_queries_however_much_there_is(
    world, client_for, django_assert_num_queries, who, host, path, queries, grow, shows_growth
):
    user = world.user(who) if who else None
    client = client_for(user, host)
    assert_fixed_queries(client, path, queries, django_assert_num_queries)
    added = grow(world)
    body = assert_fixed_queries(client, path, queries, django_assert_num_queries)
    if shows_growth:
        assert added in body  # the new rows are on the page, read by the same queries


def test_the_people_fragment_makes_the_same_queries_however_many_people(world, client_for, django_assert_num_queries):
    client = client_for(world.acme.hr, "acme.localhost")
    path = "/people/?role=employee"
    # 5 how many employees, 6 one page of them with their people.
    queries = statements(ORGANISATION_REQUEST + 2)
    body = assert_fixed_queries(client, path, queries, django_assert_num_queries, HTTP_HX_REQUEST="true")
    assert "<html" not in body
    more_people(world)
    assert_fixed_queries(client, path, queries, django_assert_num_queries, HTTP_HX_REQUEST="true")

"""Every page of programmes, enrolment and the agreement runs a fixed number of queries, whatever the
amount of data: each page is measured, then measured again after much more data was added."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from programmes.models import (
    Agreement,
    AgreementAcceptance,
    Cohort,
    EmployeeProfile,
    Enrolment,
    EnrolmentEvent,
    EnrolmentImport,
    Phase,
    Programme,
    Resource,
)
from programmes.selectors.enrolment import hr_overview
from tenants.models import Invitation, Membership, Role, User
from tests.programmes.queries import data_queries, pinned_queries

# Every request on an organisation's host: its domain, the session, the user, their roles here.
REQUEST = ["domain", "session", "user", "roles here"]

PAGES = [
    (
        "employee",
        "/",
        [
            "in one round trip, kept statements (portal.kept): the open enrolments with coach, programme,"
            " credits left, current phase, whether their agreement waits and whether the coaching agreement in"
            " force is accepted; how many people the employee sponsors and how many agreements wait for them;"
            " the next sessions; the sessions attended; the assessments to fill in; recent sessions waiting for"
            " a reflection, a rating or a pulse; overdue goal actions; active goals; how often their content was"
            " read this month; the pulses of the trend's weeks",
        ],
    ),
    ("hr", "/programmes/", ["programmes with their cohort and enrolment counts (subqueries)"]),
    ("employee", "/programmes/", ["the employee's own enrolments with programme, cohort and coach"]),
    ("coach", "/programmes/", ["the programmes the coach takes part in, with counts"]),
    ("hr", "/programmes/new/", []),
    (
        "hr",
        "/programmes/{programme}/",
        [
            "programme",
            "its phases",
            "its resources",
            "the cohorts with seats taken",
            "the cohorts' coaches",
            "the enrolment funnel of the programme",
        ],
    ),
    (
        "employee",
        "/programmes/{programme}/",
        [
            "programme",
            "its phases",
            "its resources",
            "the cohorts the employee may see",
            "their coaches",
            "the employee's enrolment",
            "their profile",
        ],
    ),
    ("hr", "/programmes/{programme}/edit/", ["programme"]),
    ("hr", "/programmes/{programme}/copy/", ["programme"]),
    ("hr", "/phases/{phase}/edit/", ["phase with its programme"]),
    ("hr", "/programmes/{programme}/resources/add/", ["programme"]),
    ("hr", "/programmes/{programme}/cohorts/new/", ["programme", "is there any coach", "the coaches to choose from"]),
    ("hr", "/cohorts/{cohort_a}/", ["cohort with seats taken", "its coaches", "its members with their profiles"]),
    (
        "hr",
        "/cohorts/{cohort_a}/edit/",
        ["cohort with seats taken", "its coaches", "is there any coach", "the coaches to choose from"],
    ),
    (
        "hr",
        "/enrolments/",
        [
            "how many match",
            "programmes to filter on",
            "cohorts to filter on",
            "the open invitations into those cohorts",
            "one page of enrolments with person, cohort, coach, profile and credits left",
        ],
    ),
    (
        "coach",
        "/enrolments/",
        [
            "how many match",
            "programmes to filter on",
            "cohorts to filter on",
            "one page of enrolments with credits left",
        ],
    ),
    (
        "hr",
        "/enrolments/new/",
        [
            "is there a cohort",
            "the cohorts (first choice, for the required attribute)",
            "the cohorts to choose from",
            "the coaches to choose from",
        ],
    ),
    (
        "hr",
        "/enrolments/{enrolment}/",
        [
            "enrolment with person, cohort, programme and coach",
            "profile with manager",
            "history with who",
            "the newest version the person accepted",
            "the version in force",
            "credits used",
        ],
    ),
    (
        "employee",
        "/enrolments/{enrolment}/",
        ["enrolment", "profile", "history", "accepted version", "version in force", "credits used"],
    ),
    (
        "hr",
        "/enrolments/{enrolment}/edit/",
        ["enrolment", "profile with manager", "cohorts (first choice)", "cohorts", "coaches"],
    ),
    (
        "hr",
        "/enrolments/import/",
        ["the recent imports", "is there an open programme", "programmes (first choice)", "programmes to choose from"],
    ),
    ("hr", "/enrolments/import/{import_job}/", ["the import"]),
    ("hr", "/enrolments/import/employees.csv", []),
    (
        "hr",
        "/agreement/",
        ["the version in force", "every version with its acceptances", "people with a seat and how many accepted"],
    ),
    ("employee", "/agreement/", ["the version in force", "the employee's newest acceptance"]),
    ("hr", "/agreement/edit/", ["the version in force"]),
]


def _more_data(world) -> None:
    """Lots more of everything the pages read, in Acme."""
    acme = world.acme
    people = User.objects.bulk_create(User(email=f"extra{n}@acme.test", password="!") for n in range(40))
    Membership.objects.bulk_create(
        Membership(user=user, organisation=acme.organisation, role=Role.EMPLOYEE) for user in people
    )
    programme = Programme.objects.get(pk=acme.people["programme"])
    for number in range(8):
        other = Programme.objects.create(name=f"Extra {number}", starts_on=date(2026, 1, 1), ends_on=date(2026, 9, 1))
        Phase.objects.bulk_create(Phase(programme=other, position=p, name=f"Phase {p}") for p in range(1, 6))
        cohort = Cohort.objects.create(programme=other, name="Extra cohort")
        cohort.coaches.add(acme.coach, world.coach_both)
    Phase.objects.bulk_create(Phase(programme=programme, position=p, name=f"More {p}") for p in range(5, 15))
    Resource.objects.bulk_create(
        Resource(programme=programme, title=f"Read {n}", url="https://example.com") for n in range(10)
    )
    cohort_a = Cohort.objects.get(pk=acme.people["cohort_a"])
    Cohort.objects.filter(pk=cohort_a.pk).update(capacity=100)
    Invitation.objects.bulk_create(  # people invited into the cohort who have not accepted yet
        Invitation(
            email=f"invited{n}@elsewhere.test",
            first_name="In",
            last_name=f"Vited {n}",
            organisation=acme.organisation,
            role=Role.EMPLOYEE,
            cohort=cohort_a.pk,
            expires_at=timezone.now() + timedelta(days=7),
        )
        for n in range(10)
    )
    cohort_a.coaches.add(world.coach_both)
    enrolments = Enrolment.objects.bulk_create(
        Enrolment(programme=programme, cohort=cohort_a, employee=user, coach=acme.coach, credit_allowance=6)
        for user in people
    )
    EnrolmentEvent.objects.bulk_create(
        EnrolmentEvent(enrolment=enrolment, to_status="invited") for enrolment in enrolments
    )
    EnrolmentEvent.objects.bulk_create(
        EnrolmentEvent(enrolment_id=acme.people["enrolment"], from_status="active", to_status="active", by=acme.hr)
        for _ in range(10)
    )
    EmployeeProfile.objects.bulk_create(
        EmployeeProfile(user=user, department="Extra", manager=acme.hr) for user in people
    )
    for version in range(1, 6):
        agreement = Agreement.objects.create(version=version, body=f"Version {version}", created_by=acme.hr)
        AgreementAcceptance.objects.bulk_create(AgreementAcceptance(agreement=agreement, user=user) for user in people)
    AgreementAcceptance.objects.create(agreement=agreement, user=acme.employee)
    EnrolmentImport.objects.bulk_create(
        EnrolmentImport(
            file_name=f"old{n}.csv",
            created_by=acme.hr,
            status="failed",
            errors=[{"row": 2, "column": None, "message": "x"}] * 50,
        )
        for n in range(15)
    )


def _measure(client, url: str, **headers) -> tuple[int, list[str]]:
    with CaptureQueriesContext(connection) as context:
        response = client.get(url, **headers)
    return response.status_code, data_queries(context)


@pytest.mark.parametrize("role,url,described", PAGES, ids=[f"{role}:{url}" for role, url, _ in PAGES])
def test_a_page_runs_the_same_queries_however_much_data_there_is(world, client_for, in_tenant, role, url, described):
    client = client_for(world.user(role), world.acme.host)
    url = url.format(**world.acme.people)
    expected = REQUEST + described
    status, queries = _measure(client, url)
    assert status == 200
    assert len(queries) == len(expected), f"expected {expected}, got:\n" + "\n".join(queries)
    with in_tenant(world.acme):
        _more_data(world)
    status, queries = _measure(client, url)
    assert status == 200 and len(queries) == len(expected), "\n".join(queries)


def test_the_htmx_fragments_run_fixed_queries(world, client_for):
    client = client_for(world.acme.hr, world.acme.host)
    status, queries = _measure(client, "/enrolments/?status=active", HTTP_HX_REQUEST="true")
    assert status == 200 and len(queries) == len(REQUEST) + 2  # how many match, one page (no filter lists)
    status, queries = _measure(client, f"/enrolments/import/{world.acme.people['import_job']}/", HTTP_HX_REQUEST="true")
    assert status == 200 and len(queries) == len(REQUEST) + 1  # the import


def test_hrs_home_panel_reads_four_queries_whatever_the_size(world, in_tenant, actor):
    with in_tenant(world.acme):
        hr = actor(world.acme.hr, world.acme)
        expected = (
            "open programmes with people enrolled",
            "their cohorts with seats taken",
            "the enrolment funnel",
            "attendance at past sessions by kind and mark",
        )
        with pinned_queries(*expected):
            hr_overview(actor=hr)
        _more_data(world)
        with pinned_queries(*expected):
            overview = hr_overview(actor=hr)
    assert overview["funnel"]["total"] >= 42

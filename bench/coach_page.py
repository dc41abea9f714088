"""The coach's cross-organisation workspace (public host, /coach/) for a coach serving 25 organisations
with 40 coming sessions each (1,000 in all, over six weeks), 20 held sessions each in the last five
months and an urgent request waiting in each: server time on gunicorn (2 workers, DEBUG off) as the
median of the page and as a ratio to /healthz measured in the same rounds, and the statements the page
issues, counted in-process at 25 and at 5 organisations to show the cost per organisation. Target:
median under 150 ms; at most two statements per organisation.

    python -m bench.coach_page      # alone, on the benchmark database; prints Markdown table rows
    python -m bench.run coach_page  # through the harness, into BENCHMARKS.md
"""

from __future__ import annotations

import os
from datetime import timedelta

TITLE = "The coach's workspace over 25 organisations"
ORGANISATIONS = int(os.environ.get("BENCH_COACH_ORGANISATIONS", 25))
COMING = 40
HELD = 20
EMPLOYEES = 10
SLUG = "bench-coach-{number:02d}"
COACH_EMAIL = "coach@workspace.bench"
TARGET_MS = 150


def _slug(number: int) -> str:
    return SLUG.format(number=number)


def _ready(organisations, coach) -> bool:
    """Organisations left by an earlier run are reused while they still hold 40 coming sessions each."""
    from django.utils import timezone
    from django_tenants.utils import tenant_context

    from programmes.models import Session

    if len(organisations) < ORGANISATIONS:
        return False
    for organisation in organisations:
        with tenant_context(organisation):
            if Session.objects.filter(coach=coach, starts_at__gt=timezone.now()).count() != COMING:
                return False
    return True


def _fill(organisation, number: int, coach, start) -> None:
    """A programme, a cohort and ten enrolments; 40 coming and 20 held 1:1s, each holding the coach's
    time; attendance; one urgent request. In bulk: this is the data, not what is measured."""
    from django.utils import timezone
    from django_tenants.utils import tenant_context

    from bench.common import enrolments_make
    from programmes.availability.models import Slot
    from programmes.models import Attendance, CreditTransaction, Session, UrgentRequest
    from programmes.services.attendance_counts import attendance_counts_refresh
    from tenants.models import Membership, Role

    employees = [
        membership.user_id
        for membership in Membership.objects.filter(organisation=organisation, role=Role.EMPLOYEE).order_by("user_id")
    ]
    # Coming sessions interleave across organisations an hour apart; held ones go back from yesterday.
    times = [start + timedelta(hours=index * ORGANISATIONS + number) for index in range(COMING)]
    times += [
        start - timedelta(days=2, hours=index * ORGANISATIONS + number) - timedelta(days=5 * index)
        for index in range(HELD)
    ]
    slots = Slot.objects.bulk_create(
        Slot(
            coach=coach,
            starts_at=moment,
            ends_at=moment + timedelta(hours=1),
            booked_organisation=organisation,
            booked_by_id=employees[index % EMPLOYEES],
            booked_at=timezone.now(),
            video_url="https://meet.example.com/bench",
        )
        for index, moment in enumerate(times)
    )
    with tenant_context(organisation):
        today = timezone.localdate()
        enrolments = enrolments_make(
            employees,
            coach,
            starts_on=today - timedelta(days=200),
            ends_on=today + timedelta(days=200),
            capacity=50,
            credits=100,
        )
        sessions = Session.objects.bulk_create(
            Session(
                kind="individual",
                enrolment=enrolments[index % EMPLOYEES],
                coach=coach,
                starts_at=slot.starts_at,
                slot=slot,
                video_url=slot.video_url,
                created_by=coach,
                status="scheduled" if index < COMING else "completed",
            )
            for index, slot in enumerate(slots)
        )
        Attendance.objects.bulk_create(
            Attendance(
                session=session,
                user_id=session.enrolment.employee_id,
                status="expected" if index < COMING else "present",
            )
            for index, session in enumerate(sessions)
        )
        attendance_counts_refresh(session_ids=[session.pk for session in sessions])
        CreditTransaction.objects.bulk_create(
            CreditTransaction(enrolment=session.enrolment, session=session, delta=-1, reason="booking", by=coach)
            for session in sessions
        )
        UrgentRequest.objects.create(employee_id=employees[0], coach=coach, message="Could we talk this week?")


def _prepare():
    from django.utils import timezone

    from bench.common import coach_ensure, organisation_drop, organisation_make
    from programmes.availability.models import Slot
    from tenants.models import Organisation, Role
    from tenants.services import membership_grant

    coach = coach_ensure(COACH_EMAIL)
    existing = list(
        Organisation.objects.filter(slug__in=[_slug(number) for number in range(1, ORGANISATIONS + 1)]).order_by("slug")
    )
    if _ready(existing, coach):
        return existing, coach
    for organisation in Organisation.objects.filter(slug__startswith="bench-coach-"):
        organisation_drop(organisation)
    Slot.objects.filter(coach=coach).delete()
    start = timezone.now().replace(minute=0, second=0, microsecond=0) + timedelta(hours=2)
    organisations = []
    for number in range(1, ORGANISATIONS + 1):
        organisation = organisation_make(
            slug=_slug(number), name=f"Bench Coach {number:02d}", employees=EMPLOYEES, coaches=0
        )
        membership_grant(user=coach, organisation=organisation, role=Role.COACH)
        _fill(organisation, number, coach, start)
        organisations.append(organisation)
    return organisations, coach


def _statements(coach, path: str) -> int:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from bench.common import session_cookie

    client = Client(HTTP_HOST="localhost")
    name, value = session_cookie(coach, "localhost").split("=", 1)
    client.cookies[name] = value
    client.get(path)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    if response.status_code != 200:
        raise RuntimeError(f"{path} answered {response.status_code}")
    return len(queries)


def run() -> list[dict]:
    from bench.common import Target, page_figures, portal_server, row, session_cookie
    from tenants.models import Membership

    organisations, coach = _prepare()
    cookie = session_cookie(coach, "localhost")
    targets = [
        Target("coach workspace, coming 2 weeks", "localhost", "/coach/", cookie),
        Target("coach workspace, all 1,000 coming sessions (8 weeks)", "localhost", "/coach/?weeks=8", cookie),
    ]
    with portal_server(workers=2) as server:
        figures = page_figures(server, targets, rounds=5, requests=60, concurrency=2)
    everything = _statements(coach, "/coach/?weeks=8")
    # The same page with the coach in five of the organisations: the difference is the cost per organisation.
    memberships = Membership.objects.filter(user=coach, role="coach", organisation__in=organisations[5:])
    memberships.update(is_active=False)
    try:
        five = _statements(coach, "/coach/?weeks=8")
    finally:
        memberships.update(is_active=True)
    per_organisation = (everything - five) / (len(organisations) - 5)
    for line in figures[1:]:
        met = "met" if line["median_ms"] < TARGET_MS else "MISSED"
        line["notes"] += f"; target under {TARGET_MS} ms: {met}"
    figures.append(
        row(
            "statements per page view",
            statements=everything,
            statements_at_5=five,
            per_organisation=round(per_organisation, 2),
            runs=1,
            notes=f"{len(organisations)} organisations × {COMING} coming + {HELD} held sessions; "
            "every statement on an organisation's schema follows django-tenants' SET "
            "search_path, counted here: one data statement per organisation",
        )
    )
    return figures


if __name__ == "__main__":
    from bench.common import run_alone

    run_alone(run)

"""Every page an employee uses, in an organisation of 5,000 employees: the demo's Acme Logistics (its
richest employee, employee1@acme.example, with sessions, assessments, reflections, goals, pulses and an
agreement) grown by 5,000 employees in bulk, each enrolled with the demo coach and holding a held and a
coming 1:1, plus the free times the load test offers. Server time on gunicorn (2 workers, DEBUG off) as
the median of each page and as a ratio to /healthz measured in the same rounds, and the statements each
page issues (counted in-process). Target: every page at most 8× /healthz.

    python -m bench.employee_pages      # alone, on the benchmark database; prints Markdown table rows
    python -m bench.run employee_pages  # through the harness, into BENCHMARKS.md
"""

from __future__ import annotations

import re
from datetime import timedelta

from bench.common import Target, page_figures, portal_server, session_cookie

TITLE = "Employee pages at 5,000 employees"
EMPLOYEES = 5000
EMPLOYEE = "employee1@acme.example"
HOST = "acme.localhost"
TARGET_RATIO = 8
ROUNDS = 5
REQUESTS = 120
CONCURRENCY = 2
PAGES = [
    ("home", "/"),
    ("free times", "/book/"),
    ("sessions", "/sessions/"),
    ("a session", None),
    ("assessments", "/assessments/"),
    ("an assessment", None),
    ("reflections", "/reflections/"),
    ("goals", "/goals/"),
    ("agreement", "/agreement/"),
    ("my coach", "/my-coach/"),
    ("calendar", "/calendar/"),
]
FOUND = {
    "a session": ("/sessions/", r'href="(/sessions/\d+/)"'),
    "an assessment": ("/assessments/", r'href="(/assessments/\d+/)"'),
}


def _prepare():
    """The demo, then Acme grown to 5,000 more employees (once; reused by later runs on this database)."""
    from django.core.management import call_command
    from django.utils import timezone
    from django_tenants.utils import tenant_context

    from bench.common import enrolments_make, people_add
    from programmes.models import Attendance, Enrolment, Session
    from programmes.services.attendance_counts import attendance_counts_refresh
    from tenants.demo import COACH
    from tenants.models import Organisation, User

    if not Organisation.objects.filter(slug="acme").exists():
        call_command("seed_demo", force=True, verbosity=0)
        from scripts import load_data

        load_data.main()
    acme = Organisation.objects.get(slug="acme")
    coach = User.objects.get(email=COACH[0])
    with tenant_context(acme):
        if Enrolment.objects.count() >= EMPLOYEES:
            return acme
    employees = people_add(acme, "employee", EMPLOYEES)
    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    with tenant_context(acme):
        today = timezone.localdate()
        enrolments = enrolments_make(
            employees,
            coach,
            starts_on=today - timedelta(days=90),
            ends_on=today + timedelta(days=180),
            capacity=EMPLOYEES,
            credits=10,
        )
        sessions = Session.objects.bulk_create(
            Session(
                kind="individual",
                enrolment=enrolment,
                coach=coach,
                starts_at=now + timedelta(days=days, hours=index % 9),
                created_by=coach,
                status="completed" if days < 0 else "scheduled",
            )
            for index, enrolment in enumerate(enrolments)
            for days in (-14 - index % 30, 3 + index % 40)
        )
        Attendance.objects.bulk_create(
            Attendance(
                session=session,
                user_id=session.enrolment.employee_id,
                status="present" if session.status == "completed" else "expected",
            )
            for session in sessions
        )
        attendance_counts_refresh(session_ids=[session.pk for session in sessions])
    return acme


def _statements(cookie: str, path: str) -> int:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_HOST=HOST)
    name, value = cookie.split("=", 1)
    client.cookies[name] = value
    client.get(path)
    with CaptureQueriesContext(connection) as queries:
        client.get(path)
    return len(queries)


def run() -> list[dict]:
    from tenants.models import User

    _prepare()
    cookie = session_cookie(User.objects.get(email=EMPLOYEE), HOST)
    with portal_server(workers=2) as server:
        paths = {}
        for name, path in PAGES:
            if path is None:
                listing, pattern = FOUND[name]
                _status, body = server.get(HOST, listing, cookie=cookie)
                found = re.search(pattern, body.decode())
                if not found:
                    raise RuntimeError(f"{EMPLOYEE} has no link to {name} on {listing}")
                path = found.group(1)
            paths[name] = path
        targets = [Target(f"employee: {name}", HOST, path, cookie) for name, path in paths.items()]
        rows = page_figures(server, targets, rounds=ROUNDS, requests=REQUESTS, concurrency=CONCURRENCY)
    for row, (_name, path) in zip(rows[1:], paths.items()):
        row["statements"] = _statements(cookie, path)
        met = row["ratio_to_healthz"] <= TARGET_RATIO
        row["notes"] += f"; target at most {TARGET_RATIO}× /healthz: {'met' if met else 'not met'}"
    return rows


if __name__ == "__main__":
    from bench.common import run_alone

    run_alone(run)

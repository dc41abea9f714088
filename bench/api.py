"""The REST API's five busiest endpoints, as an integration calls them with personal API tokens, on one
organisation of 1,000 employees: a coach's session list (an HR or calendar integration polls it), HR's
enrolment list (HRIS sync), an employee's /me/ (every app start), an employee's open slots (the booking
screen) and HR's dashboard figures (reporting). Server time on gunicorn (2 workers, DEBUG off) as the
median and as a ratio to /healthz measured in the same rounds, and the statements each request issues,
counted in-process.

    python -m bench.api      # alone, on the benchmark database; prints Markdown table rows
    python -m bench.run api  # through the harness, into BENCHMARKS.md
"""

from __future__ import annotations

import http.client
import os
import threading
import time
from dataclasses import dataclass
from datetime import timedelta

TITLE = "API: the five busiest endpoints with personal API tokens"
SLUG = "bench-api"
HOST = f"{SLUG}.localhost"
EMPLOYEES = int(os.environ.get("BENCH_API_EMPLOYEES", 1000))
SESSIONS = 400  # the coach's 1:1s: half held, half coming
FREE_SLOTS = 60  # the coach's open hours over the coming weeks
ROUNDS = int(os.environ.get("BENCH_API_ROUNDS", 5))
REQUESTS = int(os.environ.get("BENCH_API_REQUESTS", 150))
CONCURRENCY = 4
WORKERS = 2


@dataclass
class Endpoint:
    name: str
    path: str
    token: str = ""


HEALTHZ = Endpoint("/healthz", "/healthz")


def _get(port: int, host: str, path: str, token: str) -> int:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        headers = {"Host": host, "Accept": "application/json"}
        if token:
            headers["Authorization"] = f"Token {token}"
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


def _load(port: int, endpoint: Endpoint) -> tuple[list[float], int]:
    """REQUESTS GETs from CONCURRENCY threads, one at a time each: latencies in ms and non-200 answers."""
    latencies: list[float] = []
    errors = 0
    remaining = iter(range(REQUESTS))
    lock = threading.Lock()
    host = "localhost" if endpoint is HEALTHZ else HOST

    def client() -> None:
        nonlocal errors
        while True:
            with lock:
                if next(remaining, None) is None:
                    return
            start = time.perf_counter()
            try:
                status = _get(port, host, endpoint.path, endpoint.token)
            except OSError:
                status = 0
            elapsed = (time.perf_counter() - start) * 1000
            with lock:
                latencies.append(elapsed)
                errors += status != 200

    threads = [threading.Thread(target=client) for _ in range(CONCURRENCY)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies, errors


# --- the organisation -------------------------------------------------------------------------------


def _prepare():
    """A fresh bench organisation: 1,000 employees enrolled with coach1, 400 of the coach's 1:1s (200 held,
    200 coming, each holding a slot), 60 free slots offered to the organisation."""
    from django.utils import timezone
    from django_tenants.utils import tenant_context

    from bench.common import bench_user, enrolments_make, organisation_drop, organisation_make
    from programmes.availability.models import Slot
    from programmes.availability.services import ADD, slots_offer
    from programmes.models import Agreement, AgreementAcceptance, Attendance, CreditTransaction, Session
    from programmes.services.attendance_counts import attendance_counts_refresh
    from tenants.models import Membership, Organisation, Role

    existing = Organisation.objects.filter(slug=SLUG).first()
    if existing is not None:
        organisation_drop(existing)
    organisation = organisation_make(slug=SLUG, employees=EMPLOYEES)
    coach = bench_user(organisation, "coach")
    Slot.objects.filter(coach=coach).delete()  # what an earlier run left (its organisation is gone)
    employees = list(
        Membership.objects.filter(organisation=organisation, role=Role.EMPLOYEE)
        .order_by("user_id")
        .values_list("user_id", flat=True)
    )
    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    half = SESSIONS // 2
    times = [now - timedelta(hours=2 + 5 * index) for index in range(half)]
    times += [now + timedelta(hours=2 + 3 * index) for index in range(half)]
    booked = Slot.objects.bulk_create(
        Slot(
            coach=coach,
            starts_at=moment,
            ends_at=moment + timedelta(hours=1),
            booked_organisation=organisation,
            booked_by_id=employees[index % len(employees)],
            booked_at=timezone.now(),
            video_url="https://meet.example.com/bench",
        )
        for index, moment in enumerate(times)
    )
    free = Slot.objects.bulk_create(
        Slot(
            coach=coach,
            starts_at=now + timedelta(days=1, hours=3 * index + 1),
            ends_at=now + timedelta(days=1, hours=3 * index + 2),
            video_url="https://meet.example.com/bench",
        )
        for index in range(FREE_SLOTS)
    )
    slots_offer(
        coach=coach,
        slot_ids=[slot.pk for slot in free],
        organisations=[organisation],
        allowed=[organisation],
        how=ADD,
    )
    with tenant_context(organisation):
        today = timezone.localdate()
        enrolments = enrolments_make(
            employees,
            coach,
            starts_on=today - timedelta(days=200),
            ends_on=today + timedelta(days=200),
            capacity=EMPLOYEES,
            credits=20,
        )
        sessions = Session.objects.bulk_create(
            Session(
                kind="individual",
                enrolment=enrolments[index % len(enrolments)],
                coach=coach,
                starts_at=slot.starts_at,
                slot=slot,
                video_url=slot.video_url,
                created_by=coach,
                status="completed" if index < half else "scheduled",
            )
            for index, slot in enumerate(booked)
        )
        Attendance.objects.bulk_create(
            Attendance(
                session=session,
                user_id=session.enrolment.employee_id,
                status="present" if index < half else "expected",
            )
            for index, session in enumerate(sessions)
        )
        attendance_counts_refresh(session_ids=[session.pk for session in sessions])
        CreditTransaction.objects.bulk_create(
            CreditTransaction(enrolment=session.enrolment, session=session, delta=-1, reason="booking", by=coach)
            for session in sessions
        )
        agreement = Agreement.objects.create(version=1, body="Bench agreement")
        AgreementAcceptance.objects.bulk_create(
            AgreementAcceptance(agreement=agreement, user_id=employee) for employee in employees
        )
    return organisation, coach


def _endpoints(organisation, coach) -> list[Endpoint]:
    from bench.common import bench_user
    from tenants import tokens as api_tokens

    def token(user) -> str:
        return api_tokens.token_create(user=user, name="Benchmark", organisation=organisation).raw

    hr, employee = bench_user(organisation, "hr"), bench_user(organisation, "employee")
    coach_token, hr_token, employee_token = token(coach), token(hr), token(employee)
    return [
        Endpoint("coach: GET sessions, coming", "/api/v1/sessions/?when=upcoming", coach_token),
        Endpoint("HR: GET enrolments", "/api/v1/enrolments/", hr_token),
        Endpoint("employee: GET me", "/api/v1/me/", employee_token),
        Endpoint("employee: GET availability", "/api/v1/availability/", employee_token),
        Endpoint("HR: GET dashboard", "/api/v1/reports/dashboard/", hr_token),
    ]


def _statements(endpoint: Endpoint) -> int:
    """Statements one request issues, counted in-process (the second of two, caches warm)."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_HOST=HOST, HTTP_AUTHORIZATION=f"Token {endpoint.token}", HTTP_ACCEPT="application/json")
    client.get(endpoint.path)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(endpoint.path)
    connection.set_schema_to_public()
    if response.status_code != 200:
        raise RuntimeError(f"{endpoint.path} answered {response.status_code}: {response.content[:300]!r}")
    return len(queries)


def run() -> list[dict]:
    from bench.common import median, percentile, portal_server, row

    organisation, coach = _prepare()
    endpoints = _endpoints(organisation, coach)
    statements = {endpoint.name: _statements(endpoint) for endpoint in endpoints}
    samples: dict[str, list[list[float]]] = {endpoint.name: [] for endpoint in [HEALTHZ, *endpoints]}
    errors = dict.fromkeys(samples, 0)
    with portal_server(workers=WORKERS) as server:
        for endpoint in endpoints:
            status = _get(server.port, HOST, endpoint.path, endpoint.token)
            if status != 200:
                raise RuntimeError(f"{endpoint.name}: {endpoint.path} answered {status}")
        for _round in range(ROUNDS):
            for endpoint in [HEALTHZ, *endpoints]:
                latencies, failed = _load(server.port, endpoint)
                samples[endpoint.name].append(latencies)
                errors[endpoint.name] += failed
    baseline = [median(latencies) for latencies in samples[HEALTHZ.name]]
    rows = []
    for endpoint in [HEALTHZ, *endpoints]:
        runs = samples[endpoint.name]
        medians = [median(latencies) for latencies in runs]
        notes = f"{REQUESTS} requests × {ROUNDS} rounds, {CONCURRENCY} concurrent clients, gunicorn {WORKERS} workers"
        if errors[endpoint.name]:
            notes += f"; {errors[endpoint.name]} unexpected answers"
        rows.append(
            row(
                endpoint.name if endpoint is HEALTHZ else f"{endpoint.name} ({endpoint.path})",
                median_ms=round(median(medians), 2),
                p95_ms=round(median([percentile(latencies, 0.95) for latencies in runs]), 2),
                ratio_to_healthz=round(median([value / base for value, base in zip(medians, baseline)]), 2),
                statements=statements.get(endpoint.name, ""),
                runs=ROUNDS,
                notes=notes,
            )
        )
    return rows


if __name__ == "__main__":
    from bench.common import run_alone

    run_alone(run)

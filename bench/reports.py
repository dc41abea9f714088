"""Reports: HR's dashboard over an organisation of 5,000 employees (the nightly release of its aggregate
cells, selector time, query count, and the page through a real server against /healthz), the programme PDF for 200 participants and the personal
progress report. Targets: dashboard median under 200 ms with a fixed number of queries, programme report
under 1.5 s, personal report under 0.3 s.

    python -m bench.reports       # alone, on the benchmark database; prints Markdown table rows
    python -m bench.run reports   # through the harness, into BENCHMARKS.md

The organisation `bench-reports` is built once in bulk (about 170,000 rows: enrolments, sessions,
attendance, credits, assessments with scores, feedback, goals and actions) and reused by later runs.
"""

from __future__ import annotations

import os
import random
import time
from datetime import timedelta

TITLE = "Reports: HR dashboard and PDF reports"
SLUG = "bench-reports"
EMPLOYEES = int(os.environ.get("BENCH_REPORTS_EMPLOYEES", 5000))
SMALL_PROGRAMME = 200  # the programme report is measured on a programme of this many participants
COHORT_SIZE = 200
GROUP_SESSIONS = 8
RUNS = int(os.environ.get("BENCH_REPORTS_RUNS", 9))
PDF_RUNS = int(os.environ.get("BENCH_REPORTS_PDF_RUNS", 5))
TARGETS = {"dashboard": 0.200, "programme_pdf": 1.5, "personal_pdf": 0.3}
BIG = "Leading teams"
SMALL = "New managers"


def _bulk(model, rows, size: int = 5000) -> list:
    return model.objects.bulk_create(rows, batch_size=size)


def build(organisation) -> None:
    """The organisation's programmes and everything that happens in them, in bulk (idempotent)."""
    from django.db import connection
    from django.utils import timezone
    from django_tenants.utils import tenant_context

    from assessments.models import (
        ActionItem,
        Assignment,
        Goal,
        Instrument,
        PhaseAssessment,
        Reflection,
        Score,
        SessionFeedback,
    )
    from programmes.models import (
        Attendance,
        Cohort,
        CreditTransaction,
        EmployeeProfile,
        Enrolment,
        Phase,
        Programme,
        Session,
    )
    from programmes.services.attendance_counts import attendance_counts_refresh
    from tenants.models import User

    rng = random.Random(5)
    now = timezone.now()
    today = timezone.localdate()
    with tenant_context(organisation):
        if Programme.objects.filter(name=SMALL).exists():
            return
        employees = list(
            User.objects.filter(email__startswith="employee", email__endswith=f"@{SLUG}.bench").order_by("pk")
        )
        coach = User.objects.get(email=f"coach1@{SLUG}.bench")
        instrument = Instrument.objects.get(key="self-confidence-at-work")
        version = instrument.versions.get(is_latest=True)
        dimensions = list(version.dimensions.order_by("position"))
        _bulk(
            EmployeeProfile,
            [
                EmployeeProfile(
                    user=user,
                    department=f"Department {index % 20:02d}",
                    job_title="Team lead" if index % 10 == 0 else "Specialist",
                )
                for index, user in enumerate(employees)
            ],
        )
        groups = [(BIG, employees[SMALL_PROGRAMME:]), (SMALL, employees[:SMALL_PROGRAMME])]
        for name, people in groups:
            programme = Programme.objects.create(
                name=name,
                starts_on=today - timedelta(days=200),
                ends_on=today + timedelta(days=30),
                status=Programme.Status.ACTIVE,
            )
            intake = Phase.objects.create(programme=programme, position=1, kind="intake", name="Intake")
            final = Phase.objects.create(programme=programme, position=2, kind="final", name="Final assessment")
            scheduled = {
                "initial": PhaseAssessment.objects.create(
                    programme=programme,
                    phase=intake,
                    instrument=instrument,
                    version=version,
                    moment="initial",
                    due_on=today - timedelta(days=180),
                    opens_on=today - timedelta(days=195),
                ),
                "final": PhaseAssessment.objects.create(
                    programme=programme,
                    phase=final,
                    instrument=instrument,
                    version=version,
                    moment="final",
                    due_on=today - timedelta(days=3),
                    opens_on=today - timedelta(days=20),
                ),
            }
            cohorts = _bulk(
                Cohort,
                [
                    Cohort(programme=programme, name=f"Cohort {number + 1:02d}", capacity=COHORT_SIZE)
                    for number in range((len(people) + COHORT_SIZE - 1) // COHORT_SIZE)
                ],
            )
            Cohort.coaches.through.objects.bulk_create(
                Cohort.coaches.through(cohort_id=c.pk, user_id=coach.pk) for c in cohorts
            )
            statuses = ["active"] * 82 + ["completed"] * 10 + ["invited"] * 5 + ["withdrawn"] * 3
            enrolments = _bulk(
                Enrolment,
                [
                    Enrolment(
                        programme=programme,
                        cohort=cohorts[index // COHORT_SIZE],
                        employee=user,
                        coach=coach,
                        status=rng.choice(statuses),
                        credit_allowance=6,
                    )
                    for index, user in enumerate(people)
                ],
            )
            group_sessions = _bulk(
                Session,
                [
                    Session(
                        kind="group",
                        cohort=cohort,
                        coach=coach,
                        title="Workshop",
                        starts_at=now - timedelta(days=150 - week * 14),
                        status="completed",
                    )
                    for cohort in cohorts
                    for week in range(GROUP_SESSIONS)
                ],
            )
            by_cohort: dict[int, list] = {}
            for enrolment in enrolments:
                by_cohort.setdefault(enrolment.cohort_id, []).append(enrolment)
            attendance = [
                Attendance(
                    session=session,
                    user_id=enrolment.employee_id,
                    status=rng.choice(["present"] * 8 + ["absent", "excused"]),
                    marked_at=now,
                )
                for session in group_sessions
                for enrolment in by_cohort[session.cohort_id]
            ]
            one_to_ones = _bulk(
                Session,
                [
                    Session(
                        kind="individual",
                        enrolment=enrolment,
                        coach=coach,
                        starts_at=now - timedelta(days=rng.randint(5, 140), hours=rng.randint(0, 8)),
                        status="completed",
                    )
                    for enrolment in enrolments
                    for _ in range(2)
                ],
            )
            attendance += [
                Attendance(session=session, user_id=session.enrolment.employee_id, status="present", marked_at=now)
                for session in one_to_ones
            ]
            _bulk(Attendance, attendance)
            attendance_counts_refresh(session_ids=[row.session_id for row in attendance])
            _bulk(
                CreditTransaction,
                [
                    CreditTransaction(enrolment=session.enrolment, delta=-1, reason="booking", session=session)
                    for session in one_to_ones
                ],
            )
            _bulk(
                SessionFeedback,
                [
                    SessionFeedback(
                        session=session,
                        employee_id=session.enrolment.employee_id,
                        rating=rng.choice([3, 4, 4, 5, 5]),
                        comment="",
                    )
                    for session in one_to_ones
                    if rng.random() < 0.6
                ],
            )
            assignments = []
            for enrolment in enrolments:
                for moment in ("initial", "final"):
                    if moment == "final" and rng.random() < 0.3:
                        continue
                    submitted = now - timedelta(days=170 if moment == "initial" else 5) if rng.random() < 0.95 else None
                    assignments.append(
                        Assignment(
                            phase_assessment=scheduled[moment],
                            enrolment=enrolment,
                            employee_id=enrolment.employee_id,
                            version=version,
                            submitted_at=submitted,
                        )
                    )
            assignments = _bulk(Assignment, assignments)
            baseline = {}
            scores = []
            for assignment in assignments:
                if assignment.submitted_at is None:
                    continue
                for dimension in dimensions:
                    key = (assignment.enrolment_id, dimension.key)
                    if assignment.phase_assessment_id == scheduled["initial"].pk:
                        value = baseline[key] = rng.uniform(25, 75)
                    else:
                        value = min(100.0, baseline.get(key, 50.0) + rng.gauss(8, 10))
                    scores.append(
                        Score(
                            assignment=assignment,
                            dimension=dimension,
                            dimension_key=dimension.key,
                            value=round(value, 1),
                            answered=4,
                            items=4,
                        )
                    )
            _bulk(Score, scores)
            goals = _bulk(
                Goal,
                [
                    Goal(
                        employee_id=enrolment.employee_id,
                        title="Goal",
                        progress=rng.randint(0, 100),
                        progress_shared_with_hr=rng.random() < 0.2,
                    )
                    for enrolment in enrolments
                ],
            )
            _bulk(
                ActionItem,
                [
                    ActionItem(goal=goal, title="Step", due_on=today + timedelta(days=rng.randint(-20, 20)))
                    for goal in goals
                    for _ in range(2)
                ],
            )
        subject = employees[0]
        _bulk(
            Reflection,
            [
                Reflection(
                    employee=subject,
                    body=f"Reflection {number}: what I noticed this week.",
                    shared_with_coach=number % 2 == 0,
                )
                for number in range(6)
            ],
        )
        with connection.cursor() as cursor:  # statistics for the planner, as autovacuum would gather them
            cursor.execute("ANALYZE")


def _actor(organisation, role: str):
    from bench.common import bench_user
    from portal import policy

    return policy.actor_for(bench_user(organisation, role), organisation)


def _load() -> str:
    return f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs"


def _selector_figures(organisation) -> list[dict]:
    """The dashboard's selector in this process, each run next to a /healthz request through the same
    middleware (the baseline its figure is quoted against), and the statements it sends."""
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django_tenants.utils import tenant_context

    from bench.common import median, row
    from programmes.models import Programme
    from reports.selectors import dashboard

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    rows = []
    healthz = Client(HTTP_HOST=f"{SLUG}.localhost")
    with tenant_context(organisation):
        actor = _actor(organisation, "hr")
        big = Programme.objects.get(name=BIG)
        cases = [
            ("whole organisation", {}),
            (f"programme of {EMPLOYEES - SMALL_PROGRAMME:,}", {"programme": big.pk}),
            ("programme and department", {"programme": big.pk, "department": "Department 07"}),
        ]
        for label, params in cases:
            filters, _problems = dashboard.filters_from(actor=actor, params={k: str(v) for k, v in params.items()})
            dashboard.dashboard(actor=actor, filters=filters)
            seconds, baseline = [], []
            for _run in range(RUNS):
                started = time.perf_counter()
                healthz.get("/healthz")
                baseline.append(time.perf_counter() - started)
                started = time.perf_counter()
                dashboard.dashboard(actor=actor, filters=filters)
                seconds.append(time.perf_counter() - started)
            with CaptureQueriesContext(connection) as queries:
                dashboard.dashboard(actor=actor, filters=filters)
            statements = [q for q in queries.captured_queries if not q["sql"].startswith("SET search_path")]
            met = "met" if median(seconds) < TARGETS["dashboard"] else "MISSED"
            rows.append(
                row(
                    f"dashboard figures, {label}",
                    median_ms=round(median(seconds) * 1000, 1),
                    max_ms=round(max(seconds) * 1000, 1),
                    ratio_to_healthz=round(median(seconds) / median(baseline), 1),
                    queries=len(statements),
                    runs=RUNS,
                    notes=f"{EMPLOYEES:,} employees; selector in-process; target under 200 ms: {met}; {_load()}",
                )
            )
    return rows


def _page_figures(organisation) -> list[dict]:
    from django_tenants.utils import tenant_context

    from bench.common import Target, bench_user, page_figures, portal_server, session_cookie
    from programmes.models import Programme

    host = f"{SLUG}.localhost"
    cookie = session_cookie(bench_user(organisation, "hr"), host)
    with tenant_context(organisation):
        big = Programme.objects.get(name=BIG).pk
    targets = [
        Target("HR dashboard, whole organisation", host, "/reports/", cookie),
        Target(
            f"HR dashboard, programme of {EMPLOYEES - SMALL_PROGRAMME:,}", host, f"/reports/?programme={big}", cookie
        ),
    ]
    with portal_server() as server:
        return page_figures(server, targets, rounds=3, requests=60, concurrency=2)


def _cpu_and_wall(func, runs: int) -> tuple[list[float], list[float]]:
    """Wall-clock and CPU seconds of each run: WeasyPrint works in this process, so its CPU time is the
    cost of a report whatever else the machine is doing; the wall clock shows that too."""
    wall, cpu = [], []
    for _run in range(runs):
        started, used = time.perf_counter(), time.process_time()
        func()
        wall.append(time.perf_counter() - started)
        cpu.append(time.process_time() - used)
    return wall, cpu


def _pdf_figures(organisation) -> list[dict]:
    from django_tenants.utils import tenant_context

    from assessments.models import Reflection
    from bench.common import bench_user, median, row
    from portal import policy
    from programmes.models import Programme
    from reports import documents
    from reports.selectors import dashboard

    rows = []
    with tenant_context(organisation):
        actor = _actor(organisation, "hr")
        small = Programme.objects.get(name=SMALL)
        filters = dashboard.Filters(programme=small)
        rendered, _name = documents.programme_pdf(actor=actor, filters=filters)  # fonts and stylesheets once
        wall, cpu = _cpu_and_wall(lambda: documents.programme_pdf(actor=actor, filters=filters), PDF_RUNS)
        met = "met" if median(cpu) < TARGETS["programme_pdf"] else "MISSED"
        rows.append(
            row(
                f"programme report PDF, {SMALL_PROGRAMME} participants",
                median_s=round(median(wall), 3),
                cpu_s=round(median(cpu), 3),
                max_s=round(max(wall), 3),
                runs=PDF_RUNS,
                notes=f"{rendered.pages} pages with charts; queries, layout and PDF; target under 1.5 s "
                f"(CPU): {met}; {_load()}",
            )
        )
        employee = bench_user(organisation, "employee", 1)
        me = policy.actor_for(employee, organisation)
        own = list(Reflection.objects.filter(employee=employee).values_list("pk", flat=True))
        rendered, _name = documents.personal_pdf(actor=me, person=employee, reflection_ids=own)
        wall, cpu = _cpu_and_wall(
            lambda: documents.personal_pdf(actor=me, person=employee, reflection_ids=own), PDF_RUNS
        )
        met = "met" if median(cpu) < TARGETS["personal_pdf"] else "MISSED"
        rows.append(
            row(
                "personal progress report PDF",
                median_s=round(median(wall), 3),
                cpu_s=round(median(cpu), 3),
                max_s=round(max(wall), 3),
                runs=PDF_RUNS,
                notes=f"{rendered.pages} pages: results at two moments with chart, goal with actions, "
                f"{len(own)} reflections; target under 0.3 s (CPU): {met}; {_load()}",
            )
        )
    return rows


def run() -> list[dict]:
    from bench.common import organisation_make

    organisation = organisation_make(slug=SLUG, name="Bench Reports", employees=EMPLOYEES, coaches=1)
    build(organisation)
    return (
        _release_figures(organisation)
        + _selector_figures(organisation)
        + _page_figures(organisation)
        + _pdf_figures(organisation)
    )


def _release_figures(organisation) -> list[dict]:
    """The nightly release of the aggregate cells HR's figures are read from (reports.disclosure): once,
    as the night's task does it, so that the dashboard below reads a full release."""
    from django_tenants.utils import tenant_context

    from bench.common import row
    from reports import disclosure
    from reports.models import ReleasedCell

    with tenant_context(organisation):
        started = time.perf_counter()
        counts = disclosure.refresh(force=True)
        seconds = time.perf_counter() - started
        cells = ReleasedCell.objects.count()
    return [
        row(
            "nightly release of aggregate cells",
            median_s=round(seconds, 3),
            runs=1,
            notes=f"{cells:,} cells ({counts['release']:,} released, {counts['withhold']:,} withheld); "
            f"{EMPLOYEES:,} employees; {_load()}",
        )
    ]


if __name__ == "__main__":
    from bench.common import run_alone

    run_alone(run)

"""Assessments on a bench organisation with a cohort of 500: handing in a 40-question assessment
(`POST /api/v1/assignments/{id}/submit/`, answers saved beforehand), the employee's results page with
three moments, and HR's figures for the cohort of 500, on gunicorn with DEBUG off. Targets: submit under
100 ms, results under 80 ms, HR's aggregate under 150 ms. The query counts of the two pages are counted
at two sizes of organisation, to show they stay the same.

    python -m bench.assessments      # alone, on the benchmark database; prints Markdown table rows
    python -m bench.run assessments  # through the harness, into BENCHMARKS.md
"""

from __future__ import annotations

import http.client
import os
import time
from datetime import timedelta

TITLE = "Assessments: handing in, results, HR's aggregate"
SLUG = "bench-assessments"
COHORT = 500
SMALL = 20
QUESTIONS = 40
DIMENSIONS = 5
SUBMIT_RUNS = int(os.environ.get("BENCH_SUBMIT_RUNS", 40))
ROUNDS = 5
REQUESTS = 200
TARGETS_MS = {"submit": 100, "results": 80, "aggregate": 150}


def _instrument(hr):
    """A 40-question instrument: five dimensions of eight 1–5 items, every fourth reverse-scored, bands."""
    from assessments.services import instruments as services

    version = services.instrument_create(actor=hr, title_en="Bench climate", title_nl="Bankklimaat")
    for number in range(DIMENSIONS):
        dimension = services.dimension_add(
            actor=hr, version=version, name_en=f"Dimension {number + 1}", name_nl=f"Dimensie {number + 1}"
        )
        for lower, upper in ((0, 39), (40, 69), (70, 100)):
            services.band_add(
                actor=hr,
                dimension=dimension,
                fields=services.BandFields(lower, upper, f"{lower}+", f"{lower}+", "What lies ahead.", "Wat komt."),
            )
        for item in range(QUESTIONS // DIMENSIONS):
            services.question_add(
                actor=hr,
                version=version,
                fields=services.QuestionFields(
                    kind="likert5",
                    text_en=f"Statement {number}.{item}",
                    text_nl=f"Stelling {number}.{item}",
                    dimension=dimension,
                    reverse_scored=item % 4 == 3,
                ),
            )
    return version


def _answer_in_bulk(assignments, seed: int = 0) -> None:
    """Every question of each assessment answered, in one INSERT (the answers' own path is measured
    by the tests; here they are only the state before handing in)."""
    from django.utils import timezone

    from assessments.models import Answer, Assignment, Question

    if not assignments:
        return
    questions = list(Question.objects.filter(version_id=assignments[0].version_id).values_list("pk", flat=True))
    now = timezone.now()
    Answer.objects.bulk_create(
        [
            Answer(assignment_id=a.pk, question_id=q, value=1 + (a.pk * 7 + q * 3 + seed) % 5, saved_at=now)
            for a in assignments
            for q in questions
        ],
        batch_size=5000,
        ignore_conflicts=True,
    )
    Assignment.objects.filter(pk__in=[a.pk for a in assignments]).update(started_at=now, last_saved_at=now)


def _prepare(organisation, *, cohort: int = COHORT, small: int = SMALL) -> dict:
    """The programme, its two cohorts (500 and 20), the instrument at three moments; everyone has handed in
    the initial one, employee 1 all three."""
    from django.utils import timezone

    from assessments.models import Assignment, InstrumentVersion, PhaseAssessment
    from assessments.services import assignments as services
    from bench.common import bench_user
    from portal import policy
    from programmes.models import Cohort, Enrolment, Programme
    from programmes.services import programmes as programme_services
    from tenants.models import Membership

    hr = policy.actor_for(bench_user(organisation, "hr"), organisation)
    coach = bench_user(organisation, "coach")
    existing = PhaseAssessment.objects.filter(moment="initial").first()
    if existing is None:
        today = timezone.localdate()
        programme = programme_services.programme_create(
            actor=hr,
            name="Bench programme",
            starts_on=today - timedelta(days=60),
            ends_on=today + timedelta(days=60),
            status=Programme.Status.ACTIVE,
        )
        large = Cohort.objects.create(programme=programme, name="Large cohort", capacity=cohort)
        little = Cohort.objects.create(programme=programme, name="Small cohort", capacity=small)
        employees = list(
            Membership.objects.filter(organisation=organisation, role="employee")
            .order_by("user__email")
            .values_list("user_id", flat=True)
        )
        Enrolment.objects.bulk_create(
            [
                Enrolment(
                    programme=programme,
                    cohort=large if index < cohort else little,
                    employee_id=user_id,
                    coach=coach,
                    status=Enrolment.Status.ACTIVE,
                    credit_allowance=6,
                )
                for index, user_id in enumerate(employees[: cohort + small])
            ]
        )
        version = _instrument(hr)
        phases = {phase.kind: phase for phase in programme.phases.all()}
        moments = {}
        for moment, kind, offset in (("initial", "intake", 50), ("midpoint", "individual", 20), ("final", "final", 2)):
            moments[moment] = services.phase_assessment_schedule(
                actor=hr,
                phase=phases[kind],
                version=version,
                moment=moment,
                opens_on=today - timedelta(days=offset),
                due_on=today + timedelta(days=10),
            )
        initial = list(moments["initial"].assignments.all())
        _answer_in_bulk(initial)
        for assignment in initial:
            services.assignment_submit(actor=policy.actor_for(assignment.employee, organisation), assignment=assignment)
        first = bench_user(organisation, "employee", 1)
        for moment in ("midpoint", "final"):
            mine = moments[moment].assignments.get(employee=first)
            _answer_in_bulk([mine], seed=3 if moment == "final" else 1)
            services.assignment_submit(actor=policy.actor_for(first, organisation), assignment=mine)
        existing = moments["initial"]
    midpoint = PhaseAssessment.objects.get(moment="midpoint")
    return {
        "initial": existing.pk,
        "midpoint": midpoint.pk,
        "version": InstrumentVersion.objects.get(pk=existing.version_id).pk,
        "large_cohort": existing.programme.cohorts.get(name="Large cohort").pk,
        "open_midpoints": list(
            Assignment.objects.filter(phase_assessment=midpoint, submitted_at__isnull=True)
            .order_by("pk")
            .values_list("pk", "employee_id")[:SUBMIT_RUNS]
        ),
    }


def _post(port: int, host: str, path: str, token: str) -> tuple[int, float]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        start = time.perf_counter()
        connection.request(
            "POST", path, body=b"", headers={"Host": host, "Authorization": f"Token {token}", "Content-Length": "0"}
        )
        response = connection.getresponse()
        response.read()
        return response.status, time.perf_counter() - start
    finally:
        connection.close()


def _get_seconds(server, host: str, path: str) -> float:
    start = time.perf_counter()
    server.get(host, path)
    return time.perf_counter() - start


def _submit_figures(server, organisation, prepared: dict) -> dict:
    """Hand in SUBMIT_RUNS answered 40-question assessments over HTTP, each beside a /healthz."""
    from django_tenants.utils import tenant_context

    from assessments.models import Assignment
    from bench.common import median
    from tenants import tokens as api_tokens
    from tenants.models import User

    host = f"{SLUG}.localhost"
    pairs = prepared["open_midpoints"]
    with tenant_context(organisation):
        _answer_in_bulk(list(Assignment.objects.filter(pk__in=[pk for pk, _user in pairs])))
    tokens = {
        user_id: api_tokens.token_create(user=User.objects.get(pk=user_id), name="Benchmark").raw
        for _pk, user_id in pairs
    }
    submits, healthz, failures = [], [], 0
    for pk, user_id in pairs:
        healthz.append(_get_seconds(server, "localhost", "/healthz"))
        status, seconds = _post(server.port, host, f"/api/v1/assignments/{pk}/submit/", tokens[user_id])
        if status != 200:
            failures += 1
        submits.append(seconds)
    return {
        "median_s": median(submits),
        "ratio": median(submits) / median(healthz),
        "runs": len(submits),
        "failures": failures,
    }


def _submit_in_process(organisation, prepared: dict, runs: int = 20) -> float:
    """The service alone, without HTTP: the median seconds of `assignment_submit` for answered assessments."""
    from django_tenants.utils import tenant_context

    from assessments.models import Assignment
    from assessments.services import assignments as services
    from bench.common import median
    from portal import policy

    with tenant_context(organisation):
        open_ones = list(
            Assignment.objects.filter(phase_assessment_id=prepared["midpoint"], submitted_at__isnull=True)
            .select_related("employee")
            .order_by("-pk")[:runs]
        )
        _answer_in_bulk(open_ones)
        actors = [policy.actor_for(assignment.employee, organisation) for assignment in open_ones]
        seconds = []
        for assignment, actor in zip(open_ones, actors):
            start = time.perf_counter()
            services.assignment_submit(actor=actor, assignment=assignment)
            seconds.append(time.perf_counter() - start)
    return median(seconds)


def _query_counts(organisation, prepared: dict) -> dict:
    """Statements for the results page and HR's aggregate, counted in-process with Django's test client."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from bench.common import bench_user
    from portal.middleware import SESSION_HOST_KEY

    def signed_in(user) -> Client:
        client = Client(HTTP_HOST=f"{organisation.slug}.localhost")
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        session = client.session
        session[SESSION_HOST_KEY] = organisation.schema_name
        session.save()
        return client

    counts = {}
    for name, user, path in (
        ("results", bench_user(organisation, "employee", 1), "/assessments/results/"),
        ("aggregate", bench_user(organisation, "hr"), f"/assessments/overview/{prepared['initial']}/"),
        (
            "aggregate, cohort",
            bench_user(organisation, "hr"),
            f"/assessments/overview/{prepared['initial']}/?cohort={prepared['large_cohort']}",
        ),
    ):
        client = signed_in(user)
        client.get(path)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
        counts[name] = sum(1 for query in queries.captured_queries if not query["sql"].startswith("SET "))
    return counts


def run() -> list[dict]:
    from django_tenants.utils import tenant_context

    from bench.common import Target, bench_user, organisation_make, page_figures, portal_server, row, session_cookie

    small_org = organisation_make(slug=f"{SLUG}-small", employees=SMALL + 1)
    with tenant_context(small_org):
        small = _prepare(small_org, cohort=SMALL, small=1)
    organisation = organisation_make(slug=SLUG, employees=COHORT + SMALL)
    started = time.perf_counter()
    with tenant_context(organisation):
        prepared = _prepare(organisation)
    preparation = time.perf_counter() - started
    host = f"{SLUG}.localhost"
    counts_large = _query_counts(organisation, prepared)
    counts_small = _query_counts(small_org, small)
    with portal_server(workers=2) as server:
        submit = _submit_figures(server, organisation, prepared)
        pages = page_figures(
            server,
            [
                Target(
                    "employee's results, three moments",
                    host,
                    "/assessments/results/",
                    session_cookie(bench_user(organisation, "employee", 1), host),
                ),
                Target(
                    "HR's aggregate, cohort of 500",
                    host,
                    f"/assessments/overview/{prepared['initial']}/?cohort={prepared['large_cohort']}",
                    session_cookie(bench_user(organisation, "hr"), host),
                ),
                Target(
                    "HR's aggregate, whole programme (520)",
                    host,
                    f"/assessments/overview/{prepared['initial']}/",
                    session_cookie(bench_user(organisation, "hr"), host),
                ),
            ],
            rounds=ROUNDS,
            requests=REQUESTS,
        )
    for page in pages:
        page["median_s"] = round(page["median_ms"] / 1000, 4)
        target = (
            TARGETS_MS["results"]
            if "results" in page["benchmark"]
            else TARGETS_MS["aggregate"]
            if "aggregate" in page["benchmark"]
            else None
        )
        if target:
            page["notes"] += f"; target under {target} ms: {'met' if page['median_ms'] < target else 'NOT met'}"
    submit_ms = submit["median_s"] * 1000
    rows = [
        row(
            f"hand in a {QUESTIONS}-question assessment (POST …/submit/)",
            median_s=round(submit["median_s"], 4),
            median_ms=round(submit_ms, 2),
            ratio_to_healthz=round(submit["ratio"], 2),
            runs=submit["runs"],
            notes=f"answers saved beforehand; checks, {DIMENSIONS} dimension scores, one transaction; "
            f"one request at a time, each beside a /healthz; {submit['failures']} failures; target "
            f"under {TARGETS_MS['submit']} ms: {'met' if submit_ms < TARGETS_MS['submit'] else 'NOT met'}",
        )
    ]
    in_process = _submit_in_process(organisation, prepared)
    rows.append(
        row(
            "of which: the submit service alone (in-process)",
            median_s=round(in_process, 4),
            median_ms=round(in_process * 1000, 2),
            runs=20,
            notes="lock, questions, answers, scores, update; no HTTP, authentication or serialising",
        )
    )
    rows += pages
    for name in ("results", "aggregate", "aggregate, cohort"):
        rows.append(
            row(
                f"statements: {name}",
                statements_520_people=counts_large[name],
                statements_21_people=counts_small[name],
                runs=1,
                notes="the same however many people: " + ("yes" if counts_large[name] == counts_small[name] else "NO"),
            )
        )
    rows.append(
        row(
            "preparing the bench data",
            median_s=round(preparation, 1),
            runs=1,
            notes=f"{COHORT + SMALL} people handed in the initial assessment (answers in bulk, each "
            "submission through the service); reused when the organisation exists",
        )
    )
    return rows


if __name__ == "__main__":
    from bench.common import run_alone

    run_alone(run)

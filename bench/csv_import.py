"""Enrolling 10,000 employees from one CSV file into a fresh organisation, through the service the upload
page and the API use: checking the whole file, one transaction writing an invitation per new person
(holding their seat and what to enrol them with once they accept; nobody becomes a member by an import),
then the invitation emails after commit (to an in-memory mailbox). Target: under 10 s, all or nothing.

    python -m bench.csv_import      # alone, on the benchmark database; prints Markdown table rows
    python -m bench.run csv_import  # through the harness, into BENCHMARKS.md
"""

from __future__ import annotations

import os
import time
from datetime import date

TITLE = "CSV import of employees"
RUNS = int(os.environ.get("BENCH_CSV_RUNS", 3))
ROWS = int(os.environ.get("BENCH_CSV_ROWS", 10_000))
COHORTS = 10
COLUMNS_NOTE = "7 columns, 10 cohorts, managers from the same file"
TARGET_SECONDS = 10.0
SLUG = "bench-import-{run}"
DROP_BATCH = 500  # people deleted per transaction when the checks cannot be switched off


def csv_file(slug: str, rows: int = ROWS) -> bytes:
    """`rows` new people in ten cohorts, semicolons and a BOM as Dutch Excel writes them; every tenth
    person manages the nine after them. Addresses end in @<slug>.bench, so dropping the organisation
    removes them."""
    lines = ["email;first name;last name;department;job title;manager email;cohort"]
    for number in range(rows):
        manager = "" if number % 10 == 0 else f"p{number - number % 10}@{slug}.bench"
        lines.append(
            f"p{number}@{slug}.bench;Person;Number {number};Department {number % 40};"
            f"{'Team lead' if number % 10 == 0 else 'Specialist'};{manager};Cohort {number % COHORTS}"
        )
    return ("\n".join(lines) + "\n").encode("utf-8-sig")


def _prepare(run: int):
    """A fresh bench organisation with one HR manager, a coach and a programme of ten cohorts."""
    from django_tenants.utils import tenant_context

    from bench.common import bench_user, organisation_make
    from portal import policy
    from programmes.services.programmes import cohort_create, programme_create
    from tenants.models import Organisation

    slug = SLUG.format(run=run)
    leftover = Organisation.objects.filter(slug=slug).first()
    if leftover is not None:
        _drop(leftover)
    organisation = organisation_make(slug=slug, employees=0, coaches=1)
    hr, coach = bench_user(organisation, "hr"), bench_user(organisation, "coach")
    with tenant_context(organisation):
        actor = policy.actor_for(hr, organisation)
        programme = programme_create(
            actor=actor, name="Bench programme", starts_on=date(2026, 1, 1), ends_on=date(2026, 12, 31)
        )
        for number in range(COHORTS):
            cohort_create(actor=actor, programme=programme, name=f"Cohort {number}", capacity=ROWS, coaches=[coach])
    return organisation, actor, programme


def _drop(organisation) -> None:
    """Remove a run's organisation with its invitations (and any people made from them, so the next run
    starts afresh).

    People are deleted inside the organisation's schema, where Django finds the rows that point at them
    (profiles, enrolments...), and before the schema goes. Each deleted user would make PostgreSQL check
    every tenant table that refers to users in every schema (hundreds of organisations: millions of
    index probes and a lock on each table, "out of shared memory" before max_locks_per_transaction was
    raised). Nothing outside this organisation refers to these people, so those checks are switched off
    for the deleting transaction where the database role may (superuser: session_replication_role), and
    otherwise people are deleted in batches, each its own transaction.
    """
    from django.db import connection, transaction
    from django.db.utils import DatabaseError
    from django_tenants.utils import tenant_context

    from tenants.models import PlatformEvent, User

    people = User.objects.filter(email__endswith=f"@{organisation.slug}.bench")
    with tenant_context(organisation):
        try:
            with transaction.atomic():
                with connection.cursor() as cursor:
                    cursor.execute("SET LOCAL session_replication_role = replica")
                people.delete()
        except DatabaseError:  # not allowed to skip the checks: smaller transactions instead
            while ids := list(people.values_list("pk", flat=True)[:DROP_BATCH]):
                with transaction.atomic():
                    User.objects.filter(pk__in=ids).delete()
    PlatformEvent.objects.filter(organisation=organisation).delete()
    organisation.delete(force_drop=True)


def one_run(run: int) -> dict:
    """Seconds for one import of ROWS people, split into the transaction and the emails after it."""
    from django.core import mail
    from django.test.utils import override_settings
    from django_tenants.utils import tenant_context

    from programmes.services import imports
    from tenants import services as tenant_services

    organisation, actor, programme = _prepare(run)
    sending = []
    send = tenant_services.invitations_send

    def timed_send(**kwargs):
        started = time.perf_counter()
        try:
            return send(**kwargs)
        finally:
            sending.append(time.perf_counter() - started)

    try:
        data = csv_file(organisation.slug)
        tenant_services.invitations_send = timed_send
        with (
            override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"),
            tenant_context(organisation),
        ):
            mail.outbox = []
            started = time.perf_counter()
            outcome = imports.enrolment_import(actor=actor, data=data, programme=programme)
            seconds = time.perf_counter() - started
            emails = len(mail.outbox)
        if not outcome.ok or outcome.enrolled != ROWS:
            raise RuntimeError(f"the import did not enrol everyone: {outcome.message()} {outcome.errors[:3]}")
        return {"seconds": seconds, "emails_s": sum(sending), "emails": emails, "bytes": len(data)}
    finally:
        tenant_services.invitations_send = send
        _drop(organisation)


def run() -> list[dict]:
    from bench.common import median, row

    runs = [one_run(number) for number in range(RUNS)]
    imported = [one["seconds"] - one["emails_s"] for one in runs]
    emails = [one["emails_s"] for one in runs]
    total = [one["seconds"] for one in runs]
    met = "met" if median(imported) < TARGET_SECONDS else "MISSED"
    return [
        row(
            f"import {ROWS:,} rows into a new organisation",
            median_s=round(median(imported), 2),
            min_s=round(min(imported), 2),
            max_s=round(max(imported), 2),
            runs=RUNS,
            notes=f"{runs[0]['bytes'] / 1024 / 1024:.1f} MB file, {COLUMNS_NOTE}; every row checked, then one "
            f"transaction; target under {TARGET_SECONDS:.0f} s: {met}",
        ),
        row(
            f"then {runs[0]['emails']:,} invitation emails",
            median_s=round(median(emails), 2),
            runs=RUNS,
            notes="after commit, over one mail connection (in-memory backend); a Celery task on a worker in "
            "production, inline without a broker",
        ),
        row(
            "import and emails, inline",
            median_s=round(median(total), 2),
            runs=RUNS,
            notes="what one process does end to end when tasks run inline",
        ),
    ]


if __name__ == "__main__":
    from bench.common import run_alone

    run_alone(run)

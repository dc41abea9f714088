"""The programmes part of the test world: in each organisation a programme with two cohorts.

Cohort A is coached by the organisation's own coach, cohort B by the coach who serves both
organisations. `employee` is enrolled in A (1:1 coach: the organisation's coach), `employee2` in B
(1:1 coach: the coach of both). Keys in `org.people`: programme, cohort_a, cohort_b, enrolment,
enrolment2, phase, resource (a link), import_job (a finished import).
"""

from __future__ import annotations

from datetime import date

from django_tenants.utils import tenant_context

from programmes.models import (
    Cohort,
    EmployeeProfile,
    Enrolment,
    EnrolmentEvent,
    EnrolmentImport,
    Phase,
    Programme,
    Resource,
)

PROGRAMME = "Leadership in practice"
_known: dict[str, dict] = {}


def enrol(employee, cohort: Cohort, *, coach=None, credits: int = 6, by=None) -> Enrolment:
    """`employee` enrolled in `cohort` (active), with `coach` for their 1:1s; `by` the HR manager who did it."""
    return Enrolment.objects.create(
        programme=cohort.programme,
        cohort=cohort,
        employee=employee,
        coach=coach,
        status=Enrolment.Status.ACTIVE,
        credit_allowance=credits,
        status_changed_by=by,
    )


def _build(org, coach_both) -> dict:
    programme = Programme.objects.filter(name=PROGRAMME).first()
    if programme is None:
        programme = Programme.objects.create(
            name=PROGRAMME,
            description="Twelve weeks of group and individual coaching.",
            objectives="Lead with clarity and give feedback that helps.",
            starts_on=date(2026, 1, 5),
            ends_on=date(2026, 12, 18),
            status=Programme.Status.ACTIVE,
            default_credits=6,
            created_by=org.hr,
        )
        Phase.objects.bulk_create(
            Phase(programme=programme, position=position, kind=kind, name=name)
            for position, (kind, name) in enumerate(
                (
                    ("intake", "Intake and initial assessment"),
                    ("group", "Group sessions"),
                    ("individual", "Individual coaching"),
                    ("final", "Final assessment"),
                ),
                start=1,
            )
        )
        Resource.objects.create(
            programme=programme, title="Feedback that lands", position=1, url="https://example.com/feedback"
        )
        cohort_a = Cohort.objects.create(programme=programme, name="Cohort A", capacity=12, starts_on=date(2026, 1, 12))
        cohort_a.coaches.set([org.coach])
        cohort_b = Cohort.objects.create(programme=programme, name="Cohort B", capacity=12, starts_on=date(2026, 1, 19))
        cohort_b.coaches.set([coach_both])
        for employee, cohort, coach in ((org.employee, cohort_a, org.coach), (org.employee2, cohort_b, coach_both)):
            enrolment = enrol(employee, cohort, coach=coach, by=org.hr)
            EnrolmentEvent.objects.create(enrolment=enrolment, from_status="", to_status="active", by=org.hr)
            EmployeeProfile.objects.get_or_create(
                user=employee, defaults={"department": "Operations", "job_title": "Planner", "manager": org.hr}
            )
    job = EnrolmentImport.objects.filter(programme=programme).first() or EnrolmentImport.objects.create(
        programme=programme,
        file_name="employees.csv",
        status=EnrolmentImport.Status.SUCCEEDED,
        created_by=org.hr,
        summary={"rows": 2, "enrolled": 0, "unchanged": 2, "updated": 0, "invited": 0, "ignored_columns": []},
    )
    cohorts = dict(programme.cohorts.values_list("name", "pk"))
    enrolments = dict(programme.enrolments.values_list("employee_id", "pk"))
    return {
        "programme": programme.pk,
        "cohort_a": cohorts["Cohort A"],
        "cohort_b": cohorts["Cohort B"],
        "enrolment": enrolments[org.employee.pk],
        "enrolment2": enrolments[org.employee2.pk],
        "phase": programme.phases.order_by("position").values_list("pk", flat=True).first(),
        "resource": programme.resources.values_list("pk", flat=True).first(),
        "import_job": str(job.pk),
    }


def programmes_world(world) -> None:
    for org in (world.acme, world.globex):
        schema = org.organisation.schema_name
        if schema not in _known:
            with tenant_context(org.organisation):
                _known[schema] = _build(org, world.coach_both)
        org.people.update(_known[schema])

"""The demo programmes: one per organisation (Dutch for Globex), two cohorts coached by the demo coach,
all 25 employees enrolled with where they stand, and the agreement accepted by most. Seeding twice
changes nothing."""

from __future__ import annotations

from django.db import connection
from django_tenants.utils import schema_context, tenant_context

from programmes import demo
from programmes.models import AgreementAcceptance, EmployeeProfile, Enrolment, Programme
from tenants import demo as people


def test_the_demo_seeds_a_programme_per_organisation_and_is_idempotent(db, django_capture_on_commit_callbacks):
    with schema_context("public"):
        organisations = people.seed_people()
    for organisation in organisations:
        with tenant_context(organisation):
            demo.seed(organisation)
            demo.seed(organisation)  # a second run changes nothing
            content = demo.CONTENT[organisation.default_language]
            programme = Programme.objects.get(name=content["programme"])  # the test world has its own too
            enrolments = Enrolment.objects.filter(programme=programme).select_related("coach", "cohort", "employee")
            assert enrolments.count() == people.EMPLOYEES_PER_ORGANISATION
            assert all(enrolment.coach.email == people.COACH[0] for enrolment in enrolments)
            assert programme.phases.count() == 4 and programme.cohorts.count() == 2
            assert all(cohort.coaches.filter(email=people.COACH[0]).exists() for cohort in programme.cohorts.all())
            statuses = sorted(enrolments.values_list("status", flat=True))
            assert statuses.count("active") == 21 and statuses.count("invited") == 3 and "withdrawn" in statuses
            assert AgreementAcceptance.objects.filter(user__in=enrolments.values("employee")).count() == 22
            profiles = EmployeeProfile.objects.filter(user__in=enrolments.values("employee"))
            assert profiles.exclude(department="").exclude(job_title="").count() == people.EMPLOYEES_PER_ORGANISATION
            assert profiles.filter(manager__isnull=False).count() == 23
            if organisation.default_language == "nl":
                assert programme.name == "Leidinggeven met helderheid 2026"
                assert programme.phases.order_by("position").first().name == "Intake en nulmeting"
                assert set(programme.cohorts.values_list("name", flat=True)) == {"Groep A", "Groep B"}
        connection.set_schema_to_public()

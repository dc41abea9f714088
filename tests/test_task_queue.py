"""Every task is queued through portal.tasks: it runs in the schema of the organisation that queued it,
even when the transaction commits after the connection has moved on to another organisation's schema
(tenant-schemas-celery alone would take the schema current at commit time)."""

from __future__ import annotations

from django.db import connection
from django.urls import reverse
from django_tenants.utils import tenant_context

from programmes.models import EnrolmentImport
from programmes.services import imports
from reports.models import ReportJob
from tests.programmes.test_import import HEADER


def request_report(world, client_for, capture) -> list:
    """An employee of acme asks for their personal report; the callbacks waiting for the commit."""
    client = client_for(world.acme.employee, world.acme.host)
    with capture(execute=False) as callbacks:
        assert client.post(reverse("reports_job_create"), {"kind": ReportJob.Kind.PERSONAL}).status_code == 302
    assert len(callbacks) == 1
    return callbacks


def the_job(world, in_tenant) -> ReportJob:
    with in_tenant(world.acme):
        return ReportJob.objects.get(requested_by=world.acme.employee)


def test_a_report_queued_in_one_organisation_renders_there_when_the_commit_happens_in_another(
    world, in_tenant, client_for, django_capture_on_commit_callbacks
):
    callbacks = request_report(world, client_for, django_capture_on_commit_callbacks)
    job = the_job(world, in_tenant)
    assert job.status == ReportJob.Status.QUEUED
    with in_tenant(world.globex):  # the commit comes while the connection is on globex
        callbacks[0]()
    with in_tenant(world.acme):
        job.refresh_from_db()
        assert job.status == ReportJob.Status.READY and job.pages >= 1
    with in_tenant(world.globex):
        assert not ReportJob.objects.exists()


def test_a_report_queued_in_an_organisation_renders_there_when_the_commit_happens_on_the_public_schema(
    world, in_tenant, client_for, django_capture_on_commit_callbacks
):
    callbacks = request_report(world, client_for, django_capture_on_commit_callbacks)
    job = the_job(world, in_tenant)
    connection.set_schema_to_public()  # the commit comes on the public schema (a command's last step)
    for callback in callbacks:
        callback()
    with in_tenant(world.acme):
        job.refresh_from_db()
        assert job.status == ReportJob.Status.READY


def test_a_background_import_started_in_one_organisation_runs_there_when_the_commit_happens_in_another(
    world, in_tenant, actor, client_for, django_capture_on_commit_callbacks
):
    with in_tenant(world.acme):
        job = imports.import_job_create(
            actor=actor(world.acme.hr, world.acme),
            file_name="big.csv",
            programme=None,
            data=(HEADER + "\nq1@acme.test,Q,One,,,,Cohort A\n").encode(),
        )
    client = client_for(world.acme.hr, world.acme.host)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert client.post(reverse("enrolment_import_start", args=[job.pk])).status_code == 204
        with in_tenant(world.acme):
            job.refresh_from_db()
            assert job.status == EnrolmentImport.Status.QUEUED  # nothing runs before the commit
    with tenant_context(world.globex.organisation):  # the commit comes while the connection is on globex
        for callback in callbacks:
            callback()
    with in_tenant(world.acme):
        job.refresh_from_db()
        assert job.status == EnrolmentImport.Status.SUCCEEDED and job.summary["invited"] == 1

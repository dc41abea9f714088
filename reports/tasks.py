"""Background work of reports and data rights. Tenant-aware (tenant-schemas-celery): a report queued in an
organisation renders in that organisation's schema (queued with portal.tasks.enqueue_after_commit). The
scheduled tasks (CELERY_BEAT_SCHEDULE) start on the public schema and visit every organisation themselves
(portal.tasks.each_organisation_run), inactive ones too: their people's rights and the retention period
do not lapse with the organisation.
"""

from __future__ import annotations

from portal.celery import app
from portal.tasks import each_organisation_run
from reports import disclosure
from reports.services.erasure import erasures_due_run
from reports.services.jobs import report_job_run, report_jobs_expire
from reports.services.offboarding import archives_expire
from reports.services.retention import retention_apply


@app.task(name="reports.tasks.report_render")
def report_render(job_id: str) -> None:
    report_job_run(job_id=job_id)


@app.task(name="reports.tasks.erasures_run")
def erasures_run() -> int:
    """Carry out every erasure whose grace period has passed, organisation by organisation."""
    done = each_organisation_run(
        lambda organisation: erasures_due_run(), failure="Erasures in %s failed; they stay scheduled"
    )
    return sum(done.values())


def _retention(organisation) -> int:
    deleted = retention_apply(organisation=organisation)
    report_jobs_expire()
    return deleted


@app.task(name="reports.tasks.retention_run")
def retention_run() -> dict:
    """Delete coaching content older than each organisation's retention period, expired reports and
    offboarding archives past their time."""
    # One organisation's failure must not keep the others' content past its time.
    deleted = each_organisation_run(_retention, failure="Retention in %s failed")
    deleted["archives"] = archives_expire()
    return deleted


@app.task(name="reports.tasks.disclosure_refresh")
def disclosure_refresh() -> dict:
    """Release every organisation's aggregate cells for the day (reports.disclosure: at most once a day,
    under the change rule), organisation by organisation."""
    # One organisation's failure keeps its last release; the others still refresh.
    return each_organisation_run(
        lambda organisation: disclosure.refresh(), failure="Releasing aggregates in %s failed; the last release stays"
    )

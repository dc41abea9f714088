"""Background work of reports and data rights. Tenant-aware (tenant-schemas-celery): a report queued in an
organisation renders in that organisation's schema. The scheduled tasks (CELERY_BEAT_SCHEDULE) start on
the public schema and visit every organisation themselves.
"""

from __future__ import annotations

import logging

from django_tenants.utils import tenant_context

from portal.celery import app
from tenants.models import Organisation

logger = logging.getLogger(__name__)


@app.task(name="reports.tasks.report_render")
def report_render(job_id: str) -> None:
    from reports.services.jobs import report_job_run

    report_job_run(job_id=job_id)


def _organisations():
    return Organisation.objects.exclude(schema_name="public").order_by("pk")


@app.task(name="reports.tasks.erasures_run")
def erasures_run() -> int:
    """Carry out every erasure whose grace period has passed, organisation by organisation."""
    from reports.services.erasure import erasures_due_run

    done = 0
    for organisation in _organisations():
        try:
            with tenant_context(organisation):
                done += erasures_due_run()
        except Exception:
            logger.exception("Erasures in %s failed; they stay scheduled", organisation.slug)
    return done


@app.task(name="reports.tasks.retention_run")
def retention_run() -> dict:
    """Delete coaching content older than each organisation's retention period, expired reports and
    offboarding archives past their time."""
    from reports.services.jobs import report_jobs_expire
    from reports.services.offboarding import archives_expire
    from reports.services.retention import retention_apply

    deleted = {}
    for organisation in _organisations():
        try:
            with tenant_context(organisation):
                deleted[organisation.slug] = retention_apply(organisation=organisation)
                report_jobs_expire()
        except Exception:  # one organisation's failure must not keep the others' content past its time
            logger.exception("Retention in %s failed", organisation.slug)
    deleted["archives"] = archives_expire()
    return deleted


@app.task(name="reports.tasks.disclosure_refresh")
def disclosure_refresh() -> dict:
    """Release every organisation's aggregate cells for the day (reports.disclosure: at most once a day,
    under the change rule), organisation by organisation."""
    from reports.disclosure import refresh

    done = {}
    for organisation in _organisations():
        try:
            with tenant_context(organisation):
                done[organisation.slug] = refresh()
        except Exception:  # one organisation's failure keeps its last release; the others still refresh
            logger.exception("Releasing aggregates in %s failed; the last release stays", organisation.slug)
    return done

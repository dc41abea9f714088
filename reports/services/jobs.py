"""Reports rendered in the background: start one, run it (in a Celery task, inline by default), and
let it go when it has been kept long enough.

A job stores what it was asked (the selection, never a decision about access): when it runs, the
requester's access is checked again, as if they downloaded the report at that moment.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.db import connection
from django.http import Http404
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from portal import policy
from reports import documents
from reports.models import ReportJob
from reports.selectors import coach as coach_selectors
from reports.selectors import dashboard as dashboard_selectors
from reports.selectors import personal as personal_selectors

logger = logging.getLogger(__name__)


def _reflection_ids(raw) -> list[int]:
    ids = []
    for value in raw or []:
        try:
            ids.append(int(value))
        except (TypeError, ValueError):
            continue
    return ids


def report_job_start(*, actor: policy.Actor, kind: str, params) -> ReportJob:
    """Record a report for `actor` to prepare; the caller queues `reports.tasks.report_render` for it (a
    service never imports its app's tasks, which import the services). Access is checked now (the
    ordinary 404) and again when it runs."""
    job = ReportJob(kind=kind, requested_by_id=actor.user_id)
    if kind == ReportJob.Kind.PROGRAMME:
        filters, _problems = dashboard_selectors.filters_from(actor=actor, params=params)
        job.options, job.programme = filters.as_query(), filters.programme
    elif kind == ReportJob.Kind.PERSONAL:
        raw_person = params.get("person") or actor.user_id
        try:
            person_id = int(raw_person)
        except (TypeError, ValueError):
            raise Http404(policy.NOT_FOUND) from None
        job.subject = personal_selectors.report_subject(actor=actor, user_id=person_id)
        job.options = {
            "reflections": _reflection_ids(
                params.getlist("reflection") if hasattr(params, "getlist") else params.get("reflection")
            )
        }
    elif kind == ReportJob.Kind.COACH:
        policy.require(actor, policy.COACH)
        period, _problems = coach_selectors.period_from(params)
        job.options = period.as_query()
    else:
        raise Http404(policy.NOT_FOUND)
    job.save()
    return job


def _progress(job: ReportJob, percent: int, status: str = ReportJob.Status.RUNNING) -> None:
    job.progress, job.status = percent, status
    ReportJob.objects.filter(pk=job.pk).update(progress=percent, status=status)


def report_job_run(*, job_id: str) -> ReportJob | None:
    """Render the job's report as its requester may see it now; record the outcome on the job."""
    job = ReportJob.objects.select_related("requested_by", "subject").filter(pk=job_id).first()
    if job is None or job.is_finished:
        return job
    _progress(job, 5)
    actor = policy.actor_for(job.requested_by, connection.tenant)
    language = job.requested_by.language or connection.tenant.default_language
    try:
        with translation.override(language):  # the report in the language its reader reads the portal in
            rendered, name = _render(job, actor, lambda percent: _progress(job, percent))
    except Http404:
        return _fail(job, _("You no longer have access to what this report covers."))
    except Exception:  # the requester sees that it failed; the details go to the log
        logger.exception("Report %s (%s) failed", job.pk, job.kind)
        return _fail(job, _("The report could not be prepared. Please try again."))
    job.pdf, job.pages, job.file_name = rendered.content, rendered.pages, name
    job.status, job.progress, job.finished_at = ReportJob.Status.READY, 100, timezone.now()
    job.save(update_fields=["pdf", "pages", "file_name", "status", "progress", "finished_at"])
    return job


def _render(job: ReportJob, actor: policy.Actor, progress):
    if job.kind == ReportJob.Kind.PROGRAMME:
        filters, _problems = dashboard_selectors.filters_from(actor=actor, params=job.options)
        return documents.programme_pdf(actor=actor, filters=filters, progress=progress)
    if job.kind == ReportJob.Kind.PERSONAL:
        person = personal_selectors.report_subject(actor=actor, user_id=job.subject_id)
        return documents.personal_pdf(
            actor=actor, person=person, reflection_ids=job.options.get("reflections"), progress=progress
        )
    period, _problems = coach_selectors.period_from(job.options)
    return documents.coach_pdf(actor=actor, period=period, progress=progress)


def _fail(job: ReportJob, message: str) -> ReportJob:
    job.status, job.finished_at = ReportJob.Status.FAILED, timezone.now()
    job.options = {**job.options, "error": message}
    job.save(update_fields=["status", "finished_at", "options"])
    return job


def report_jobs_expire(*, now=None) -> int:
    """Delete reports kept longer than REPORT_JOB_KEEP_HOURS (finished or stuck alike)."""
    cutoff = (now or timezone.now()) - timedelta(hours=settings.REPORT_JOB_KEEP_HOURS)
    deleted, _per_model = ReportJob.objects.filter(created_at__lt=cutoff).delete()
    return deleted

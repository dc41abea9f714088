"""Imports of uploaded files: the upload recorded as a job, run at once or in the background
(programmes.tasks), with its progress in the cache for the page that shows it."""

from __future__ import annotations

from django.core.cache import cache
from django.db import connection, transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from portal import policy
from portal.policy import Actor
from programmes.models import (
    EnrolmentImport,
    Programme,
)
from programmes.services.imports.parsing import RowError, max_bytes, parse_csv
from programmes.services.imports.planning import ImportOutcome, enrolment_import

# --- imports of uploaded files, with progress ----------------------------------------------------------


def _progress_key(job_id) -> str:
    # The cache's key function adds the organisation's schema, so each organisation has its own keys.
    return f"programmes:enrolment-import:{job_id}"


def import_progress(job: EnrolmentImport) -> dict:
    """Where a running import is: {"stage", "percent"}."""
    return cache.get(_progress_key(job.pk)) or {"stage": "waiting", "percent": 0}


class _ProgressReporter:
    """Writes progress to the cache (outside the import's transaction, so other requests see it), only
    when it changes."""

    def __init__(self, job_id):
        self.key, self.last = _progress_key(job_id), None

    def __call__(self, stage: str, fraction: float) -> None:
        progress = {"stage": stage, "percent": int(fraction * 100)}
        if progress != self.last:
            self.last = progress
            cache.set(self.key, progress, timeout=60 * 60)


def import_job_create(*, actor: Actor, file_name: str, data: bytes, programme: Programme | None) -> EnrolmentImport:
    """Record an upload. A file over the size limit is refused at once and not stored."""
    policy.require(actor, policy.HR_MANAGER)
    job = EnrolmentImport(programme=programme, file_name=file_name[:255], created_by=actor.user)
    if len(data) > max_bytes():
        outcome = ImportOutcome(errors=parse_csv(data).errors)
        _finish(job, outcome)
    else:
        job.content = data
        job.save()
    return job


def import_job_run(*, job_id) -> EnrolmentImport | None:
    """Run a recorded import once (a second call finds it started and does nothing)."""
    if not EnrolmentImport.objects.filter(pk=job_id, status=EnrolmentImport.Status.QUEUED).update(
        status=EnrolmentImport.Status.RUNNING
    ):
        return EnrolmentImport.objects.filter(pk=job_id).first()
    job = EnrolmentImport.objects.select_related("programme", "created_by").get(pk=job_id)
    actor = policy.actor_for(job.created_by, connection.tenant)
    reporter = _ProgressReporter(job.pk)
    # The outcome is saved in the import's own transaction, so the invitations (sent once it commits)
    # never keep HR waiting for the result.
    with transaction.atomic():
        try:
            outcome = enrolment_import(actor=actor, data=bytes(job.content), programme=job.programme, progress=reporter)
        except Http404:
            outcome = ImportOutcome(
                errors=[RowError(None, None, _("The person who uploaded this file is no longer an HR manager here."))]
            )
        _finish(job, outcome)
    reporter("done", 1.0)
    return job


def _finish(job: EnrolmentImport, outcome: ImportOutcome) -> None:
    job.status = EnrolmentImport.Status.SUCCEEDED if outcome.ok else EnrolmentImport.Status.FAILED
    job.summary, job.errors = outcome.summary(), [error.as_dict() for error in outcome.errors]
    job.content, job.finished_at = b"", timezone.now()
    job.save()

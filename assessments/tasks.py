"""Background work of assessments: each morning, hand newly enrolled people their scheduled assessments
and remind everyone whose assessment is due soon or overdue.

Tenant-aware (tenant-schemas-celery): the beat's entry point queues one task per organisation inside its
schema, and that task runs in the schema it was queued from. Without a broker both run inline.
"""

from __future__ import annotations

from django.db import connection

from assessments.services.assignments import assignments_sync_all, reminders_send
from portal.celery import app
from portal.tasks import each_organisation_queue


@app.task(name="assessments.assessment_reminders")
def assessment_reminders() -> int:
    """The beat's entry point (each morning): queue every active organisation's run in its schema."""
    return each_organisation_queue(organisation_assessment_reminders)


@app.task(name="assessments.organisation_assessment_reminders")
def organisation_assessment_reminders() -> int:
    """Give people enrolled since scheduling their assessments, then remind; how many were reminded."""
    assignments_sync_all()
    return reminders_send(organisation=connection.tenant)

"""Background work of assessments and the journal, each morning: hand newly enrolled people their scheduled
assessments and remind everyone whose assessment is due soon or overdue; remind employees of actions past
their due date.

Tenant-aware (tenant-schemas-celery): each beat entry point queues one task per organisation in its schema
(portal.tasks.each_organisation_queue), and that task runs there. Without a broker both run inline.
"""

from __future__ import annotations

from django.db import connection

from assessments.services.assignments import assignments_sync_all, reminders_send
from assessments.services.goals import overdue_reminders_send
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


# --- the journal ------------------------------------------------------------------------------------


@app.task(name="assessments.overdue_action_reminders")
def overdue_action_reminders() -> int:
    """The beat's entry point (each morning): queue every active organisation's reminders in its schema."""
    return each_organisation_queue(organisation_overdue_action_reminders)


@app.task(name="assessments.organisation_overdue_action_reminders")
def organisation_overdue_action_reminders() -> int:
    """Remind this organisation's employees of their overdue actions; how many people were reminded."""
    return overdue_reminders_send(organisation=connection.tenant)

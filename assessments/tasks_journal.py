"""Background work of the journal: reminding employees of actions past their due date.

Tenant-aware (tenant-schemas-celery): the beat's entry point queues one task per organisation inside its
schema, and that task runs in the schema it was queued from. Without a broker both run inline.
"""

from __future__ import annotations

from django.db import connection

from assessments.services.goals import overdue_reminders_send
from portal.celery import app
from portal.tasks import each_organisation_queue


@app.task(name="assessments.overdue_action_reminders")
def overdue_action_reminders() -> int:
    """The beat's entry point (each morning): queue every active organisation's reminders in its schema."""
    return each_organisation_queue(organisation_overdue_action_reminders)


@app.task(name="assessments.organisation_overdue_action_reminders")
def organisation_overdue_action_reminders() -> int:
    """Remind this organisation's employees of their overdue actions; how many people were reminded."""
    return overdue_reminders_send(organisation=connection.tenant)

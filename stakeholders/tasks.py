"""Background work of stakeholder feedback, each morning: remind the raters who have not answered.

Tenant-aware like assessments.tasks: the beat's entry point queues one task per organisation in its schema.
"""

from __future__ import annotations

from django.db import connection

from portal.celery import app
from portal.tasks import each_organisation_queue
from stakeholders.services import reminders_send


@app.task(name="stakeholders.rater_reminders")
def rater_reminders() -> int:
    """The beat's entry point (each morning): queue every active organisation's run in its schema."""
    return each_organisation_queue(organisation_rater_reminders)


@app.task(name="stakeholders.organisation_rater_reminders")
def organisation_rater_reminders() -> int:
    """Remind this organisation's raters who have not answered; how many were reminded."""
    return reminders_send(organisation=connection.tenant)

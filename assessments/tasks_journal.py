"""Background work of the journal: reminding employees of actions past their due date.

Tenant-aware (tenant-schemas-celery): the beat's entry point queues one task per organisation inside its
schema, and that task runs in the schema it was queued from. Without a broker both run inline.
"""

from __future__ import annotations

from django.db import connection
from django_tenants.utils import get_public_schema_name, tenant_context

from assessments.services.goals import overdue_reminders_send
from portal.celery import app
from tenants.models import Organisation


@app.task(name="assessments.overdue_action_reminders")
def overdue_action_reminders() -> int:
    """The beat's entry point (each morning): queue every active organisation's reminders in its schema."""
    organisations = Organisation.objects.filter(is_active=True).exclude(schema_name=get_public_schema_name())
    for organisation in organisations:
        with tenant_context(organisation):
            organisation_overdue_action_reminders.delay()
    return len(organisations)


@app.task(name="assessments.organisation_overdue_action_reminders")
def organisation_overdue_action_reminders() -> int:
    """Remind this organisation's employees of their overdue actions; how many people were reminded."""
    return overdue_reminders_send(organisation=connection.tenant)

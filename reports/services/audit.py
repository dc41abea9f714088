"""Writes of the organisation's administrative audit (reports.AuditEvent): kinds and counts, no content."""

from __future__ import annotations

from django.db import connection

from portal import policy
from reports.models import AuditEvent, is_data_right
from tenants.models import Organisation, PlatformEvent


def audit_record(*, actor: policy.Actor | None, action: str, subject=None, **detail) -> AuditEvent:
    """Record that `actor` did `action` (to `subject`, a user or user id, if any), in this organisation.

    A person's own use of a data right (reports.models.is_data_right) is also recorded in the platform
    audit, by name, for platform staff: the organisation's HR managers see only how many."""
    if action not in AuditEvent.Action.values:
        raise ValueError(f"unknown audit action {action!r}")
    subject_id = subject if isinstance(subject, int) or subject is None else subject.pk
    event = AuditEvent.objects.create(
        actor_id=actor.user_id if actor is not None else None, subject_id=subject_id, action=action, detail=detail
    )
    if is_data_right(action, detail):
        organisation = (
            actor.organisation if actor is not None else Organisation.objects.get(schema_name=connection.schema_name)
        )
        PlatformEvent.objects.create(
            actor_id=event.actor_id,
            organisation=organisation,
            action=PlatformEvent.DATA_RIGHT_PREFIX + action,
            detail={"user": subject_id, **detail},
        )
    return event

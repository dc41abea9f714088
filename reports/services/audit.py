"""Writes of the organisation's administrative audit (reports.AuditEvent): kinds and counts, no content."""

from __future__ import annotations

from portal import policy
from reports.models import AuditEvent


def audit_record(*, actor: policy.Actor | None, action: str, subject=None, **detail) -> AuditEvent:
    """Record that `actor` did `action` (to `subject`, a user or user id, if any), in this organisation."""
    if action not in AuditEvent.Action.values:
        raise ValueError(f"unknown audit action {action!r}")
    subject_id = subject if isinstance(subject, int) or subject is None else subject.pk
    return AuditEvent.objects.create(actor_id=actor.user_id if actor is not None else None,
                                     subject_id=subject_id, action=action, detail=detail)

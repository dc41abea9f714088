"""Storage limitation: coaching content older than the organisation's retention period is deleted."""

from __future__ import annotations

from datetime import timedelta

from django.apps import apps
from django.db import transaction
from django.utils import timezone

from reports import data_map
from reports.models import AuditEvent
from tenants.models import Organisation

DAYS_PER_MONTH = 30.44


def retention_cutoff(organisation: Organisation, *, now=None):
    return (now or timezone.now()) - timedelta(days=round(organisation.retention_months * DAYS_PER_MONTH))


@transaction.atomic
def retention_apply(*, organisation: Organisation, now=None) -> dict[str, int]:
    """Delete, in the current (the organisation's) schema, every piece of coaching content last written
    before the cutoff, with what hangs off it. Records what went in the audit (counts only)."""
    cutoff = retention_cutoff(organisation, now=now)
    deleted: dict[str, int] = {}
    for label, dated_by in data_map.RETENTION:
        model = apps.get_model(label)
        _total, per_model = model._default_manager.filter(**{f"{dated_by}__lt": cutoff}).delete()
        for name, number in per_model.items():  # with what hung off them (answers, actions, replies...)
            if number:
                deleted[name] = deleted.get(name, 0) + number
    if deleted:
        AuditEvent.objects.create(
            actor=None,
            action=AuditEvent.Action.RETENTION_PURGED,
            detail={"before": cutoff.date().isoformat(), "rows": deleted, "months": organisation.retention_months},
        )
    return deleted

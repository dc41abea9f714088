"""Reads of the read audit: the employee's own "who has seen my data"."""

from __future__ import annotations

from django.db.models import QuerySet

from assessments.models.journal import AccessLogEntry
from portal import policy


def access_log(*, actor: policy.Actor, kind: str | None = None) -> QuerySet[AccessLogEntry]:
    """Every time someone other than the actor opened their sensitive data, newest first."""
    rows = policy.scope(actor, AccessLogEntry).select_related("reader").only(
        "kind", "object_id", "at", "reader_role", "reader__first_name", "reader__last_name", "reader__email")
    if kind in AccessLogEntry.Kind.values:
        rows = rows.filter(kind=kind)
    return rows.order_by("-at", "-pk")

"""Reads of the read audit: the employee's own "who has seen my data"."""

from __future__ import annotations

from django.contrib.postgres.aggregates import ArrayAgg
from django.db.models import Count, Max, Min, QuerySet

from assessments.models.journal import AccessLogEntry
from portal import policy


def access_log(*, actor: policy.Actor, kind: str | None = None) -> QuerySet[AccessLogEntry]:
    """Every time someone other than the actor opened their sensitive data, newest first."""
    rows = (
        policy.scope(actor, AccessLogEntry)
        .select_related("reader")
        .only("kind", "object_id", "at", "reader_role", "reader__first_name", "reader__last_name", "reader__email")
    )
    if kind in AccessLogEntry.Kind.values:
        rows = rows.filter(kind=kind)
    return rows.order_by("-at", "-pk")


def access_log_grouped(*, actor: policy.Actor, kind: str | None = None) -> QuerySet[dict]:
    """The same reads, one row per reader, kind and item: how often it was opened, first and last (newest
    last read first). A coach who opens a reflection four times is one line "4 times, last on …", not
    four lines pushing everything else off the page. Grouped in the query, so a page is still one query
    (and the count one more), however many reads there were."""
    rows = policy.scope(actor, AccessLogEntry)
    if kind in AccessLogEntry.Kind.values:
        rows = rows.filter(kind=kind)
    return (
        rows.values("reader_id", "kind", "object_id", "reader__first_name", "reader__last_name", "reader__email")
        .annotate(
            times=Count("pk"),
            first_at=Min("at"),
            last_at=Max("at"),
            # the roles they read in (almost always one: a person's role here rarely changes)
            reader_roles=ArrayAgg("reader_role", distinct=True, default=[]),
        )
        .order_by("-last_at", "reader_id", "kind", "object_id")
    )

"""Reads of webhooks, through the policy (HR only)."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from portal import policy
from portal.policy import Actor
from webhooks.models import Attempt, Delivery, Endpoint

LOG_LENGTH = 50


def endpoints_for(*, actor: Actor) -> QuerySet:
    return policy.scope(actor, Endpoint).order_by("pk")


def delivery_log(*, actor: Actor, endpoint: Endpoint, limit: int = LOG_LENGTH) -> list[Delivery]:
    """The endpoint's latest deliveries, newest first, each with its attempts (three queries in all)."""
    attempts = Prefetch("attempt_log", queryset=policy.scope(actor, Attempt).order_by("-started_at", "-pk"))
    return list(
        policy.scope(actor, Delivery)
        .filter(endpoint=endpoint)
        .select_related("message")
        .prefetch_related(attempts)
        .order_by("-pk")[:limit]
    )

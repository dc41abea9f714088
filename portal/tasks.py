"""Background work of the portal itself (scheduled in CELERY_BEAT_SCHEDULE, on the public schema)."""

from __future__ import annotations

from portal.celery import app


@app.task(name="portal.tasks.sign_in_failures_prune")
def sign_in_failures_prune() -> int:
    from portal.throttling import sign_in_failures_prune as prune

    return prune()

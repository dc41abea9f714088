"""Background work of the portal itself, and the one way every task in the project is queued.

Tasks are tenant-aware (tenant-schemas-celery): a worker runs a task in the schema named by its
`_schema_name` header, which the library fills in with the schema current when the task is *sent*. A task
queued on commit is sent when the transaction commits, and by then the connection may be on another
organisation's schema (a view or a management command that visits several) or back on the public one: the
task would run there, on another organisation's rows or on none. So every task is queued through
`enqueue_after_commit`, which names the schema current when it is called, and every scheduled task that
works organisation by organisation goes through `each_organisation_queue` or `each_organisation_run`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TypeVar

from django.db import connection, transaction
from django_tenants.utils import get_public_schema_name, tenant_context

from portal.celery import app
from portal.idempotency import idempotency_prune as _idempotency_prune
from portal.throttling import sign_in_failures_prune as _sign_in_failures_prune
from tenants.models import Organisation

logger = logging.getLogger(__name__)

T = TypeVar("T")


def _send(task, schema: str, args: tuple, kwargs: dict) -> None:
    task.apply_async(args=args, kwargs=kwargs, headers={"_schema_name": schema})


def enqueue_after_commit(task, *args, **kwargs) -> None:
    """Queue `task(*args, **kwargs)` once the current transaction commits (at once outside one), to run in
    the schema that is current now."""
    schema = connection.schema_name
    transaction.on_commit(lambda: _send(task, schema, args, kwargs))


def organisations(*, active_only: bool = True):
    """The organisations scheduled work visits, oldest first (never the public schema)."""
    found = Organisation.objects.exclude(schema_name=get_public_schema_name()).order_by("pk")
    return found.filter(is_active=True) if active_only else found


def each_organisation_queue(task, *args, **kwargs) -> int:
    """Queue `task` once in every active organisation's schema (each runs on its own, and one failing
    leaves the others); how many were queued."""
    queued = 0
    for organisation in organisations():
        # At once: the beat's entry point writes nothing for a commit to wait on.
        _send(task, organisation.schema_name, args, kwargs)
        queued += 1
    return queued


def each_organisation_run(
    work: Callable[[Organisation], T], *, failure: str, active_only: bool = False
) -> dict[str, T]:
    """Run `work(organisation)` here, in each organisation's schema in turn; the results by slug. One
    organisation's failure is logged (`failure`, with the slug) and the others still run: a duty such as
    an erasure or the retention period must not wait on another organisation's fault. Inactive
    organisations are visited too unless `active_only`: their people's rights do not lapse with them."""
    done: dict[str, T] = {}
    for organisation in organisations(active_only=active_only):
        try:
            with tenant_context(organisation):
                done[organisation.slug] = work(organisation)
        except Exception:
            logger.exception(failure, organisation.slug)
    return done


@app.task(name="portal.tasks.sign_in_failures_prune")
def sign_in_failures_prune() -> int:
    return _sign_in_failures_prune()


@app.task(name="portal.tasks.idempotency_prune")
def idempotency_prune() -> int:
    """Delete the expired `Idempotency-Key` records of every organisation."""
    pruned = each_organisation_run(
        lambda _organisation: _idempotency_prune(), failure="Pruning idempotency keys failed in %s"
    )
    return sum(pruned.values())

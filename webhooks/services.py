"""Webhooks: endpoints HR registers, the outbox every change writes to, and delivery.

A change calls `event_record` inside its own transaction: the message and one delivery per subscribed endpoint
are written with it (in the organisation's schema) and the first attempt is queued after the commit. A
delivery is sent at least once: `delivery_attempt` moves the delivery's next attempt on *before* it sends (a
lease), so a worker that dies between sending and writing down the answer leaves it due again, and it is sent
again with the same `webhook-id`. Failed attempts back off over 24 hours (BACKOFF); `deliveries_due_send`,
run every minute in each organisation, picks up whatever is due. An endpoint failing for FAILING_LIMIT is
disabled and the organisation's HR managers are emailed.
"""

from __future__ import annotations

import json
import re
import uuid
from datetime import date, datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Case, DateTimeField, Exists, F, OuterRef, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tenants.utils import schema_context

from portal import policy
from portal.celery import app
from portal.policy import Actor
from portal.tasks import enqueue_after_commit
from webhooks import net, signing
from webhooks.events import DATA_FIELDS, EVENTS
from webhooks.models import Attempt, Delivery, Endpoint, Message

# Seconds to wait after attempt n (1-based) failed: roughly doubling, the tenth and last attempt near 24 hours
# after the first.
BACKOFF = (60, 300, 900, 1800, 3600, 7200, 14400, 28800, 28800)
ATTEMPTS = len(BACKOFF) + 1
FAILING_LIMIT = timedelta(days=5)
OVERLAP_DEFAULT = timedelta(hours=24)
OVERLAP_MAX = timedelta(days=7)
DUE_BATCH = 5000
# The delivery log keeps finished messages this long.
LOG_KEPT = timedelta(days=30)
# Up to this many deliveries from one change get a task each; more (an import) are queued by endpoint.
QUEUE_EACH = 50

_ENUM = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
_ISO = re.compile(r"^\d{4}-\d\d-\d\d(T\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d))?$")
_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


# --- endpoints ------------------------------------------------------------------------------------


def _clean(url: str, events: list[str]) -> tuple[str, list[str]]:
    url = (url or "").strip()
    try:
        net.target(url)
    except net.Refused as refused:
        raise ValidationError({"url": str(refused)}) from None
    unknown = sorted(set(events or ()) - set(EVENTS))
    if unknown:
        raise ValidationError({"events": _("Unknown event: %(names)s.") % {"names": ", ".join(unknown)}})
    if not events:
        raise ValidationError({"events": _("Choose at least one event.")})
    return url, sorted(set(events))


def endpoint_create(*, actor: Actor, url: str, events: list[str], description: str = "") -> tuple[Endpoint, str]:
    """A new endpoint and its secret (the only time the secret is given out)."""
    policy.require(actor, policy.HR_MANAGER)
    url, events = _clean(url, events)
    secret = signing.secret_new()
    endpoint = Endpoint.objects.create(
        url=url, events=events, description=description.strip(), secret=secret, created_by_id=actor.user_id
    )
    return endpoint, secret


def endpoint_update(
    *, actor: Actor, endpoint: Endpoint, url: str, events: list[str], description: str = "", enabled: bool = True
) -> Endpoint:
    """Change an endpoint. Enabling one that failing deliveries disabled starts its count of failures afresh."""
    policy.require(actor, policy.HR_MANAGER)
    endpoint.url, endpoint.events = _clean(url, events)
    endpoint.description = description.strip()
    endpoint.status = Endpoint.Status.ACTIVE if enabled else Endpoint.Status.PAUSED
    if enabled:
        endpoint.failing_since = None
    endpoint.save(update_fields=["url", "events", "description", "status", "failing_since"])
    if enabled:
        enqueue_after_commit(_deliveries_due_task(), endpoint_id=endpoint.pk)
    return endpoint


def endpoint_secret_rotate(*, actor: Actor, endpoint: Endpoint, overlap_hours: int | None = None) -> str:
    """A new secret; the old one keeps signing beside it for the overlap (both signatures are sent)."""
    policy.require(actor, policy.HR_MANAGER)
    overlap = OVERLAP_DEFAULT if overlap_hours is None else timedelta(hours=overlap_hours)
    if not timedelta(0) <= overlap <= OVERLAP_MAX:
        raise ValidationError({"overlap_hours": _("Choose an overlap between 0 and 168 hours.")})
    secret = signing.secret_new()
    endpoint.previous_secret, endpoint.secret = endpoint.secret, secret
    endpoint.previous_secret_until = timezone.now() + overlap
    endpoint.save(update_fields=["previous_secret", "secret", "previous_secret_until"])
    return secret


def endpoint_delete(*, actor: Actor, endpoint: Endpoint) -> None:
    policy.require(actor, policy.HR_MANAGER)
    endpoint.delete()


def secrets_in_use(endpoint: Endpoint, now: datetime) -> list[str]:
    secrets = [endpoint.secret]
    if endpoint.previous_secret and endpoint.previous_secret_until and endpoint.previous_secret_until > now:
        secrets.append(endpoint.previous_secret)
    return secrets


# --- the outbox -----------------------------------------------------------------------------------


def _value_ok(value) -> bool:
    if value is None or isinstance(value, bool):
        return value is None
    if isinstance(value, int):
        return True
    if isinstance(value, str):
        return bool(_ENUM.match(value) or _ISO.match(value) or _UUID.match(value))
    return False


def _plain(value):
    if isinstance(value, date):  # datetimes too
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    return value


def payload(event_type: str, data: dict, now: datetime) -> dict:
    """The Standard Webhooks body: type, timestamp and data. Refuses a field or value the event may not carry
    (anything but ids, enum words and times), so no content can slip into a payload."""
    allowed = DATA_FIELDS.get(event_type)
    if allowed is None:
        raise ValueError(f"unknown webhook event {event_type!r}")
    data = {key: _plain(value) for key, value in data.items()}
    extra = set(data) - set(allowed)
    if extra:
        raise ValueError(f"{event_type} may not carry {sorted(extra)}")
    bad = [key for key, value in data.items() if not _value_ok(value)]
    if bad:
        raise ValueError(f"{event_type}: {sorted(bad)} must be ids, enum words or times")
    return {"type": event_type, "timestamp": now.isoformat(), "data": data}


def event_record(event_type: str, *, schema: str | None = None, **data) -> None:
    """Write one event to the outbox (see `events_record`)."""
    events_record(event_type, [data], schema=schema)


def events_record(event_type: str, items: list[dict], *, schema: str | None = None) -> int:
    """Write events of one type to the outbox of the organisation (the current schema, or `schema`) in the
    caller's transaction, with a delivery for every enabled endpoint subscribed to the type, and queue them
    after the commit. Nothing is written when no endpoint wants the type. How many messages were written."""
    schema = schema or connection.schema_name
    if schema == "public" or not items:
        return 0
    with schema_context(schema):
        endpoints = list(
            Endpoint.objects.filter(status=Endpoint.Status.ACTIVE, events__contains=[event_type]).values_list(
                "pk", flat=True
            )
        )
        if not endpoints:
            return 0
        now = timezone.now()
        messages = Message.objects.bulk_create(
            Message(
                id=uuid.uuid4(),
                event_type=event_type,
                body=json.dumps(payload(event_type, data, now), separators=(",", ":")),
                created_at=now,
            )
            for data in items
        )
        deliveries = Delivery.objects.bulk_create(
            Delivery(message=message, endpoint_id=pk, next_attempt_at=now) for message in messages for pk in endpoints
        )
        if len(deliveries) <= QUEUE_EACH:
            for delivery in deliveries:
                enqueue_after_commit(_delivery_task(), delivery.pk)
        else:  # a whole import: one task per endpoint queues its deliveries in batches
            for pk in endpoints:
                enqueue_after_commit(_deliveries_due_task(), endpoint_id=pk)
    return len(messages)


def _task(name: str):
    # By name: the tasks module imports this one (webhooks.apps loads it at start-up).
    return app.tasks[f"webhooks.{name}"]


def _delivery_task():
    return _task("delivery_send")


def _deliveries_due_task():
    return _task("deliveries_due")


# --- delivery -------------------------------------------------------------------------------------


def _claim(delivery_id: int, now: datetime) -> Delivery | None:
    """Take a due delivery and move its next attempt on: the lease that makes a lost worker harmless.

    One UPDATE on the delivery's own row: of two workers claiming at once, the second waits for the first,
    finds the row no longer due and takes nothing."""
    lease = Case(
        *(When(attempts=done, then=Value(now + timedelta(seconds=wait))) for done, wait in enumerate(BACKOFF)),
        default=None,
        output_field=DateTimeField(),
    )
    claimed = Delivery.objects.filter(pk=delivery_id, status=Delivery.Status.PENDING, next_attempt_at__lte=now).update(
        attempts=F("attempts") + 1, next_attempt_at=lease
    )
    if not claimed:
        return None
    delivery = Delivery.objects.select_related("message", "endpoint").get(pk=delivery_id)
    if delivery.endpoint.status != Endpoint.Status.ACTIVE:
        # Paused or disabled since it was queued: give the attempt back, due whenever the endpoint is enabled.
        Delivery.objects.filter(pk=delivery_id).update(attempts=F("attempts") - 1, next_attempt_at=now)
        return None
    return delivery


def delivery_attempt(*, delivery_id: int) -> Attempt | None:
    """One attempt at a due delivery: check the address again, sign, send, write down the answer."""
    now = timezone.now()
    delivery = _claim(delivery_id, now)
    if delivery is None:
        return None
    endpoint, message = delivery.endpoint, delivery.message
    try:
        answer = net.post(
            net.target(endpoint.url),
            message.body.encode(),
            signing.headers(
                secrets_in_use(endpoint, now), message.webhook_id, int(timezone.now().timestamp()), message.body
            ),
        )
    except net.Refused as refused:
        answer = net.Answer(None, "", 0, error=str(refused)[:200])
    return delivery_answered(delivery=delivery, started=now, answer=answer)


@transaction.atomic
def delivery_answered(*, delivery: Delivery, started: datetime, answer: net.Answer) -> Attempt:
    """Write down an attempt's answer: delivered, to be tried again (already scheduled), or given up."""
    attempt = Attempt.objects.create(
        delivery=delivery,
        started_at=started,
        duration_ms=answer.duration_ms,
        status_code=answer.status_code,
        error=answer.error,
        response_body=answer.body[: net.RESPONSE_KEPT],
    )
    endpoints = Endpoint.objects.filter(pk=delivery.endpoint_id)
    if answer.ok:
        Delivery.objects.filter(pk=delivery.pk).update(
            status=Delivery.Status.DELIVERED, delivered_at=timezone.now(), next_attempt_at=None
        )
        # Conditional updates, not a lock on the endpoint: deliveries to one endpoint run side by side.
        if delivery.endpoint.failing_since is not None:
            endpoints.filter(failing_since__isnull=False).update(failing_since=None)
        return attempt
    if delivery.attempts >= ATTEMPTS:
        Delivery.objects.filter(pk=delivery.pk).update(status=Delivery.Status.FAILED, next_attempt_at=None)
    endpoints.filter(failing_since__isnull=True).update(failing_since=started)
    disabled = endpoints.filter(status=Endpoint.Status.ACTIVE, failing_since__lte=started - FAILING_LIMIT).update(
        status=Endpoint.Status.DISABLED
    )
    if disabled:  # only the attempt that disabled it tells HR
        enqueue_after_commit(_task("endpoint_disabled_notify"), delivery.endpoint_id)
    return attempt


def deliveries_due_send(*, endpoint_id: int | None = None, now: datetime | None = None) -> int:
    """Queue every due delivery of this organisation (of one endpoint); how many."""
    due = Delivery.objects.filter(
        status=Delivery.Status.PENDING,
        next_attempt_at__lte=now or timezone.now(),
        endpoint__status=Endpoint.Status.ACTIVE,
    )
    if endpoint_id is not None:
        due = due.filter(endpoint_id=endpoint_id)
    ids = list(due.order_by("next_attempt_at").values_list("pk", flat=True)[:DUE_BATCH])
    task = _delivery_task()
    for pk in ids:
        enqueue_after_commit(task, pk)
    return len(ids)


def log_prune(*, now: datetime | None = None) -> int:
    """Forget messages older than LOG_KEPT whose deliveries are all done (delivered or given up), with their
    deliveries and attempts; how many messages."""
    cutoff = (now or timezone.now()) - LOG_KEPT
    pending = Delivery.objects.filter(message=OuterRef("pk"), status=Delivery.Status.PENDING)
    deleted, per_model = Message.objects.filter(created_at__lt=cutoff).exclude(Exists(pending)).delete()
    return per_model.get(Message._meta.label, 0)


def delivery_resend(*, actor: Actor, delivery: Delivery) -> Delivery:
    """ "Send again": the delivery is due now, with a fresh round of attempts, under the same webhook-id."""
    policy.require(actor, policy.HR_MANAGER)
    Delivery.objects.filter(pk=delivery.pk).update(
        status=Delivery.Status.PENDING, attempts=0, next_attempt_at=timezone.now(), delivered_at=None
    )
    enqueue_after_commit(_delivery_task(), delivery.pk)
    delivery.refresh_from_db()
    return delivery

"""Webhooks: endpoints HR registers, the outbox every change writes to, and delivery.

A change calls `event_record` inside its own transaction: the message and one delivery per subscribed endpoint
are written with it (in the organisation's schema) and a send for each endpoint is queued after the commit.
Deliveries go in batches per endpoint: a worker takes up to BATCH due ones (FOR UPDATE SKIP LOCKED), sends them
over one kept-alive connection and writes the answers down in one transaction. A delivery is sent at least
once: taking it moves its next attempt on *before* anything is sent (a lease), so a worker that dies between
sending and writing down the answers leaves them due again, and they are sent again with the same
`webhook-id`. Failed attempts back off over 24 hours (BACKOFF); `deliveries_due_send`,
run every minute in each organisation, picks up whatever is due. An endpoint failing for FAILING_LIMIT is
disabled and the organisation's HR managers are emailed.
"""

from __future__ import annotations

import json
import re
import time
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Case, Count, DateTimeField, Exists, F, OuterRef, Value, When
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
# One task sends at most this many deliveries to an endpoint (the sweep comes back for more), BATCH over one
# connection, their answers written down in one transaction. A batch stops sending after BATCH_SECONDS and
# gives the rest back: well within the first lease (BACKOFF[0]), so no other worker takes what it is sending.
DUE_BATCH = 5000
BATCH = 100
BATCH_SECONDS = BACKOFF[0] / 2
# The delivery log keeps finished messages this long.
LOG_KEPT = timedelta(days=30)


@dataclass(frozen=True)
class Answered:
    """One delivery sent in a batch: when, and what came back."""

    delivery: Delivery
    started: datetime
    answer: net.Answer


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
        enqueue_after_commit(_endpoint_task(), endpoint_id=endpoint.pk)
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
        Delivery.objects.bulk_create(
            Delivery(message=message, endpoint_id=pk, next_attempt_at=now) for message in messages for pk in endpoints
        )
        for pk in endpoints:  # one task per endpoint sends what is due there, in batches
            enqueue_after_commit(_endpoint_task(), endpoint_id=pk)
    return len(messages)


def _task(name: str):
    # By name: the tasks module imports this one (webhooks.apps loads it at start-up).
    return app.tasks[f"webhooks.{name}"]


def _delivery_task():
    return _task("delivery_send")


def _endpoint_task():
    return _task("endpoint_deliveries_send")


# --- delivery -------------------------------------------------------------------------------------


def _lease(now: datetime) -> Case:
    """The next attempt's time, by the attempts made so far: the backoff, set before sending."""
    return Case(
        *(When(attempts=done, then=Value(now + timedelta(seconds=wait))) for done, wait in enumerate(BACKOFF)),
        default=None,
        output_field=DateTimeField(),
    )


def _claim(*, endpoint_id: int, now: datetime, limit: int, delivery_id: int | None = None) -> list[Delivery]:
    """Take up to `limit` due deliveries of one enabled endpoint, oldest first, and move their next attempt
    on: the lease that makes a lost worker harmless, committed before anything is sent.

    Rows another worker is taking at the same moment are skipped (FOR UPDATE SKIP LOCKED), and once taken
    they are no longer due: two workers never send one delivery side by side."""
    with transaction.atomic():
        due = Delivery.objects.filter(
            endpoint_id=endpoint_id,
            endpoint__status=Endpoint.Status.ACTIVE,
            status=Delivery.Status.PENDING,
            next_attempt_at__lte=now,
        )
        if delivery_id is not None:
            due = due.filter(pk=delivery_id)
        locked = due.order_by("next_attempt_at", "pk").select_for_update(skip_locked=True, of=("self",))
        ids = list(locked.values_list("pk", flat=True)[:limit])
        if not ids:
            return []
        Delivery.objects.filter(pk__in=ids).update(attempts=F("attempts") + 1, next_attempt_at=_lease(now))
    claimed = Delivery.objects.select_related("message", "endpoint").in_bulk(ids)
    return [claimed[pk] for pk in ids]


def _batch_send(endpoint: Endpoint, deliveries: list[Delivery]) -> tuple[list[Answered], list[Delivery], bool]:
    """Send the deliveries in order over one connection to the endpoint's address, checked again once for
    them. (The answers, the deliveries not sent, whether those are due at once.) Sending stops when the
    endpoint cannot be reached (the rest wait for their lease to end, as if tried) or after BATCH_SECONDS
    (the rest are due at once)."""
    try:
        target = net.target(endpoint.url)
    except net.Refused as refused:
        now = timezone.now()
        return (
            [Answered(delivery, now, net.Answer(None, "", 0, error=str(refused)[:200])) for delivery in deliveries],
            [],
            False,
        )
    answered: list[Answered] = []
    deadline = time.monotonic() + BATCH_SECONDS
    with net.Sender(target) as sender:
        for index, delivery in enumerate(deliveries):
            if index and time.monotonic() > deadline:  # at least one is sent, whatever the time
                return answered, deliveries[index:], True
            started = timezone.now()
            message = delivery.message
            headers = signing.headers(
                secrets_in_use(endpoint, started), message.webhook_id, int(started.timestamp()), message.body
            )
            answer = sender.post(message.body.encode(), headers)
            answered.append(Answered(delivery, started, answer))
            if answer.status_code is None:
                return answered, deliveries[index + 1 :], False
    return answered, [], False


@transaction.atomic
def _batch_answered(*, endpoint: Endpoint, answered: list[Answered], unsent: list[Delivery], due_now: bool):
    """Write down a batch's answers in one transaction: each attempt; delivered, to be tried again (already
    scheduled) or given up; the endpoint's failing streak; and the attempt given back to those not sent."""
    attempts = Attempt.objects.bulk_create(
        Attempt(
            delivery=row.delivery,
            started_at=row.started,
            duration_ms=row.answer.duration_ms,
            status_code=row.answer.status_code,
            error=row.answer.error,
            response_body=row.answer.body[: net.RESPONSE_KEPT],
        )
        for row in answered
    )
    delivered = [row.delivery.pk for row in answered if row.answer.ok]
    if delivered:
        Delivery.objects.filter(pk__in=delivered).update(
            status=Delivery.Status.DELIVERED, delivered_at=timezone.now(), next_attempt_at=None
        )
    given_up = [row.delivery.pk for row in answered if not row.answer.ok and row.delivery.attempts >= ATTEMPTS]
    if given_up:
        Delivery.objects.filter(pk__in=given_up).update(status=Delivery.Status.FAILED, next_attempt_at=None)
    if unsent:
        back = {"next_attempt_at": timezone.now()} if due_now else {}
        Delivery.objects.filter(pk__in=[delivery.pk for delivery in unsent]).update(attempts=F("attempts") - 1, **back)
    _failing_streak(endpoint, answered)
    return attempts


def _failing_streak(endpoint: Endpoint, answered: list[Answered]) -> None:
    """The endpoint fails since its first failure after its last success; failing for FAILING_LIMIT, it is
    disabled (and HR told). Conditional updates, not a lock on the endpoint: batches to one endpoint may run
    side by side."""
    if not answered:
        return
    endpoints = Endpoint.objects.filter(pk=endpoint.pk)
    last_success = max((index for index, row in enumerate(answered) if row.answer.ok), default=-1)
    failures = answered[last_success + 1 :]
    if not failures:
        endpoints.filter(failing_since__isnull=False).update(failing_since=None)
        return
    if last_success >= 0:  # a success in this batch ended the streak before these failures
        endpoints.update(failing_since=failures[0].started)
    else:
        endpoints.filter(failing_since__isnull=True).update(failing_since=failures[0].started)
    disabled = endpoints.filter(
        status=Endpoint.Status.ACTIVE, failing_since__lte=failures[-1].started - FAILING_LIMIT
    ).update(status=Endpoint.Status.DISABLED)
    if disabled:  # only the batch that disabled it tells HR
        enqueue_after_commit(_task("endpoint_disabled_notify"), endpoint.pk)


def _batch(*, endpoint_id: int, limit: int, delivery_id: int | None = None) -> tuple[list[Attempt], int, bool]:
    """Claim, send and write down one batch. (The attempts, how many were claimed, whether all were sent.)"""
    deliveries = _claim(endpoint_id=endpoint_id, now=timezone.now(), limit=limit, delivery_id=delivery_id)
    if not deliveries:
        return [], 0, True
    endpoint = deliveries[0].endpoint
    answered, unsent, due_now = _batch_send(endpoint, deliveries)
    attempts = _batch_answered(endpoint=endpoint, answered=answered, unsent=unsent, due_now=due_now)
    return attempts, len(deliveries), not unsent


def delivery_attempt(*, delivery_id: int) -> Attempt | None:
    """One attempt at one due delivery (a batch of one): check the address again, sign, send, write down."""
    endpoint_id = Delivery.objects.filter(pk=delivery_id).values_list("endpoint_id", flat=True).first()
    if endpoint_id is None:
        return None
    attempts, _claimed, _all_sent = _batch(endpoint_id=endpoint_id, limit=1, delivery_id=delivery_id)
    return attempts[0] if attempts else None


def endpoint_deliveries_send(*, endpoint_id: int) -> int:
    """Send what is due for one endpoint, BATCH deliveries at a time (one connection, one transaction to
    write down their answers), oldest first, until nothing is due, or a batch could not send them all (the
    sweep comes back for the rest). How many attempts were made."""
    made = 0
    for _round in range(DUE_BATCH // BATCH):
        attempts, claimed, all_sent = _batch(endpoint_id=endpoint_id, limit=BATCH)
        made += len(attempts)
        if claimed < BATCH or not all_sent:
            break
    return made


def deliveries_due_send(*, endpoint_id: int | None = None, now: datetime | None = None) -> int:
    """Queue the sending of every endpoint of this organisation (or one) with due deliveries; how many are due."""
    due = Delivery.objects.filter(
        status=Delivery.Status.PENDING,
        next_attempt_at__lte=now or timezone.now(),
        endpoint__status=Endpoint.Status.ACTIVE,
    )
    if endpoint_id is not None:
        due = due.filter(endpoint_id=endpoint_id)
    per_endpoint = dict(due.order_by().values_list("endpoint_id").annotate(count=Count("pk")))
    for pk in sorted(per_endpoint):
        enqueue_after_commit(_endpoint_task(), endpoint_id=pk)
    return sum(per_endpoint.values())


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

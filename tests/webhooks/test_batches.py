"""Deliveries to one endpoint go in batches: taken together (FOR UPDATE SKIP LOCKED, the lease set before
sending), sent over one kept-alive connection to the checked address, and written down in one transaction,
without giving up any guarantee of single deliveries (tests/webhooks/test_delivery.py, test_lost_worker.py)."""

from __future__ import annotations

import socket

from django.db import transaction
from django.utils import timezone
from standardwebhooks.webhooks import Webhook

from portal.celery import app
from tests.webhooks.helpers import endpoint_make
from tests.webhooks.test_lost_worker import _worker
from tests.world import build_world
from webhooks import events, services
from webhooks.models import Attempt, Delivery, Endpoint, Message


def _cancelled(count: int) -> list[dict]:
    return [
        {"session_id": n, "kind": "individual", "enrolment_id": n, "cohort_id": None, "coach_id": 1}
        for n in range(1, count + 1)
    ]


def _record(django_capture_on_commit_callbacks, count: int) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        services.events_record(events.SESSION_CANCELLED, _cancelled(count))


def test_a_batch_goes_over_one_connection_in_order_and_each_is_signed(
    world, in_tenant, receiver, django_capture_on_commit_callbacks
):
    receiver.keep_alive = True
    with in_tenant(world.acme):
        endpoint, secret = endpoint_make(world.acme, receiver.url)
        _record(django_capture_on_commit_callbacks, 7)
        deliveries = list(Delivery.objects.filter(endpoint=endpoint).order_by("pk").select_related("message"))
        assert {(d.status, d.attempts) for d in deliveries} == {(Delivery.Status.DELIVERED, 1)}
        assert Attempt.objects.filter(delivery__endpoint=endpoint, status_code=200).count() == 7
        sent_ids = [d.message.webhook_id for d in deliveries]
    assert len(receiver.connections) == 1
    assert [request.headers["webhook-id"] for request in receiver.received] == sent_ids
    assert [Webhook(secret).verify(r.body, r.headers)["data"]["session_id"] for r in receiver.received] == list(
        range(1, 8)
    )


def test_an_answer_longer_than_is_kept_closes_the_connection_and_the_next_one_opens_anew(
    world, in_tenant, receiver, django_capture_on_commit_callbacks
):
    receiver.keep_alive, receiver.answer = True, b"x" * 5000
    with in_tenant(world.acme):
        endpoint, _secret = endpoint_make(world.acme, receiver.url)
        _record(django_capture_on_commit_callbacks, 3)
        assert set(Delivery.objects.filter(endpoint=endpoint).values_list("status", flat=True)) == {"delivered"}
    assert len(receiver.received) == 3 and len(receiver.connections) == 3  # never drained: closed instead


def test_a_receiver_closing_each_connection_still_gets_the_whole_batch(
    world, in_tenant, receiver, django_capture_on_commit_callbacks
):
    with in_tenant(world.acme):  # HTTP/1.0: the receiver closes after each answer
        endpoint, _secret = endpoint_make(world.acme, receiver.url)
        _record(django_capture_on_commit_callbacks, 4)
        assert set(Delivery.objects.filter(endpoint=endpoint).values_list("status", flat=True)) == {"delivered"}
    assert len(receiver.received) == 4 and len(receiver.connections) == 4


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_an_unreachable_endpoint_costs_one_attempt_per_batch_and_the_rest_keep_their_place(
    world, in_tenant, django_capture_on_commit_callbacks
):
    with in_tenant(world.acme):
        endpoint, _secret = endpoint_make(world.acme, f"http://127.0.0.1:{_closed_port()}/hooks")
        _record(django_capture_on_commit_callbacks, 5)
        first, *rest = Delivery.objects.filter(endpoint=endpoint).order_by("pk")
        [attempt] = Attempt.objects.filter(delivery__endpoint=endpoint)
        assert attempt.delivery_id == first.pk and attempt.status_code is None and attempt.error
        assert first.attempts == 1 and first.status == Delivery.Status.PENDING
        now = timezone.now()
        # Not tried, so not counted; not due again before the first backoff, as if tried.
        assert all(d.attempts == 0 and d.next_attempt_at > now for d in rest)
        endpoint.refresh_from_db()
        assert endpoint.failing_since is not None


def test_a_batch_out_of_time_gives_the_rest_back_due_at_once(
    world, in_tenant, receiver, django_capture_on_commit_callbacks, monkeypatch
):
    monkeypatch.setattr(services, "BATCH_SECONDS", 0)
    with in_tenant(world.acme):
        endpoint, _secret = endpoint_make(world.acme, receiver.url)
        _record(django_capture_on_commit_callbacks, 3)
        statuses = list(Delivery.objects.filter(endpoint=endpoint).order_by("pk").values_list("status", "attempts"))
        assert statuses == [("delivered", 1), ("pending", 0), ("pending", 0)]
        assert not Delivery.objects.filter(endpoint=endpoint, next_attempt_at__gt=timezone.now()).exists()
        monkeypatch.setattr(services, "BATCH_SECONDS", 30)
        with django_capture_on_commit_callbacks(execute=True):
            assert services.deliveries_due_send() == 2
        assert set(Delivery.objects.filter(endpoint=endpoint).values_list("status", flat=True)) == {"delivered"}
    assert len(receiver.received) == 3


def test_a_success_after_failures_in_one_batch_ends_the_failing_streak(
    world, in_tenant, receiver, django_capture_on_commit_callbacks
):
    with in_tenant(world.acme):
        endpoint, _secret = endpoint_make(world.acme, receiver.url)
        receiver.status = 500
        _record(django_capture_on_commit_callbacks, 1)
        endpoint.refresh_from_db()
        assert endpoint.failing_since is not None
        receiver.status = 200
        Delivery.objects.update(next_attempt_at=timezone.now())
        _record(django_capture_on_commit_callbacks, 2)
        endpoint.refresh_from_db()
        assert endpoint.failing_since is None
        assert set(Delivery.objects.values_list("status", flat=True)) == {"delivered"}


def test_a_worker_killed_mid_batch_loses_nothing(django_db_setup, django_db_blocker, receiver):
    receiver.hold = 60
    with django_db_blocker.unblock():
        world = build_world()
        organisation = world.acme.organisation
        eager, app.conf.task_always_eager = app.conf.task_always_eager, False
        try:
            with tenant_context_of(organisation):
                endpoint, secret = endpoint_make(world.acme, receiver.url)
                with transaction.atomic():
                    services.events_record(events.SESSION_CANCELLED, _cancelled(3))

            worker = _worker(organisation.schema_name, "due")
            assert receiver.arrived.wait(60), "the worker never sent the first event"
            worker.kill()  # the first of three sent, none written down
            worker.wait(30)
            assert worker.returncode == -9

            with tenant_context_of(organisation):
                deliveries = Delivery.objects.filter(endpoint=endpoint)
                assert {(d.status, d.attempts) for d in deliveries} == {(Delivery.Status.PENDING, 1)}
                assert all(d.next_attempt_at > timezone.now() for d in deliveries)  # leased, not lost
                assert not Attempt.objects.filter(delivery__endpoint=endpoint).exists()
                deliveries.update(next_attempt_at=timezone.now())
            receiver.hold = 0
            receiver.released.set()
            assert _worker(organisation.schema_name, "due").wait(60) == 0

            with tenant_context_of(organisation):
                assert {(d.status, d.attempts) for d in deliveries.all()} == {(Delivery.Status.DELIVERED, 2)}
            ids = [request.headers["webhook-id"] for request in receiver.received]
            assert len(ids) == 4 and ids[0] == ids[1] and len(set(ids)) == 3  # the first one twice, same id
            for request in receiver.received:
                Webhook(secret).verify(request.body, request.headers)
        finally:
            app.conf.task_always_eager = eager
            with tenant_context_of(organisation):
                Message.objects.all().delete()
                Endpoint.objects.all().delete()


def tenant_context_of(organisation):
    from django_tenants.utils import tenant_context

    return tenant_context(organisation)

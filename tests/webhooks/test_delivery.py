"""Delivery to a real HTTP receiver on loopback: Standard Webhooks headers and signatures (checked with the
`standardwebhooks` libraries of PyPI and npm), secret rotation, retries with backoff, giving up, disabling an
endpoint that keeps failing, and what an answer may leave behind."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from portal import policy
from tests.webhooks.helpers import endpoint_make
from tests.webhooks.verify_node import node_verify
from webhooks import events, net, services
from webhooks.models import Attempt, Delivery, Endpoint, Message


def _emit(django_capture_on_commit_callbacks, **data):
    with django_capture_on_commit_callbacks(execute=True):
        services.event_record(events.SESSION_CANCELLED, **data)


SESSION = {
    "session_id": 7,
    "kind": "individual",
    "enrolment_id": 3,
    "cohort_id": None,
    "coach_id": 12,
    "starts_at": timezone.now(),
    "ends_at": timezone.now() + timedelta(hours=1),
}


def test_an_event_reaches_the_receiver_signed_as_standard_webhooks_says(
    world, in_tenant, receiver, django_capture_on_commit_callbacks
):
    with in_tenant(world.acme):
        endpoint, secret = endpoint_make(world.acme, receiver.url)
        _emit(django_capture_on_commit_callbacks, **SESSION)
        delivery = Delivery.objects.get(endpoint=endpoint)
        assert delivery.status == Delivery.Status.DELIVERED and delivery.attempts == 1
        attempt = Attempt.objects.get(delivery=delivery)
        assert attempt.status_code == 200 and attempt.response_body == "ok"
        webhook_id = delivery.message.webhook_id
    [request] = receiver.received
    assert request.headers["webhook-id"] == webhook_id
    assert abs(int(request.headers["webhook-timestamp"]) - timezone.now().timestamp()) < 60
    assert request.headers["content-type"] == "application/json"
    payload = Webhook(secret).verify(request.body, request.headers)
    assert payload["type"] == "session.cancelled" and payload["data"]["session_id"] == 7
    assert set(payload) == {"type", "timestamp", "data"}
    [checked] = node_verify(secret, [{"headers": request.headers, "body": request.body}])
    assert checked["ok"] and checked["payload"]["data"]["coach_id"] == 12


def test_a_wrong_secret_or_a_changed_body_fails_both_verifiers(
    world, in_tenant, receiver, django_capture_on_commit_callbacks
):
    with in_tenant(world.acme):
        _endpoint, secret = endpoint_make(world.acme, receiver.url)
        _emit(django_capture_on_commit_callbacks, **SESSION)
    [request] = receiver.received
    other = "whsec_" + "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    tampered = request.body.replace('"session_id":7', '"session_id":8')
    with pytest.raises(WebhookVerificationError):
        Webhook(other).verify(request.body, request.headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(tampered, request.headers)
    results = node_verify(secret, [{"headers": request.headers, "body": tampered}])
    results += node_verify(other, [{"headers": request.headers, "body": request.body}])
    assert [result["ok"] for result in results] == [False, False]


def test_during_the_overlap_both_secrets_sign_and_after_it_only_the_new_one(
    world, in_tenant, receiver, django_capture_on_commit_callbacks
):
    with in_tenant(world.acme):
        endpoint, old = endpoint_make(world.acme, receiver.url)
        new = services.endpoint_secret_rotate(
            actor=policy.actor_for(world.acme.hr, world.acme.organisation), endpoint=endpoint, overlap_hours=2
        )
        _emit(django_capture_on_commit_callbacks, **SESSION)
        Endpoint.objects.filter(pk=endpoint.pk).update(previous_secret_until=timezone.now() - timedelta(seconds=1))
        _emit(django_capture_on_commit_callbacks, **SESSION)
    during, after = receiver.received
    assert len(during.headers["webhook-signature"].split(" ")) == 2
    for secret in (old, new):
        Webhook(secret).verify(during.body, during.headers)
        assert node_verify(secret, [{"headers": during.headers, "body": during.body}])[0]["ok"]
    assert len(after.headers["webhook-signature"].split(" ")) == 1
    Webhook(new).verify(after.body, after.headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(old).verify(after.body, after.headers)


def test_an_overlap_beyond_a_week_is_refused_and_changes_nothing(world, in_tenant):
    with in_tenant(world.acme):
        endpoint, secret = endpoint_make(world.acme, "http://127.0.0.1:9/hooks")
        with pytest.raises(services.ValidationError) as refused:
            services.endpoint_secret_rotate(
                actor=policy.actor_for(world.acme.hr, world.acme.organisation), endpoint=endpoint, overlap_hours=200
            )
        assert "overlap_hours" in refused.value.message_dict
        endpoint.refresh_from_db()
        assert endpoint.secret == secret and not endpoint.previous_secret


def test_a_failing_receiver_is_tried_again_later_with_the_same_webhook_id(
    world, in_tenant, receiver, django_capture_on_commit_callbacks
):
    receiver.status, receiver.answer = 503, b"x" * 5000
    with in_tenant(world.acme):
        endpoint, _secret = endpoint_make(world.acme, receiver.url)
        _emit(django_capture_on_commit_callbacks, **SESSION)
        delivery = Delivery.objects.get(endpoint=endpoint)
        assert delivery.status == Delivery.Status.PENDING and delivery.attempts == 1
        wait = (delivery.next_attempt_at - timezone.now()).total_seconds()
        assert services.BACKOFF[0] - 5 < wait <= services.BACKOFF[0]
        attempt = Attempt.objects.get(delivery=delivery)
        assert attempt.status_code == 503 and len(attempt.response_body) == net.RESPONSE_KEPT
        # Nothing is due yet; once the time has come, the sweep sends it again.
        with django_capture_on_commit_callbacks(execute=True):
            assert services.deliveries_due_send() == 0
        receiver.status = 200
        Delivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())
        with django_capture_on_commit_callbacks(execute=True):
            assert services.deliveries_due_send() == 1
        delivery.refresh_from_db()
        assert delivery.status == Delivery.Status.DELIVERED and delivery.attempts == 2
        endpoint.refresh_from_db()
        assert endpoint.failing_since is None
    first, second = receiver.received
    assert first.headers["webhook-id"] == second.headers["webhook-id"] and first.body == second.body


def test_the_backoff_spreads_the_attempts_over_a_day():
    assert all(later > earlier for earlier, later in zip(services.BACKOFF, services.BACKOFF[1:-1], strict=False))
    assert timedelta(hours=23) <= timedelta(seconds=sum(services.BACKOFF)) <= timedelta(hours=25)


def test_after_the_last_attempt_the_delivery_is_given_up(
    world, in_tenant, receiver, django_capture_on_commit_callbacks
):
    receiver.status = 500
    with in_tenant(world.acme):
        endpoint, _secret = endpoint_make(world.acme, receiver.url)
        _emit(django_capture_on_commit_callbacks, **SESSION)
        delivery = Delivery.objects.get(endpoint=endpoint)
        for _ in range(services.ATTEMPTS - 1):
            Delivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())
            services.delivery_attempt(delivery_id=delivery.pk)
        delivery.refresh_from_db()
        assert delivery.status == Delivery.Status.FAILED and delivery.attempts == services.ATTEMPTS
        assert delivery.next_attempt_at is None
        assert Attempt.objects.filter(delivery=delivery).count() == services.ATTEMPTS
    assert len(receiver.received) == services.ATTEMPTS


def test_an_endpoint_failing_for_five_days_is_disabled_and_hr_is_emailed(
    world, in_tenant, receiver, django_capture_on_commit_callbacks
):
    receiver.status = 500
    with in_tenant(world.acme):
        endpoint, _secret = endpoint_make(world.acme, receiver.url)
        Endpoint.objects.filter(pk=endpoint.pk).update(failing_since=timezone.now() - timedelta(days=5, minutes=1))
        mail.outbox.clear()
        _emit(django_capture_on_commit_callbacks, **SESSION)
        endpoint.refresh_from_db()
        assert endpoint.status == Endpoint.Status.DISABLED
        # Nothing more is written for a disabled endpoint, and nothing pending is sent to it.
        _emit(django_capture_on_commit_callbacks, **SESSION)
        assert Message.objects.count() == 1
        Delivery.objects.update(next_attempt_at=timezone.now())
        assert services.deliveries_due_send() == 0
    [email] = mail.outbox
    assert email.to == [world.acme.hr.email] and receiver.url in email.body
    assert "http://acme.localhost/webhooks/" in email.body


def test_enabling_a_disabled_endpoint_sends_what_was_pending(
    world, in_tenant, receiver, django_capture_on_commit_callbacks
):
    with in_tenant(world.acme):
        endpoint, _secret = endpoint_make(world.acme, receiver.url)
        hr = policy.actor_for(world.acme.hr, world.acme.organisation)
        services.endpoint_update(actor=hr, endpoint=endpoint, url=endpoint.url, events=endpoint.events, enabled=False)
        _emit(django_capture_on_commit_callbacks, **SESSION)
        assert not receiver.received and not Message.objects.exists()  # paused: nothing is recorded
        Endpoint.objects.filter(pk=endpoint.pk).update(status=Endpoint.Status.ACTIVE)
        receiver.status = 500
        _emit(django_capture_on_commit_callbacks, **SESSION)
        Endpoint.objects.filter(pk=endpoint.pk).update(status=Endpoint.Status.DISABLED)
        Delivery.objects.update(next_attempt_at=timezone.now())
        receiver.status = 200
        with django_capture_on_commit_callbacks(execute=True):
            endpoint.refresh_from_db()
            services.endpoint_update(actor=hr, endpoint=endpoint, url=endpoint.url, events=endpoint.events)
        assert Delivery.objects.get().status == Delivery.Status.DELIVERED
    assert len(receiver.received) == 2


def test_redirects_are_not_followed(world, in_tenant, receiver, django_capture_on_commit_callbacks):
    receiver.status, receiver.location = 302, "http://169.254.169.254/latest/meta-data/"
    with in_tenant(world.acme):
        endpoint, _secret = endpoint_make(world.acme, receiver.url)
        _emit(django_capture_on_commit_callbacks, **SESSION)
        attempt = Attempt.objects.get(delivery__endpoint=endpoint)
        assert attempt.status_code == 302
        assert Delivery.objects.get(endpoint=endpoint).status == Delivery.Status.PENDING
    assert len(receiver.received) == 1


def test_a_receiver_that_does_not_answer_is_given_up_on_quickly(
    world, in_tenant, receiver, django_capture_on_commit_callbacks, monkeypatch
):
    monkeypatch.setattr(net, "READ_TIMEOUT", 0.5)
    receiver.hold = 3
    with in_tenant(world.acme):
        endpoint, _secret = endpoint_make(world.acme, receiver.url)
        _emit(django_capture_on_commit_callbacks, **SESSION)
        attempt = Attempt.objects.get(delivery__endpoint=endpoint)
    assert attempt.status_code is None and "timed out" in attempt.error and attempt.duration_ms < 2500


def test_send_again_sends_the_same_message_once_more(world, in_tenant, receiver, django_capture_on_commit_callbacks):
    with in_tenant(world.acme):
        endpoint, secret = endpoint_make(world.acme, receiver.url)
        _emit(django_capture_on_commit_callbacks, **SESSION)
        delivery = Delivery.objects.get(endpoint=endpoint)
        with django_capture_on_commit_callbacks(execute=True):
            services.delivery_resend(actor=policy.actor_for(world.acme.hr, world.acme.organisation), delivery=delivery)
        delivery.refresh_from_db()
        assert delivery.status == Delivery.Status.DELIVERED and Attempt.objects.filter(delivery=delivery).count() == 2
    first, second = receiver.received
    assert first.headers["webhook-id"] == second.headers["webhook-id"]
    assert json.loads(first.body) == json.loads(second.body)
    Webhook(secret).verify(second.body, second.headers)


def test_only_subscribed_endpoints_of_the_organisation_receive_an_event(
    world, in_tenant, receiver, django_capture_on_commit_callbacks
):
    with in_tenant(world.globex):
        endpoint_make(world.globex, receiver.url)
    with in_tenant(world.acme):
        endpoint_make(world.acme, receiver.url, [events.SESSION_BOOKED])
        _emit(django_capture_on_commit_callbacks, **SESSION)
        assert not Message.objects.exists()
    assert not receiver.received


def test_the_log_forgets_finished_messages_after_a_month_and_keeps_pending_ones(world, in_tenant):
    with in_tenant(world.acme):
        endpoint, _secret = endpoint_make(world.acme, "http://127.0.0.1:9/hooks")
        old = timezone.now() - services.LOG_KEPT - timedelta(days=1)
        for status in (Delivery.Status.DELIVERED, Delivery.Status.FAILED, Delivery.Status.PENDING):
            message = Message.objects.create(event_type="session.booked", body="{}", created_at=old)
            Delivery.objects.create(message=message, endpoint=endpoint, status=status)
        recent = Message.objects.create(event_type="session.booked", body="{}", created_at=timezone.now())
        Delivery.objects.create(message=recent, endpoint=endpoint, status=Delivery.Status.DELIVERED)
        assert services.log_prune() == 2
        assert sorted(Delivery.objects.values_list("status", flat=True)) == ["delivered", "pending"]

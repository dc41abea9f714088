"""At least once: a worker killed between sending and writing down the answer loses nothing. The delivery
stays due (its next attempt was moved on before sending), the sweep sends it again, and the receiver sees
the same webhook-id and body twice. The worker is a real process, killed with SIGKILL while the receiver
holds the request; the data is committed, since that process has its own connection."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django_tenants.utils import tenant_context
from standardwebhooks.webhooks import Webhook

from portal.celery import app
from tests.webhooks.helpers import endpoint_make
from tests.world import build_world
from webhooks import events, services
from webhooks.models import Attempt, Delivery, Endpoint, Message

ROOT = Path(__file__).resolve().parents[2]


def _worker(schema: str, *args: str) -> subprocess.Popen:
    database = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}",
        "PORTAL_TESTING": "1",
        "DEBUG": "1",
        "DJANGO_SETTINGS_MODULE": "portal.settings",
    }
    if database.get("PASSWORD"):
        env["PGPASSWORD"] = database["PASSWORD"]
    return subprocess.Popen([sys.executable, "-m", "tests.webhooks.worker", schema, *args], cwd=ROOT, env=env)


def test_a_worker_killed_mid_delivery_loses_nothing(django_db_setup, django_db_blocker, receiver):
    assert settings.OUTBOUND_ALLOW_PRIVATE_ADDRESSES
    receiver.hold = 60
    with django_db_blocker.unblock():
        world = build_world()
        organisation = world.acme.organisation
        # The queue is a broker here, as in production: nothing runs in this process at the commit.
        eager, app.conf.task_always_eager = app.conf.task_always_eager, False
        try:
            with tenant_context(organisation):
                endpoint, secret = endpoint_make(world.acme, receiver.url)
                with transaction.atomic():
                    services.event_record(events.URGENT_REQUEST_MADE, urgent_request_id=41, made_at=timezone.now())
                delivery = Delivery.objects.get(endpoint=endpoint)

            worker = _worker(organisation.schema_name, "send", str(delivery.pk))
            assert receiver.arrived.wait(60), "the worker never sent the event"
            worker.kill()  # between sending and writing down the answer
            worker.wait(30)
            assert worker.returncode == -9

            with tenant_context(organisation):
                delivery.refresh_from_db()
                assert delivery.status == Delivery.Status.PENDING and delivery.attempts == 1
                assert delivery.next_attempt_at > timezone.now()  # due again later, not lost
                assert not Attempt.objects.filter(delivery=delivery).exists()
                # The time comes; the sweep, in another worker, sends it again.
                Delivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())
            receiver.hold = 0
            receiver.released.set()
            sweep = _worker(organisation.schema_name, "due")
            assert sweep.wait(60) == 0

            with tenant_context(organisation):
                delivery.refresh_from_db()
                assert delivery.status == Delivery.Status.DELIVERED and delivery.attempts == 2
                assert Attempt.objects.get(delivery=delivery).status_code == 200
            first, second = receiver.received
            assert first.headers["webhook-id"] == second.headers["webhook-id"] == f"msg_{delivery.message_id.hex}"
            assert first.body == second.body
            for request in (first, second):
                Webhook(secret).verify(request.body, request.headers)
        finally:
            app.conf.task_always_eager = eager
            with tenant_context(organisation):
                Message.objects.all().delete()
                Endpoint.objects.all().delete()

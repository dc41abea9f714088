"""Redis restarted under a running Celery worker: the queued and running tasks are carried out, none is
lost, and the worker goes on taking new ones.

`make faults` gives the stack a Redis of its own (scripts/faults.sh: append-only file on, as the broker
in production must have it), so restarting it disturbs nothing else on the machine."""

import os
import subprocess
import time
from datetime import timedelta

import pytest
from django.utils import timezone
from django_tenants.utils import tenant_context

from programmes.models import Attendance, Session
from programmes.tasks.sessions import session_notify
from tests.faults.injection import Outcome, Tally, report
from tests.prod.scenario import coaching_ready, organisation

pytestmark = pytest.mark.faults
TASKS = 40


def redis_restart(conf: str, port: str) -> float:
    """Stop Redis (it writes its append-only file) and start it again; seconds it was away."""
    started = time.monotonic()
    subprocess.run(["redis-cli", "-p", port, "shutdown"], capture_output=True, timeout=30)
    subprocess.run(["redis-server", conf], check=True, capture_output=True, timeout=30)
    for _ in range(100):
        if subprocess.run(["redis-cli", "-p", port, "ping"], capture_output=True, text=True).stdout.strip() == "PONG":
            break
        time.sleep(0.05)
    return time.monotonic() - started


def sessions_for(count: int) -> list[int]:
    coaching = coaching_ready("acme", 10)
    ids = []
    with tenant_context(organisation("acme")):
        for number in range(count):
            session = Session.objects.create(
                kind=Session.Kind.INDIVIDUAL,
                enrolment_id=coaching.enrolment_id,
                coach=coaching.coach,
                starts_at=timezone.now() + timedelta(days=20, hours=number),
                mode=Session.Mode.PHONE,
                dial_in=f"+31 30 000 {number:04d}",
            )
            Attendance.objects.create(session=session, user=coaching.employee)
            ids.append(session.pk)
    return ids


def notified(mailbox, session_ids: list[int]) -> dict[int, int]:
    mailbox.new()
    counts = dict.fromkeys(session_ids, 0)
    for mail in mailbox.received:
        for pk in session_ids:
            if f"/sessions/{pk}/" in mail.body and mail.to == ["employee10@acme.example"]:
                counts[pk] += 1
    return counts


def test_tasks_survive_a_redis_restart_under_the_worker(stack, mailbox):
    conf = os.environ.get("FAULTS_REDIS_CONF")
    if not conf:
        pytest.skip("make faults gives the worker a Redis of its own to restart (scripts/faults.sh)")
    port = stack["redis_url"].rsplit(":", 1)[1].split("/")[0]
    before, after = sessions_for(TASKS), sessions_for(10)
    with tenant_context(organisation("acme")):
        for pk in before:
            session_notify.delay(pk, "changed")
    time.sleep(0.3)  # the worker is busy with them now
    away = redis_restart(conf, port)
    with tenant_context(organisation("acme")):
        for pk in after:  # queued after the restart: the worker must have reconnected to take them
            session_notify.delay(pk, "changed")
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline and min(notified(mailbox, before + after).values()) == 0:
        time.sleep(1)
    counts = notified(mailbox, before + after)
    lost = [pk for pk, count in counts.items() if count == 0]
    twice = [pk for pk, count in counts.items() if count > 1]
    tally = Tally(f"{TASKS} tasks queued, Redis restarted ({away:.1f} s away), 10 more queued")
    tally.add(
        Outcome(
            0,
            "Redis restart",
            0.3,
            hit=True,
            result=f"with {len(lost)} of {len(counts)} tasks lost and {len(twice)} carried out twice",
        )
    )
    report(tally)
    assert lost == [], f"tasks lost in the restart: {lost}"

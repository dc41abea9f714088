"""Six employees of two organisations book the same slot at once while a gunicorn worker is killed or the
web processes' database connections are terminated at a random moment, 20 times: afterwards the slot
holds at most one live session, in the organisation the slot says booked it, and every credit spent
belongs to a live session."""

import threading
import time

import pytest
from django.db.models import Sum
from django_tenants.utils import schema_context, tenant_context

from programmes.models import CreditTransaction, Session
from tests.faults.conftest import TRIALS
from tests.faults.injection import (
    Outcome,
    PendingRequest,
    Tally,
    after_random_delay,
    kill_any_web_worker,
    report,
    terminate_connections,
    wait_for_web_workers,
    web_workers,
)
from tests.prod.scenario import DEMO_PASSWORD, coaching_ready, free_slot, organisation

pytestmark = pytest.mark.faults
BOOKERS = [("acme", 7), ("acme", 8), ("acme", 9), ("globex", 7), ("globex", 8), ("globex", 9)]


def live_sessions(slot_id: int) -> dict[str, list[Session]]:
    found = {}
    for slug in ("acme", "globex"):
        with tenant_context(organisation(slug)):
            found[slug] = list(Session.objects.filter(slot_id=slot_id, status=Session.Status.SCHEDULED))
    return found


def spent_without_a_live_session(enrolment_ids: dict[str, list[int]]) -> int:
    """Credits spent on bookings whose session is not live (a booking half-done would leave these)."""
    stray = 0
    for slug, ids in enrolment_ids.items():
        with tenant_context(organisation(slug)):
            spent = CreditTransaction.objects.filter(enrolment_id__in=ids, reason=CreditTransaction.Reason.BOOKING)
            live = Session.objects.filter(enrolment_id__in=ids, status=Session.Status.SCHEDULED).count()
            refunded = (
                CreditTransaction.objects.filter(enrolment_id__in=ids)
                .exclude(reason=CreditTransaction.Reason.BOOKING)
                .aggregate(total=Sum("delta"))["total"]
                or 0
            )
            stray += -(spent.aggregate(total=Sum("delta"))["total"] or 0) - refunded - live
    return stray


def test_a_slot_is_never_double_booked_when_workers_die_mid_booking(stack, client_for):
    per_process = len(web_workers(stack)[stack["web"][0]["port"]])
    coachings = [coaching_ready(slug, number, credits=TRIALS + 5) for slug, number in BOOKERS]
    enrolment_ids: dict[str, list[int]] = {"acme": [], "globex": []}
    for coaching in coachings:
        enrolment_ids[coaching.slug].append(coaching.enrolment_id)
    clients = []
    for coaching in coachings:
        client = client_for(coaching.host)
        client.sign_in(coaching.employee.email, DEMO_PASSWORD)
        clients.append(client)
    coach = coachings[0].coach
    tally = Tally(f"{len(BOOKERS)} employees of two organisations booking one slot")
    for trial in range(TRIALS):
        slot = free_slot(coach)
        barrier = threading.Barrier(len(clients))
        requests = []

        def press(client):
            barrier.wait()
            requests.append(PendingRequest(client, "POST", f"/book/{slot.pk}/").start().wait())

        if trial % 2 == 0:
            fault = "SIGKILL of a gunicorn worker"
            thread, record = after_random_delay(0.05, 0.6, lambda: kill_any_web_worker(stack))
        else:
            fault = "pg_terminate_backend of the web processes' busy connections"
            thread, record = after_random_delay(0.05, 0.6, lambda: terminate_connections(stack, "web", only_busy=True))
        pressing = [threading.Thread(target=press, args=(client,)) for client in clients]
        for each in pressing:
            each.start()
        for each in pressing:
            each.join(120)
        thread.join()
        sessions = live_sessions(slot.pk)
        live = [session for found in sessions.values() for session in found]
        with schema_context("public"):
            slot.refresh_from_db()
        booked = sum(
            1
            for request in requests
            if request.response is not None
            and request.response.status == 302
            and "/sessions/" in request.response.location
        )
        interrupted = sum(1 for request in requests if request.interrupted)
        tally.add(
            Outcome(
                trial,
                fault,
                record["delay"],
                hit=bool(record.get("result")),
                result="booked" if live else "not booked",
                notes=f"{booked} answered booked, {interrupted} interrupted",
            )
        )
        assert len(live) <= 1, f"trial {trial}: double booking after {fault}: {live}"
        assert booked <= len(live), f"trial {trial}: {booked} employees were told they booked"
        if live:
            owner = next(slug for slug, found in sessions.items() if found)
            assert slot.booked_organisation_id == organisation(owner).pk, f"trial {trial}: slot and session disagree"
        else:
            assert slot.booked_organisation_id is None, f"trial {trial}: the slot is taken without a session"
        assert spent_without_a_live_session(enrolment_ids) == 0, f"trial {trial}: a credit spent for nothing"
        wait_for_web_workers(stack, per_process)
        time.sleep(0.2)
    report(tally)

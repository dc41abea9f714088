"""Booking under contention on gunicorn (4 workers, loopback): twenty clients, employees of two
organisations, press "book" through the API. In each round they all ask for the same slot at the same
moment: exactly one booking may succeed. Then each client books a run of slots of its own, for
throughput. Afterwards every slot is counted across both organisations' schemas: zero double bookings
is the requirement, not a figure to improve.

    python -m bench.booking      # alone, on the benchmark database; prints Markdown table rows
    python -m bench.run booking  # through the harness, into BENCHMARKS.md
"""

from __future__ import annotations

import http.client
import os
import threading
import time
from dataclasses import dataclass
from datetime import timedelta

TITLE = "Booking: 20 concurrent clients, two organisations"
SLUGS = ("bench-booking-a", "bench-booking-b")
COACH_EMAIL = "coach@booking.bench"
CLIENTS = 20
ROUNDS = int(os.environ.get("BENCH_BOOKING_ROUNDS", 30))
PER_CLIENT = int(os.environ.get("BENCH_BOOKING_PER_CLIENT", 10))
WORKERS = 4


@dataclass
class Client:
    host: str
    token: str
    user_id: int


@dataclass
class Answer:
    status: int
    seconds: float
    body: bytes


def _post(port: int, client: Client, path: str) -> Answer:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    started = time.perf_counter()
    try:
        connection.request(
            "POST",
            path,
            body=b"",
            headers={"Host": client.host, "Authorization": f"Token {client.token}", "Content-Length": "0"},
        )
        response = connection.getresponse()
        return Answer(response.status, time.perf_counter() - started, response.read())
    finally:
        connection.close()


def _together(calls) -> tuple[list, float]:
    """Run every call in its own thread, released at the same instant; the answers and the wall time."""
    barrier = threading.Barrier(len(calls) + 1)
    answers: list = [None] * len(calls)

    def run(index, call):
        barrier.wait()
        answers[index] = call()

    threads = [threading.Thread(target=run, args=(index, call)) for index, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    barrier.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    return answers, time.perf_counter() - started


# --- the organisations ------------------------------------------------------------------------------


def _prepare() -> tuple[list, list[Client], object]:
    """Two fresh bench organisations, their employees enrolled with the bench coach (plenty of credits,
    the agreement accepted), an API token each."""
    from django.utils import timezone
    from django_tenants.utils import tenant_context

    from bench.common import coach_ensure, enrolments_make, organisation_drop, organisation_make
    from programmes.availability.models import Slot
    from programmes.models import Agreement, AgreementAcceptance
    from tenants import tokens as api_tokens
    from tenants.models import Membership, Organisation, Role
    from tenants.services import membership_grant

    for slug in SLUGS:
        existing = Organisation.objects.filter(slug=slug).first()
        if existing is not None:
            organisation_drop(existing)
    coach = coach_ensure(COACH_EMAIL)
    Slot.objects.filter(coach=coach).delete()  # what an earlier run left (its organisations are gone)
    organisations, clients = [], []
    for slug in SLUGS:
        organisation = organisation_make(slug=slug, employees=CLIENTS // len(SLUGS), coaches=0)
        membership_grant(user=coach, organisation=organisation, role=Role.COACH)
        employees = [
            membership.user
            for membership in Membership.objects.filter(organisation=organisation, role=Role.EMPLOYEE)
            .select_related("user")
            .order_by("user__email")
        ]
        with tenant_context(organisation):
            today = timezone.localdate()
            enrolments_make(
                [employee.pk for employee in employees],
                coach,
                starts_on=today,
                ends_on=today + timedelta(days=365),
                capacity=100,
                credits=1000,
            )
            agreement = Agreement.objects.create(version=1, body="Bench agreement")
            AgreementAcceptance.objects.bulk_create(
                AgreementAcceptance(agreement=agreement, user=employee) for employee in employees
            )
        for employee in employees:
            token = api_tokens.token_create(user=employee, name="Benchmark").raw
            clients.append(Client(f"{slug}.localhost", token, employee.pk))
        organisations.append(organisation)
    return organisations, clients, coach


def _slots(coach, starts_at, count: int) -> list:
    """`count` free hours of the coach, offered to every organisation the coach serves."""
    from programmes.availability.models import Slot
    from programmes.availability.services import ADD, slots_offer
    from programmes.selectors.coach import places_of
    from tenants.models import Role

    slots = Slot.objects.bulk_create(
        Slot(
            coach=coach,
            starts_at=starts_at + timedelta(hours=number),
            ends_at=starts_at + timedelta(hours=number, minutes=60),
            video_url="https://meet.example.com/bench",
        )
        for number in range(count)
    )
    served = [place.organisation for place in places_of(user=coach, role=Role.COACH)]
    slots_offer(coach=coach, slot_ids=[slot.pk for slot in slots], organisations=served, allowed=served, how=ADD)
    return slots


def _double_bookings(organisations, slot_ids: list[int]) -> dict:
    """Live sessions per slot across both organisations' schemas, and what the slots say."""
    from collections import Counter

    from django.db.models import Sum
    from django_tenants.utils import tenant_context

    from programmes.availability.models import Slot
    from programmes.models import CreditTransaction, Session

    per_slot: Counter = Counter()
    credits = 0
    for organisation in organisations:
        with tenant_context(organisation):
            per_slot.update(
                Session.objects.filter(slot_id__in=slot_ids, status="scheduled").values_list("slot_id", flat=True)
            )
            credits -= CreditTransaction.objects.aggregate(total=Sum("delta"))["total"] or 0
    booked = Slot.objects.filter(pk__in=slot_ids, booked_organisation__isnull=False).count()
    return {
        "double": sum(1 for count in per_slot.values() if count > 1),
        "sessions": sum(per_slot.values()),
        "booked_slots": booked,
        "credits": credits,
    }


# --- the run ----------------------------------------------------------------------------------------


def run() -> list[dict]:
    from django.utils import timezone

    from bench.common import load, median, percentile, portal_server, row

    organisations, clients, coach = _prepare()
    first = timezone.now().replace(minute=0, second=0, microsecond=0) + timedelta(days=2)
    contended = _slots(coach, first, ROUNDS)
    own = _slots(coach, first + timedelta(hours=ROUNDS + 1), CLIENTS * PER_CLIENT)
    rounds, attempts, winners = [], [], []
    with portal_server(workers=WORKERS) as server:
        healthz = load(server, "localhost", "/healthz", requests=400, concurrency=4).p50_ms
        for slot in contended:
            path = f"/api/v1/availability/{slot.pk}/book/"
            answers, seconds = _together([lambda client=client: _post(server.port, client, path) for client in clients])
            statuses = sorted(answer.status for answer in answers)
            if statuses != [201] + [409] * (CLIENTS - 1):
                raise RuntimeError(f"slot {slot.pk}: expected one 201 and {CLIENTS - 1} 409s, got {statuses}")
            rounds.append(seconds)
            attempts += [answer.seconds for answer in answers]
            winners.append(next(answer for answer in answers if answer.status == 201).seconds)

        def own_run(index: int):
            client, mine = clients[index], own[index * PER_CLIENT : (index + 1) * PER_CLIENT]
            return [_post(server.port, client, f"/api/v1/availability/{slot.pk}/book/") for slot in mine]

        answers, throughput_seconds = _together([lambda index=index: own_run(index) for index in range(CLIENTS)])
    flat = [answer for per_client in answers for answer in per_client]
    failed = [answer for answer in flat if answer.status != 201]
    if failed:
        raise RuntimeError(f"{len(failed)} own-slot bookings failed, e.g. {failed[0].status} {failed[0].body[:200]!r}")
    check = _double_bookings(organisations, [slot.pk for slot in contended + own])
    expected = ROUNDS + CLIENTS * PER_CLIENT
    if (
        check["double"]
        or check["sessions"] != expected
        or check["booked_slots"] != expected
        or check["credits"] != expected
    ):
        raise RuntimeError(f"the bookings do not add up: {check}, expected {expected} of each")
    booking_ms = [answer.seconds * 1000 for answer in flat]
    return [
        row(
            f"{CLIENTS} clients, one slot per round",
            median_ms=round(median(rounds) * 1000, 1),
            p95_ms=round(percentile(rounds, 0.95) * 1000, 1),
            attempts_per_s=round(CLIENTS / median(rounds), 1),
            double_bookings=check["double"],
            runs=ROUNDS,
            notes=f"round = all {CLIENTS} requests answered; every round exactly one 201 and {CLIENTS - 1} "
            f"409 (taken); winner answered in {median(winners) * 1000:.1f} ms (median); "
            f"employees of {len(SLUGS)} organisations, gunicorn {WORKERS} workers",
        ),
        row(
            f"{CLIENTS} clients booking their own slots",
            bookings_per_s=round(len(flat) / throughput_seconds, 1),
            median_ms=round(median(booking_ms), 1),
            p95_ms=round(percentile(booking_ms, 0.95), 1),
            ratio_to_healthz=round(median(booking_ms) / healthz, 1),
            double_bookings=check["double"],
            runs=len(flat),
            notes=f"{PER_CLIENT} bookings per client, one after another; /healthz {healthz:.2f} ms; "
            f"{check['sessions']} sessions and {check['credits']} credits spent for "
            f"{check['booked_slots']} booked slots, checked in both schemas",
        ),
    ]


if __name__ == "__main__":
    from bench.common import run_alone

    run_alone(run)

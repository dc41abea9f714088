"""Nothing is ever double-booked, on real concurrent connections.

Twenty employees of both organisations press "book" on the same slot at the same moment, each thread
with its own database connection on its own organisation's host: exactly one session is made and one
credit spent, every time. The threads must see the data, so it is committed: every database step runs in
a thread with its own connection (the test's own sits in pytest-django's transaction), the tests make
their own people and remove exactly what they made.
"""

from __future__ import annotations

import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.sessions.models import Session as WebSession
from django.db import connection, transaction
from django.db.models import Sum
from django.test import Client
from django_tenants.utils import tenant_context

from programmes.availability.models import Slot
from programmes.availability.services import REMOVE, slots_offer
from programmes.models import (
    Agreement,
    AgreementAcceptance,
    Attendance,
    CreditTransaction,
    Enrolment,
    EnrolmentAgreement,
    Session,
)
from tenants.models import Membership, Role, User
from tests.connections import in_own_connection
from tests.world import PASSWORD, build_world, sign_in
from tests.world.agreement import agree
from tests.world.sessions import at, free_slot

THREADS = 20
ROUNDS = 5


@dataclass
class Booker:
    user: User
    org: object
    client: Client
    enrolment_id: int


@dataclass
class Made:
    users: list = field(default_factory=list)
    slots: list = field(default_factory=list)
    agreements: dict = field(default_factory=dict)  # schema -> agreement id made here (or None)
    session_keys: list = field(default_factory=list)


def _bookers(world, made: Made, per_organisation: int, credits: int) -> list[Booker]:
    bookers = []
    for org in (world.acme, world.globex):
        with tenant_context(org.organisation):
            agreement = Agreement.objects.order_by("-version").first()
            if agreement is None:
                agreement = Agreement.objects.create(version=1, body="Text")
                made.agreements[org.organisation.schema_name] = agreement.pk
            for number in range(per_organisation):
                user = User.objects.create_user(
                    email=f"booker{number}-{org.organisation.slug}@race.test",
                    password=PASSWORD,
                    first_name="Booker",
                    last_name=str(number),
                )
                made.users.append(user)
                Membership.objects.create(user=user, organisation=org.organisation, role=Role.EMPLOYEE)
                enrolment = Enrolment.objects.create(
                    programme_id=org.people["programme"],
                    cohort_id=org.people["cohort_b"],
                    employee=user,
                    coach=world.coach_both,
                    status=Enrolment.Status.ACTIVE,
                    credit_allowance=credits,
                )
                AgreementAcceptance.objects.create(agreement=agreement, user=user)
                agree(enrolment)
                client = sign_in(Client(HTTP_HOST=org.host), user, org.host)
                made.session_keys.append(client.session.session_key)
                bookers.append(Booker(user, org, client, enrolment.pk))
    return bookers


def _clean(world, made: Made) -> None:
    user_ids = [user.pk for user in made.users]
    for org in (world.acme, world.globex):
        with tenant_context(org.organisation):
            sessions = Session.objects.filter(enrolment__employee_id__in=user_ids)
            Session.objects.filter(pk__in=sessions.values("pk")).update(slot=None)
            CreditTransaction.objects.filter(enrolment__employee_id__in=user_ids).delete()
            Attendance.objects.filter(user_id__in=user_ids).delete()
            sessions.delete()
            AgreementAcceptance.objects.filter(user_id__in=user_ids).delete()
            EnrolmentAgreement.objects.filter(enrolment__employee_id__in=user_ids).delete()
            Enrolment.objects.filter(employee_id__in=user_ids).delete()
            agreement_id = made.agreements.get(org.organisation.schema_name)
            if agreement_id is not None:
                Agreement.objects.filter(pk=agreement_id).delete()
    # Deleting slots and users looks for the rows pointing at them in the current schema: with this
    # organisation's schema on the search path those tables exist (and hold nothing of ours any more).
    with tenant_context(world.acme.organisation):
        Slot.objects.filter(pk__in=made.slots).delete()
        WebSession.objects.filter(session_key__in=made.session_keys).delete()
        Membership.objects.filter(user_id__in=user_ids).delete()
        User.objects.filter(pk__in=user_ids).delete()


@contextmanager
def _race_world(*, per_organisation: int, credits: int):
    # Never on the development database: the `db` fixture has switched to the test database.
    assert connection.settings_dict["NAME"] == settings.DATABASES["default"]["TEST"]["NAME"]
    world = in_own_connection(build_world)
    # Whatever an interrupted earlier run left behind goes first.
    in_own_connection(lambda: _clean(world, Made(users=list(User.objects.filter(email__endswith="@race.test")))))
    made = Made()
    try:
        yield world, made, in_own_connection(lambda: _bookers(world, made, per_organisation, credits))
    finally:
        in_own_connection(lambda: _clean(world, made))


def _press_together(calls) -> list:
    """Run every call in its own thread (its own connection), released at the same instant."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait(timeout=30)
            results[index] = call()
        except Exception as error:  # noqa: BLE001  (reported by the test, not lost in the thread)
            results[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(index, call)) for index, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


def _live_sessions_on(world, slot_id: int) -> int:
    total = 0
    for org in (world.acme, world.globex):
        with tenant_context(org.organisation):
            total += Session.objects.filter(slot_id=slot_id, status=Session.Status.SCHEDULED).count()
    return total


def _credits_spent(world, bookers: list[Booker]) -> int:
    spent = 0
    for org in (world.acme, world.globex):
        with tenant_context(org.organisation):
            ids = [booker.enrolment_id for booker in bookers if booker.org is org]
            spent -= CreditTransaction.objects.filter(enrolment_id__in=ids).aggregate(total=Sum("delta"))["total"] or 0
    return spent


def test_twenty_employees_of_two_organisations_book_one_slot_at_once(db):
    with _race_world(per_organisation=THREADS // 2, credits=ROUNDS) as (world, made, bookers):
        for round_number in range(ROUNDS):
            slot = in_own_connection(lambda: free_slot(world.coach_both, at(40 + round_number, 10)))
            made.slots.append(slot.pk)
            url = f"/api/v1/availability/{slot.pk}/book/"
            results = _press_together([lambda booker=booker: booker.client.post(url) for booker in bookers])
            errors = [result for result in results if isinstance(result, Exception)]
            assert not errors, errors
            statuses = sorted(response.status_code for response in results)
            assert statuses == [201] + [409] * (THREADS - 1), f"round {round_number}: {statuses}"
            assert {response.json()["code"] for response in results if response.status_code == 409} == {"slot_taken"}
            assert in_own_connection(lambda: _live_sessions_on(world, slot.pk)) == 1
            assert in_own_connection(lambda: _credits_spent(world, bookers)) == round_number + 1
            in_own_connection(slot.refresh_from_db)
            winner = next(response for response in results if response.status_code == 201).json()
            assert slot.booked_by_id == winner["employee"]["id"]


def test_one_employee_spends_their_last_credit_once_when_booking_two_slots_at_once(db):
    with _race_world(per_organisation=1, credits=1) as (world, made, bookers):
        booker = bookers[0]
        slots = in_own_connection(lambda: [free_slot(world.coach_both, at(50, hour)) for hour in (9, 11)])
        made.slots.extend(slot.pk for slot in slots)
        second = Client(HTTP_HOST=booker.org.host)
        second.cookies = booker.client.cookies
        results = _press_together(
            [
                lambda: booker.client.post(f"/api/v1/availability/{slots[0].pk}/book/"),
                lambda: second.post(f"/api/v1/availability/{slots[1].pk}/book/"),
            ]
        )
        assert sorted(response.status_code for response in results) == [201, 409]
        assert next(response for response in results if response.status_code == 409).json()["code"] == "no_credit"
        assert in_own_connection(lambda: _credits_spent(world, bookers)) == 1
        assert in_own_connection(lambda: Slot.objects.filter(pk__in=made.slots, booked_at__isnull=False).count()) == 1


def _until_someone_waits_for_a_lock(timeout: float = 20) -> bool:
    """Whether another connection to this database waits for a row lock (polled, up to `timeout`)."""

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with connection.cursor() as cursor:
            # Statistics views are read once per transaction unless the snapshot is cleared.
            cursor.execute("SELECT pg_stat_clear_snapshot()")
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
            )
            if cursor.fetchone()[0]:
                return True
        time.sleep(0.05)
    return False


def test_a_booking_waiting_while_the_coach_stops_offering_the_time_there_finds_it_gone(db):
    """The coach takes Acme off a slot while an Acme employee's booking waits for that slot's lock: the
    booking decides on the offer as it is once it holds the lock, so it answers as for a missing slot.
    Globex, still offered the time, books it."""

    with _race_world(per_organisation=1, credits=1) as (world, made, bookers):
        acme_booker, globex_booker = bookers
        slot = in_own_connection(lambda: free_slot(world.coach_both, at(52, 10)))
        made.slots.append(slot.pk)
        url = f"/api/v1/availability/{slot.pk}/book/"
        locked, waited = threading.Event(), {}

        def coach_takes_acme_off():

            with transaction.atomic():
                served = [world.acme.organisation, world.globex.organisation]
                slots_offer(
                    coach=world.coach_both,
                    slot_ids=[slot.pk],
                    organisations=[world.acme.organisation],
                    allowed=served,
                    how=REMOVE,
                )
                locked.set()
                waited["booking"] = _until_someone_waits_for_a_lock()

        def acme_books():
            assert locked.wait(timeout=30)
            return acme_booker.client.post(url)

        coach, booking = _press_together([coach_takes_acme_off, acme_books])
        assert waited["booking"], "the booking never waited for the slot's lock"
        assert not isinstance(booking, Exception), booking
        assert booking.status_code == 404
        assert in_own_connection(lambda: _live_sessions_on(world, slot.pk)) == 0
        assert in_own_connection(lambda: globex_booker.client.post(url)).status_code == 201

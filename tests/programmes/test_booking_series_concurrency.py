"""Series bookings racing on real concurrent connections (tests/connections.py): a series is booked
whole or not at all, never half, and two series that share a date never both get it. The data is
committed, so these tests make their own people and remove what they made (as test_booking_concurrency)."""

from __future__ import annotations

from django.db.models import Sum
from django_tenants.utils import tenant_context

from programmes.availability.models import Slot
from programmes.models import CreditTransaction, Session
from programmes.services.booking import series_dates
from tests.connections import in_own_connection
from tests.programmes.test_booking_concurrency import _press_together, _race_world
from tests.world.sessions import at, free_slot


def _series(world, made, first, *, every_weeks: int, count: int) -> list[Slot]:
    slots = in_own_connection(
        lambda: [
            free_slot(world.coach_both, moment) for moment in series_dates(first, every_weeks=every_weeks, count=count)
        ]
    )
    made.slots.extend(slot.pk for slot in slots)
    return slots


def _booked_by(world, slot_ids: list[int]) -> dict[int, int]:
    """slot id -> the employee whose live session holds it, over both organisations."""
    holders = {}
    for org in (world.acme, world.globex):
        with tenant_context(org.organisation):
            for slot_id, employee_id in Session.objects.filter(
                slot_id__in=slot_ids, status=Session.Status.SCHEDULED
            ).values_list("slot_id", "enrolment__employee_id"):
                assert slot_id not in holders, "a slot held twice"
                holders[slot_id] = employee_id
    return holders


def _spent(world, bookers) -> dict[int, int]:
    spent = {}
    for org in (world.acme, world.globex):
        with tenant_context(org.organisation):
            for booker in bookers:
                if booker.org is org:
                    total = CreditTransaction.objects.filter(enrolment_id=booker.enrolment_id).aggregate(
                        total=Sum("delta")
                    )["total"]
                    spent[booker.user.pk] = -(total or 0)
    return spent


def test_ten_employees_of_two_organisations_book_the_same_series_at_once(db):
    with _race_world(per_organisation=5, credits=5) as (world, made, bookers):
        slots = _series(world, made, at(60, 10), every_weeks=2, count=3)
        url = f"/api/v1/availability/{slots[0].pk}/book-series/"
        results = _press_together(
            [
                lambda booker=booker: booker.client.post(
                    url, {"every_weeks": 2, "count": 3}, content_type="application/json"
                )
                for booker in bookers
            ]
        )
        errors = [result for result in results if isinstance(result, Exception)]
        assert not errors, errors
        assert sorted(response.status_code for response in results) == [201] + [409] * 9
        winner = next(response for response in results if response.status_code == 201).json()
        holders = in_own_connection(lambda: _booked_by(world, [slot.pk for slot in slots]))
        assert set(holders) == {slot.pk for slot in slots}
        assert set(holders.values()) == {winner[0]["employee"]["id"]}
        spent = in_own_connection(lambda: _spent(world, bookers))
        assert sorted(spent.values()) == [0] * 9 + [3]


def test_two_series_sharing_a_date_never_both_get_it_and_never_half(db):
    with _race_world(per_organisation=1, credits=5) as (world, made, bookers):
        slots = _series(world, made, at(70, 10), every_weeks=1, count=5)
        first, second = bookers  # one of Acme, one of Globex
        # The first takes weeks 0-2, the second weeks 2-4: week 2 is wanted by both.
        calls = [
            lambda: first.client.post(
                f"/api/v1/availability/{slots[0].pk}/book-series/",
                {"every_weeks": 1, "count": 3},
                content_type="application/json",
            ),
            lambda: second.client.post(
                f"/api/v1/availability/{slots[2].pk}/book-series/",
                {"every_weeks": 1, "count": 3},
                content_type="application/json",
            ),
        ]
        results = _press_together(calls)
        assert not [result for result in results if isinstance(result, Exception)], results
        assert sorted(response.status_code for response in results) == [201, 409]
        holders = in_own_connection(lambda: _booked_by(world, [slot.pk for slot in slots]))
        winner = first if results[0].status_code == 201 else second
        wanted = [slots[0], slots[1], slots[2]] if winner is first else [slots[2], slots[3], slots[4]]
        assert holders == {slot.pk: winner.user.pk for slot in wanted}
        loser = results[1] if winner is first else results[0]
        # Each organisation answers in its own language: Acme in English, Globex in Dutch.
        assert ("Nothing was booked" if winner is second else "Er is niets geboekt") in loser.json()["detail"]
        spent = in_own_connection(lambda: _spent(world, bookers))
        assert spent == {winner.user.pk: 3, (second if winner is first else first).user.pk: 0}

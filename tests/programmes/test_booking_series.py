"""An employee books a series (every so many weeks, so many times): all or nothing, within their credits
and the notice rules, on the page (htmx) and through the API."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from programmes.availability.models import Slot
from programmes.models import CreditTransaction, Enrolment, Session
from programmes.selectors.credits import credit_balance
from programmes.services.booking import series_book, series_dates
from programmes.services.sessions import SessionRefused
from tests.world.sessions import accept_agreement, at, free_slot


@pytest.fixture
def acme(world, in_tenant):
    with in_tenant(world.acme):
        accept_agreement(world.acme.employee2)
    return world.acme


def _series_slots(coach, first, *, every_weeks=2, count=5, hour=10):
    return [free_slot(coach, moment) for moment in series_dates(first, every_weeks=every_weeks, count=count)]


def _balance(org, in_tenant) -> int:
    with in_tenant(org):
        return credit_balance(enrolment=Enrolment.objects.get(pk=org.people["enrolment2"]))


def _day(moment) -> str:
    return f"{timezone.localtime(moment):%A %-d %B %Y}"


def _set_credits(org, in_tenant, allowance: int) -> None:
    with in_tenant(org):
        Enrolment.objects.filter(pk=org.people["enrolment2"]).update(credit_allowance=allowance)


def test_every_second_tuesday_five_times(acme, world, actor, in_tenant, django_capture_on_commit_callbacks):
    _set_credits(acme, in_tenant, 20)
    first = at(3, 10)
    slots = _series_slots(world.coach_both, first)
    before = _balance(acme, in_tenant)
    with in_tenant(acme), django_capture_on_commit_callbacks(execute=True):
        sessions = series_book(actor=actor(acme.employee2, acme), slot_id=slots[0].pk, every_weeks=2, count=5)
    assert [session.starts_at for session in sessions] == [slot.starts_at for slot in slots]
    assert [timezone.localtime(s.starts_at).hour for s in sessions] == [10] * 5  # the clock hour, DST or not
    assert _balance(acme, in_tenant) == before - 5
    assert Slot.objects.filter(pk__in=[slot.pk for slot in slots], booked_by=acme.employee2).count() == 5
    assert sum(1 for message in mail.outbox if message.to == [acme.employee2.email]) == 5


def test_one_date_not_free_books_nothing_and_names_the_date(acme, world, actor, in_tenant):
    _set_credits(acme, in_tenant, 20)
    slots = _series_slots(world.coach_both, at(3, 10))
    Slot.objects.filter(pk=slots[3].pk).delete()
    before = _balance(acme, in_tenant)
    with in_tenant(acme), pytest.raises(SessionRefused) as refused:
        series_book(actor=actor(acme.employee2, acme), slot_id=slots[0].pk, every_weeks=2, count=5)
    assert _day(slots[3].starts_at) in refused.value.message and "Nothing was booked" in refused.value.message
    assert refused.value.code == "slot_unavailable"
    with in_tenant(acme):
        assert not Session.objects.filter(slot_id__in=[slot.pk for slot in slots]).exists()
    assert _balance(acme, in_tenant) == before
    assert not Slot.objects.filter(pk__in=[slot.pk for slot in slots], booked_at__isnull=False).exists()


def test_a_date_the_employee_is_busy_rolls_back_the_ones_before(acme, world, actor, in_tenant):
    _set_credits(acme, in_tenant, 20)
    slots = _series_slots(world.coach_both, at(3, 10), count=3)
    with in_tenant(acme):
        # The employee already has a session at the third date, with someone else's time.
        Session.objects.create(
            kind="individual",
            enrolment_id=acme.people["enrolment2"],
            coach=world.coach_both,
            starts_at=slots[2].starts_at,
            duration_minutes=60,
        )
        with pytest.raises(SessionRefused) as refused:
            series_book(actor=actor(acme.employee2, acme), slot_id=slots[0].pk, every_weeks=2, count=3)
        assert refused.value.code == "employee_busy" and _day(slots[2].starts_at) in refused.value.message
        assert Session.objects.filter(slot_id__in=[slot.pk for slot in slots]).count() == 0
        assert not CreditTransaction.objects.filter(session__slot_id__in=[slot.pk for slot in slots]).exists()
    assert not Slot.objects.filter(pk__in=[slot.pk for slot in slots], booked_at__isnull=False).exists()


def test_credits_short_books_nothing_and_names_the_first_date_not_covered(acme, world, actor, in_tenant):
    slots = _series_slots(world.coach_both, at(3, 10))
    with in_tenant(acme):
        enrolment = Enrolment.objects.get(pk=acme.people["enrolment2"])
        Enrolment.objects.filter(pk=enrolment.pk).update(
            credit_allowance=enrolment.credit_allowance - credit_balance(enrolment=enrolment) + 3
        )
    left = _balance(acme, in_tenant)
    assert left == 3
    with in_tenant(acme), pytest.raises(SessionRefused) as refused:
        series_book(actor=actor(acme.employee2, acme), slot_id=slots[0].pk, every_weeks=2, count=5)
    assert refused.value.code == "no_credit" and _day(slots[left].starts_at) in refused.value.message
    assert f"{left} session credit" in refused.value.message
    assert _balance(acme, in_tenant) == left


def test_a_series_starting_within_the_notice_period_is_refused(acme, world, actor, in_tenant):
    _set_credits(acme, in_tenant, 20)
    first = timezone.now().replace(microsecond=0, second=0) + timedelta(hours=5)
    slots = [free_slot(world.coach_both, moment) for moment in series_dates(first, every_weeks=1, count=2)]
    with in_tenant(acme), pytest.raises(SessionRefused) as refused:
        series_book(actor=actor(acme.employee2, acme), slot_id=slots[0].pk, every_weeks=1, count=2)
    assert refused.value.code == "within_notice" and "24 hours" in refused.value.message


@pytest.mark.parametrize(("every_weeks", "count"), [(0, 3), (5, 3), (2, 1), (2, 13)])
def test_odd_shapes_are_refused(acme, world, actor, in_tenant, every_weeks, count):
    slot = free_slot(world.coach_both, at(3, 10))
    with in_tenant(acme), pytest.raises(SessionRefused) as refused:
        series_book(actor=actor(acme.employee2, acme), slot_id=slot.pk, every_weeks=every_weeks, count=count)
    assert refused.value.code == "invalid"


def test_the_page_previews_with_htmx_and_books(acme, world, client_for, in_tenant):
    _set_credits(acme, in_tenant, 20)
    slots = _series_slots(world.coach_both, at(3, 10), every_weeks=1, count=3)
    client = client_for(acme.employee2, acme.host)
    assert f"/book/{slots[0].pk}/series/" in client.get("/book/").content.decode()
    page = client.get(f"/book/{slots[0].pk}/series/").content.decode()
    assert "Book a series of 1:1s" in page and "not free" in page  # the default, every 2 weeks, 5 times
    preview = client.get(f"/book/{slots[0].pk}/series/?every_weeks=1&count=3", HTTP_HX_REQUEST="true")
    text = preview.content.decode()
    assert 'id="series-preview"' in text and "<html" not in text and "not free" not in text
    refused = client.post(f"/book/{slots[0].pk}/series/", {"every_weeks": "1", "count": "4"}, HTTP_HX_REQUEST="true")
    assert refused.status_code == 200 and "Nothing was booked" in refused.content.decode()
    booked = client.post(f"/book/{slots[0].pk}/series/", {"every_weeks": "1", "count": "3"}, HTTP_HX_REQUEST="true")
    assert booked.status_code == 204 and booked["HX-Redirect"] == "/sessions/"
    assert Slot.objects.filter(pk__in=[slot.pk for slot in slots], booked_by=acme.employee2).count() == 3


def test_the_api_books_a_series_or_says_which_date_fails(acme, world, client_for, in_tenant):
    _set_credits(acme, in_tenant, 20)
    slots = _series_slots(world.coach_both, at(3, 10), every_weeks=2, count=3)
    client = client_for(acme.employee2, acme.host)
    url = f"/api/v1/availability/{slots[0].pk}/book-series/"
    refused = client.post(url, {"every_weeks": 2, "count": 4}, content_type="application/json")
    assert refused.status_code == 409
    fourth = series_dates(slots[0].starts_at, every_weeks=2, count=4)[3]
    assert refused.json()["code"] == "slot_unavailable" and _day(fourth) in refused.json()["detail"]
    bad = client.post(url, {"every_weeks": 9, "count": 1}, content_type="application/json")
    assert bad.status_code == 400 and set(bad.json()) >= {"every_weeks", "count"}
    created = client.post(url, {"every_weeks": 2, "count": 3}, content_type="application/json")
    assert created.status_code == 201
    assert [item["starts_at"] for item in created.json()] == [
        timezone.localtime(slot.starts_at).isoformat() for slot in slots
    ]

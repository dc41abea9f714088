"""1:1 credits: booking spends one; cancelling in time gives it back; a late cancellation or a no-show
does not; an excused absence and a cancellation by the coach or HR do. The balance is always the
allowance plus the ledger."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from programmes.models import CreditTransaction, Enrolment, Session
from programmes.selectors.credits import credit_balance, with_credits
from programmes.services.attendance import attendance_mark
from programmes.services.booking import slot_book
from programmes.services.sessions import session_cancel
from tenants.models import Organisation
from tests.world import statements
from tests.world.sessions import accept_agreement, at, free_slot


@pytest.fixture
def acme(world, in_tenant):
    with in_tenant(world.acme):
        accept_agreement(world.acme.employee2)
    return world.acme


def _balance(org) -> int:
    return credit_balance(enrolment=Enrolment.objects.get(pk=org.people["enrolment2"]))


def _book(org, actor, world, starts_at) -> Session:
    slot = free_slot(world.coach_both, starts_at)
    return slot_book(actor=actor(org.employee2, org), slot_id=slot.pk)


def _shift(session: Session, starts_at) -> Session:
    Session.objects.filter(pk=session.pk).update(starts_at=starts_at)
    session.refresh_from_db()
    return session


def test_booking_spends_one_credit(acme, world, actor, in_tenant):
    with in_tenant(acme):
        before = _balance(acme)
        _book(acme, actor, world, at(10, 9))
        assert _balance(acme) == before - 1


def test_cancelling_in_time_gives_the_credit_back(acme, world, actor, in_tenant):
    with in_tenant(acme):
        before = _balance(acme)
        session = _book(acme, actor, world, at(10, 9))
        session = session_cancel(actor=actor(acme.employee2, acme), session=session)
        assert not session.late_cancellation
        assert _balance(acme) == before
        assert list(CreditTransaction.objects.filter(session=session).values_list("delta", "reason")) == [
            (-1, "booking"),
            (1, "refund"),
        ]


def test_a_late_cancellation_keeps_the_credit_used(acme, world, actor, in_tenant):
    with in_tenant(acme):
        before = _balance(acme)
        session = _book(acme, actor, world, at(10, 9))
        notice = acme.organisation.cancellation_notice_hours
        session = _shift(session, timezone.now() + timedelta(hours=notice - 1))
        session = session_cancel(actor=actor(acme.employee2, acme), session=session)
        assert session.late_cancellation and session.status == "cancelled"
        assert _balance(acme) == before - 1


def test_the_notice_period_is_the_organisations(acme, world, actor, in_tenant):
    Organisation.objects.filter(pk=acme.organisation.pk).update(cancellation_notice_hours=48)
    acme.organisation.refresh_from_db()
    with in_tenant(acme):
        before = _balance(acme)
        session = _shift(_book(acme, actor, world, at(10, 9)), timezone.now() + timedelta(hours=30))
        session = session_cancel(actor=actor(acme.employee2, acme), session=session)
        assert session.late_cancellation  # 30 hours ahead is late with 48 hours' notice
        assert _balance(acme) == before - 1


def test_a_no_show_keeps_the_credit_used(acme, world, actor, in_tenant):
    with in_tenant(acme):
        before = _balance(acme)
        session = _shift(_book(acme, actor, world, at(10, 9)), timezone.now() - timedelta(hours=2))
        attendance_mark(actor=actor(world.coach_both, acme), session=session, marks={acme.employee2.pk: "absent"})
        assert _balance(acme) == before - 1


def test_an_excused_absence_gives_the_credit_back_and_a_correction_takes_it_again(acme, world, actor, in_tenant):
    coach = world.coach_both
    with in_tenant(acme):
        before = _balance(acme)
        session = _shift(_book(acme, actor, world, at(10, 9)), timezone.now() - timedelta(hours=2))
        attendance_mark(actor=actor(coach, acme), session=session, marks={acme.employee2.pk: "excused"})
        assert _balance(acme) == before
        attendance_mark(actor=actor(coach, acme), session=session, marks={acme.employee2.pk: "absent"})
        assert _balance(acme) == before - 1
        attendance_mark(actor=actor(coach, acme), session=session, marks={acme.employee2.pk: "absent"})
        assert _balance(acme) == before - 1  # marking the same again changes nothing
        assert list(CreditTransaction.objects.filter(session=session).values_list("delta", "reason")) == [
            (-1, "booking"),
            (1, "excused"),
            (-1, "correction"),
        ]


def test_a_cancellation_by_the_coach_always_gives_the_credit_back(acme, world, actor, in_tenant):
    with in_tenant(acme):
        before = _balance(acme)
        session = _shift(_book(acme, actor, world, at(10, 9)), timezone.now() + timedelta(hours=1))
        session = session_cancel(actor=actor(world.coach_both, acme), session=session)
        assert not session.late_cancellation
        assert _balance(acme) == before
        assert CreditTransaction.objects.filter(session=session, reason="cancelled").exists()


def test_the_balance_is_the_allowance_plus_the_ledger(acme, in_tenant):
    with in_tenant(acme):
        enrolment = Enrolment.objects.get(pk=acme.people["enrolment2"])
        CreditTransaction.objects.create(enrolment=enrolment, delta=2, reason="adjustment", by=acme.hr)
        annotated = with_credits(Enrolment.objects.filter(pk=enrolment.pk)).get()
        spent = sum(CreditTransaction.objects.filter(enrolment=enrolment).values_list("delta", flat=True))
        assert annotated.credits_left == enrolment.credit_allowance + spent == credit_balance(enrolment=enrolment)
        assert annotated.credits_used == 1  # the world's 1:1; HR's adjustment is not use


def test_the_employee_sees_their_balance_and_hr_sees_use(acme, world, client_for):
    sessions_page = client_for(acme.employee2, acme.host).get("/sessions/").content.decode()
    assert "1:1 credits left" in sessions_page and "5<span" in sessions_page
    credits_page = client_for(acme.hr, acme.host).get("/sessions/credits/?q=employee2").content.decode()
    assert acme.employee2.email in credits_page and acme.employee.email not in credits_page
    api = client_for(acme.employee2, acme.host).get("/api/v1/credits/").json()["results"]
    assert [
        (row["employee"]["id"], row["credit_allowance"], row["credits_used"], row["credits_left"]) for row in api
    ] == [(acme.employee2.pk, 6, 1, 5)]


def test_the_credit_page_costs_the_same_however_many_enrolments(
    acme, world, client_for, in_tenant, django_assert_num_queries
):
    client = client_for(acme.hr, acme.host)
    client.get("/sessions/credits/")
    with django_assert_num_queries(statements(6)):
        # 1 the organisation of this host, 2-4 session, user and roles here, 5 how many enrolments (the
        # paginator), 6 this page of enrolments with their credits
        client.get("/sessions/credits/")

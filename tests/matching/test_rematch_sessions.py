"""Changing coach cancels the coming 1:1s with the former coach in the same transaction: the credits come
back whatever the notice period, the coach's time is free again, the former coach learns only that the
coaching relationship ended (never the reason) and can no longer open those sessions. Past sessions and
group sessions stay as they were."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from matching import services
from matching.models import Rematch
from programmes.availability.models import Slot
from programmes.availability.services import Meeting
from programmes.models import CreditTransaction, Enrolment, Session
from programmes.selectors.credits import credit_balance
from programmes.services import sessions as session_services
from programmes.services.booking import slot_book
from programmes.services.sessions import CoachChangeCancelled, session_schedule
from tests.world.sessions import _session, accept_agreement, at, free_slot

REASON = "She keeps talking about her boat."


@dataclass
class Coached:
    """The chooser with a coach (the organisation's), three coming 1:1s booked with them (one inside the
    notice period), one past 1:1 and a coming group session of the chooser's cohort."""

    user: object
    enrolment: Enrolment
    me: object
    coach: object
    coming: list[Session]
    past: Session
    group: Session


@pytest.fixture
def coached(world, in_tenant, chooser, actor):
    user, enrolment, me = chooser
    org, coach = world.acme, world.acme.coach
    with in_tenant(org):
        Enrolment.objects.filter(pk=enrolment.pk).update(coach=coach)
        enrolment.refresh_from_db()
        accept_agreement(user)
        soon = timezone.now().replace(second=0, microsecond=0) + timedelta(hours=5)  # inside the 24-hour notice
        coming = [
            slot_book(actor=me, slot_id=free_slot(coach, moment, only_for=org.organisation).pk)
            for moment in (at(12, 9), at(13, 9), soon)
        ]
        past = _session(
            org, kind=Session.Kind.INDIVIDUAL, coach=coach, starts_at=at(-3, 9), enrolment=enrolment, booked_by=user
        )
        group = session_schedule(
            actor=actor(coach, org),
            kind=Session.Kind.GROUP,
            starts_at=at(14, 15),
            duration_minutes=60,
            meeting=Meeting(mode="video", video_url="https://meet.example.com/group"),
            cohort=enrolment.cohort,
        )
        assert credit_balance(enrolment=enrolment) == 0  # four credits: three coming, one past
    mail.outbox.clear()
    return Coached(user, enrolment, me, coach, coming, past, group)


def test_a_rematch_cancels_the_coming_one_to_ones_and_gives_every_credit_back(world, in_tenant, actor, coached):
    org = world.acme
    with in_tenant(org):
        slots = [session.slot_id for session in coached.coming]
        others = Session.objects.get(pk=org.people["session_own"])  # another employee's 1:1 with the coach
        rematch = services.rematch_start(actor=coached.me, enrolment=coached.enrolment, reason=REASON)
        assert rematch.cancelled == CoachChangeCancelled(sessions=3, credits=3)
        cancelled = Session.objects.filter(pk__in=[session.pk for session in coached.coming])
        assert {(row.status, row.cancellation_reason, row.late_cancellation, row.slot_id) for row in cancelled} == {
            (Session.Status.CANCELLED, Session.CancellationReason.COACH_CHANGED, False, None)
        }, "no notice-period penalty, not even for the session in five hours"
        assert credit_balance(enrolment=coached.enrolment) == 3  # the past session's credit stays spent
        refunds = CreditTransaction.objects.filter(session__in=cancelled, delta=1)
        assert set(refunds.values_list("reason", flat=True)) == {CreditTransaction.Reason.REFUND}
        past = Session.objects.get(pk=coached.past.pk)
        assert (past.status, past.slot_id, past.cancellation_reason) == (
            Session.Status.SCHEDULED,
            coached.past.slot_id,
            "",
        )
        assert CreditTransaction.objects.filter(session=past).values_list("delta", flat=True).get() == -1
        assert Session.objects.get(pk=coached.group.pk).status == Session.Status.SCHEDULED
        assert Session.objects.get(pk=others.pk).status == Session.Status.SCHEDULED
        assert not Slot.objects.filter(pk__in=slots, booked_organisation__isnull=False).exists()
        # The freed time is bookable again: by another employee the coach coaches.
        accept_agreement(org.employee)
        taken = slot_book(actor=actor(org.employee, org), slot_id=slots[0])
        assert taken.enrolment.employee_id == org.employee.pk and taken.status == Session.Status.SCHEDULED


def test_the_emails_go_after_commit_and_the_former_coach_never_reads_the_reason(
    world, in_tenant, coached, django_capture_on_commit_callbacks
):
    with in_tenant(world.acme), django_capture_on_commit_callbacks(execute=True) as callbacks:
        services.rematch_start(actor=coached.me, enrolment=coached.enrolment, reason=REASON)
        assert not mail.outbox, "nothing is sent before the rematch commits"
    assert len(callbacks) == 3
    to_coach = [message for message in mail.outbox if message.to == [coached.coach.email]]
    to_employee = [message for message in mail.outbox if message.to == [coached.user.email]]
    assert len(to_coach) == len(to_employee) == 3 and len(mail.outbox) == 6
    for message in to_coach:
        assert message.subject.startswith("Session cancelled:")
        assert "the coaching relationship has ended" in message.body
        assert "changed coach" not in message.body and "/sessions/" not in message.body
        assert b"METHOD:CANCEL" in message.attachments[0][1]
    for message in to_employee:
        assert "because you changed coach" in message.body
        assert "The session credit has been given back to you." in message.body
    for message in mail.outbox:
        everything = message.subject + message.body + "".join(str(part[1]) for part in message.attachments)
        assert "boat" not in everything


def test_the_former_coach_can_no_longer_open_the_cancelled_sessions_but_keeps_the_past_one(world, client_for, coached):
    host = world.acme.host
    coach_client, employee_client = client_for(coached.coach, host), client_for(coached.user, host)
    cancelled = coached.coming[0].pk
    assert coach_client.get(f"/sessions/{cancelled}/").status_code == 200
    response = employee_client.post(f"/my-coach/{coached.enrolment.pk}/rematch/", {"reason": REASON})
    assert response.status_code == 302
    assert coach_client.get(f"/sessions/{cancelled}/").status_code == 404
    assert coach_client.get(f"/api/v1/sessions/{cancelled}/").status_code == 404
    listed = coach_client.get("/api/v1/sessions/", {"page_size": 100}).json()
    ids = {row["id"] for row in listed.get("results", listed)}
    assert not ids & {session.pk for session in coached.coming}
    assert coached.past.pk in ids and coached.group.pk in ids
    assert coach_client.get(f"/sessions/{coached.past.pk}/").status_code == 200
    # The employee still sees what happened to their sessions, and why; HR sees an ordinary cancellation.
    page = employee_client.get(f"/sessions/{cancelled}/")
    assert page.status_code == 200 and "It was cancelled because you changed coach." in page.content.decode()
    hr_page = client_for(world.acme.hr, host).get(f"/sessions/{cancelled}/")
    assert hr_page.status_code == 200 and "changed coach" not in hr_page.content.decode()


def test_a_former_coach_who_also_coaches_the_cohort_no_longer_sees_the_cancelled_sessions(
    world, client_for, in_tenant, coached
):
    """Coaching the employee's cohort shows a coach that cohort's 1:1s, but not the ones cancelled because
    the employee left them as their coach: those went with the enrolment."""
    with in_tenant(world.acme):
        coached.enrolment.cohort.coaches.add(coached.coach)
    host = world.acme.host
    coach_client = client_for(coached.coach, host)
    response = client_for(coached.user, host).post(f"/my-coach/{coached.enrolment.pk}/rematch/", {"reason": REASON})
    assert response.status_code == 302
    for session in coached.coming:
        assert coach_client.get(f"/sessions/{session.pk}/").status_code == 404
    listed = coach_client.get("/api/v1/sessions/", {"page_size": 100}).json()
    ids = {row["id"] for row in listed.get("results", listed)}
    assert not ids & {session.pk for session in coached.coming}
    assert coached.past.pk in ids and coached.group.pk in ids


def test_the_confirmation_page_says_how_many_sessions_were_cancelled_and_credits_given_back(world, client_for, coached):
    client = client_for(coached.user, world.acme.host)
    page = client.get(f"/my-coach/{coached.enrolment.pk}/rematch/").content.decode()
    assert "Sessions you have booked with your coach are cancelled" in page
    response = client.post(f"/my-coach/{coached.enrolment.pk}/rematch/", {"reason": REASON}, follow=True)
    html = response.content.decode()
    assert "Your 3 coming sessions with them are cancelled." in html
    assert "3 session credits have been given back to you." in html


def test_the_api_answer_says_how_many_sessions_were_cancelled_and_credits_given_back(world, client_for, coached):
    client = client_for(coached.user, world.acme.host)
    response = client.post(
        f"/api/v1/my-coach/{coached.enrolment.pk}/rematch/", {"reason": REASON}, content_type="application/json"
    )
    assert response.status_code == 201
    answer = response.json()
    assert (answer["sessions_cancelled"], answer["credits_returned"]) == (3, 3)
    assert "reason" not in answer


def test_a_rematch_without_coming_sessions_cancels_nothing(world, in_tenant, chooser):
    user, enrolment, me = chooser
    with in_tenant(world.acme):
        Enrolment.objects.filter(pk=enrolment.pk).update(coach=world.acme.coach)
        enrolment.refresh_from_db()
        rematch = services.rematch_start(actor=me, enrolment=enrolment, reason=REASON)
        assert rematch.cancelled == CoachChangeCancelled(sessions=0, credits=0)


def test_a_failure_midway_writes_nothing_of_the_rematch(
    world, in_tenant, coached, monkeypatch, django_capture_on_commit_callbacks
):
    real_cancel, done = session_services._cancel, []

    def cancel_then_fail(session, **kwargs):
        if done:
            raise RuntimeError("the database went away")
        done.append(real_cancel(session, **kwargs))
        return done[-1]

    monkeypatch.setattr(session_services, "_cancel", cancel_then_fail)
    with in_tenant(world.acme):
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            with pytest.raises(RuntimeError):
                services.rematch_start(actor=coached.me, enrolment=coached.enrolment, reason=REASON)
        assert done == [True], "the first session was cancelled before the failure"
        assert callbacks == [] and not mail.outbox
        assert not Rematch.objects.filter(enrolment=coached.enrolment).exists()
        coached.enrolment.refresh_from_db()
        assert coached.enrolment.coach_id == coached.coach.pk
        rows = Session.objects.filter(pk__in=[session.pk for session in coached.coming])
        assert {(row.status, row.cancellation_reason) for row in rows} == {(Session.Status.SCHEDULED, "")}
        assert all(row.slot_id is not None for row in rows)
        assert Slot.objects.filter(pk__in=[row.slot_id for row in rows], booked_organisation__isnull=False).count() == 3
        assert credit_balance(enrolment=coached.enrolment) == 0

"""Writes for sessions: a coach schedules directly, anyone entitled moves or cancels, with the notice rules.

A session holds its coach's time as a public Slot row (see programmes.availability.services), written in
the same transaction as the session on the same connection, so nothing is ever double-booked: row locks
settle the common races with a clear message, and the database's overlap constraint settles the rest.

Who may do what:
- the coach (of the session, its cohort or its employee) and HR act as organisers: they move a session
  at any time and cancel it at any time; a cancelled 1:1 gives its credit back;
- an employee moves or cancels their own 1:1 only; cancelling at least the organisation's notice period
  (`Organisation.cancellation_notice_hours`) before the start gives the credit back, later does not, and
  moving it is possible only before that period starts;
- when an employee changes coach, the portal cancels their coming 1:1s with the former coach: no notice
  period applies and every credit comes back (`coach_change_cancel`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal import policy
from portal.citus import lock_slots
from portal.policy import Actor
from programmes.availability.models import Slot
from programmes.availability.services import Meeting, TimeTaken, slot_take, time_hold, time_release
from programmes.models import Attendance, Cohort, CreditTransaction, Enrolment, Session
from programmes.selectors.credits import credit_balance
from programmes.selectors.sessions import expected_participants
from programmes.services.attendance_counts import attendance_counts_refresh
from programmes.services.credits import credit_settle, credit_spend
from programmes.tasks import sessions as session_tasks
from webhooks import events, outbox

DURATIONS = (30, 45, 60, 75, 90, 120, 180, 240)


class SessionRefused(Exception):
    """A change the rules do not allow now. `message` says why in the user's words; `code` names it for
    the API (409 Conflict, or 403 for `not_allowed`)."""

    def __init__(self, message: str, code: str):
        super().__init__(message)
        self.message = message
        self.code = code


# --- who acts how -----------------------------------------------------------------------------------


def coaches_session(actor: Actor, session: Session) -> bool:
    """Is the actor one of this session's coaches (leads it, coaches its cohort or its employee)?"""
    if not actor.is_coach:
        return False
    as_coach = replace(actor, roles=frozenset({policy.COACH}))
    return policy.scope(as_coach, Session).filter(pk=session.pk).exists()


def organises(actor: Actor, session: Session) -> bool:
    return actor.is_hr or coaches_session(actor, session)


def _is_own_individual(actor: Actor, session: Session) -> bool:
    return (
        actor.is_employee and session.kind == Session.Kind.INDIVIDUAL and session.enrolment.employee_id == actor.user_id
    )


def within_notice(actor: Actor, session: Session, *, now: datetime | None = None) -> bool:
    """Has the organisation's notice period before the session started?"""
    now = now or timezone.now()
    hours = actor.organisation.cancellation_notice_hours
    return session.starts_at - now < timedelta(hours=hours)


def _locked(session: Session) -> Session:
    # A fresh row, not the caller's: one read through the policy may have its join details blanked.
    return Session.objects.select_for_update(of=("self",)).select_related("enrolment", "cohort").get(pk=session.pk)


# The session events webhooks announce (a change of place or mode only is not one).
WEBHOOK_EVENTS = {
    "booked": events.SESSION_BOOKED,
    "scheduled": events.SESSION_BOOKED,
    "moved": events.SESSION_MOVED,
    "cancelled": events.SESSION_CANCELLED,
}


def notify_participants(session: Session, event: str, **details) -> None:
    if event in WEBHOOK_EVENTS:
        outbox.session(session, WEBHOOK_EVENTS[event])
    session_tasks.after_commit(session_tasks.session_notify, session.pk, event, **details)


# --- scheduling directly ----------------------------------------------------------------------------


def _validate_schedule(
    *,
    kind: str,
    starts_at: datetime,
    duration_minutes: int,
    meeting: Meeting,
    enrolment: Enrolment | None,
    cohort: Cohort | None,
) -> None:
    errors: dict[str, str] = {}
    if kind == Session.Kind.INDIVIDUAL and enrolment is None:
        errors["enrolment"] = _("Choose who the 1:1 is with.")
    if kind == Session.Kind.GROUP and cohort is None:
        errors["cohort"] = _("Choose the cohort of the group session.")
    if kind not in Session.Kind.values:
        errors["kind"] = _("Choose a group session or a 1:1.")
    if starts_at <= timezone.now():
        errors["starts_at"] = _("Choose a time in the future.")
    if duration_minutes not in DURATIONS:
        errors["duration_minutes"] = _("Choose a duration between 30 minutes and 4 hours.")
    if enrolment is not None and enrolment.status not in (Enrolment.Status.INVITED, Enrolment.Status.ACTIVE):
        errors["enrolment"] = _("This person's enrolment is %(status)s; sessions can no longer be planned.") % {
            "status": enrolment.get_status_display().lower()
        }
    errors.update(meeting.errors())
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def session_schedule(
    *,
    actor: Actor,
    kind: str,
    starts_at: datetime,
    duration_minutes: int,
    meeting: Meeting,
    enrolment: Enrolment | None = None,
    cohort: Cohort | None = None,
    title: str = "",
) -> Session:
    """A coach schedules a group session for a cohort they coach, or a 1:1 with someone they coach.

    The coach's time is held across all their organisations; a 1:1 spends one of the employee's credits.
    `enrolment` and `cohort` must come from the policy (the caller looked them up for this actor).
    """
    policy.require(actor, policy.COACH)
    _validate_schedule(
        kind=kind,
        starts_at=starts_at,
        duration_minutes=duration_minutes,
        meeting=meeting,
        enrolment=enrolment,
        cohort=cohort,
    )
    ends_at = starts_at + timedelta(minutes=duration_minutes)
    try:
        slot = time_hold(
            coach=actor.user,
            starts_at=starts_at,
            ends_at=ends_at,
            organisation=actor.organisation,
            booked_by=actor.user,
            meeting=meeting,
        )
    except TimeTaken as taken:
        raise SessionRefused(
            _("You already have a session then (%(detail)s). Choose another time.") % {"detail": taken.message},
            "time_taken",
        ) from None
    if kind == Session.Kind.INDIVIDUAL:
        enrolment = Enrolment.objects.select_for_update().get(pk=enrolment.pk)
        if credit_balance(enrolment=enrolment) < 1:
            raise SessionRefused(
                _("%(name)s has no session credits left. HR can raise the allowance.")
                % {"name": enrolment.employee.get_full_name() or enrolment.employee.email},
                "no_credit",
            )
    meeting = meeting.cleaned()
    session = Session.objects.create(
        kind=kind,
        cohort=cohort if kind == Session.Kind.GROUP else None,
        enrolment=enrolment if kind == Session.Kind.INDIVIDUAL else None,
        coach=actor.user,
        title=title.strip(),
        starts_at=starts_at,
        duration_minutes=duration_minutes,
        mode=meeting.mode,
        location=meeting.location,
        video_url=meeting.video_url,
        dial_in=meeting.dial_in,
        slot=slot,
        created_by=actor.user,
    )
    Attendance.objects.bulk_create(
        [Attendance(session=session, user_id=user_id) for user_id in expected_participants(session)]
    )
    attendance_counts_refresh(session_ids=[session.pk])
    if kind == Session.Kind.INDIVIDUAL:
        credit_spend(enrolment=enrolment, session=session, by=actor.user)
    notify_participants(session, "scheduled")
    return session


# --- cancelling -------------------------------------------------------------------------------------


@transaction.atomic
def session_cancel(*, actor: Actor, session: Session) -> Session:
    """Cancel a scheduled session and free the coach's time; settle the 1:1's credit by the rules."""
    session = _locked(session)
    organiser = organises(actor, session)
    if not organiser and not _is_own_individual(actor, session):
        raise SessionRefused(_("Only the coach or HR can cancel a group session."), "not_allowed")
    if session.status != Session.Status.SCHEDULED:
        raise SessionRefused(
            _("This session is already %(status)s.") % {"status": session.get_status_display().lower()}, "not_scheduled"
        )
    now = timezone.now()
    if session.starts_at <= now:
        raise SessionRefused(
            _(
                "This session has already started, so it can no longer be cancelled. "
                "Your coach records whether it took place."
            ),
            "started",
        )
    late = not organiser and within_notice(actor, session, now=now)
    reason = CreditTransaction.Reason.CANCELLED if organiser else CreditTransaction.Reason.REFUND
    _cancel(session, by=actor, late=late, credit_reason=reason)
    return session


def _cancel(session: Session, *, by: Actor, late: bool, credit_reason: str, because: str = "") -> bool:
    """Cancel `session` (held under its row lock, scheduled, not started): free the coach's time, give a
    1:1's credit back unless `late`, and tell everyone once the transaction commits. `because` names a
    cancellation no one chose (Session.CancellationReason). Returns whether a credit came back."""
    slot_id = session.slot_id
    session.status, session.cancelled_at, session.cancelled_by = Session.Status.CANCELLED, timezone.now(), by.user
    session.late_cancellation, session.cancellation_reason, session.slot = late, because, None
    session.sequence += 1
    session.save(
        update_fields=[
            "status",
            "cancelled_at",
            "cancelled_by",
            "late_cancellation",
            "cancellation_reason",
            "slot",
            "sequence",
        ]
    )
    time_release(slot_id=slot_id)
    returned = None
    if not late:
        returned = credit_settle(session=session, returned=True, reason=credit_reason, by=by.user)
    notify_participants(session, "cancelled")
    return returned is not None


@dataclass(frozen=True)
class CoachChangeCancelled:
    sessions: int  # coming 1:1s with the former coach, now cancelled
    credits: int  # credits given back for them


def coach_change_cancel(*, actor: Actor, enrolment: Enrolment, former_coach_id: int) -> CoachChangeCancelled:
    """Cancel every coming 1:1 of `enrolment` with the coach the employee is leaving, in the caller's
    transaction (which holds the enrolment's row lock): the former coach's time is free again and the
    employee has their credits back. The employee is not at fault, so the notice period does not apply:
    the sessions say why (`coach_changed`) and every credit comes back as a cancellation in time, which is
    what anyone else reading the ledger sees. Group sessions belong to the cohort and stay."""
    sessions = list(
        Session.objects.select_for_update(of=("self",))
        .select_related("enrolment", "cohort")
        .filter(
            enrolment=enrolment,
            kind=Session.Kind.INDIVIDUAL,
            coach_id=former_coach_id,
            status=Session.Status.SCHEDULED,
            starts_at__gt=timezone.now(),
        )
        .order_by("starts_at", "pk")
    )
    credits = 0
    for session in sessions:
        credits += _cancel(
            session,
            by=actor,
            late=False,
            credit_reason=CreditTransaction.Reason.REFUND,
            because=Session.CancellationReason.COACH_CHANGED,
        )
    return CoachChangeCancelled(sessions=len(sessions), credits=credits)


# --- moving -----------------------------------------------------------------------------------------


def _check_movable(actor: Actor, session: Session, organiser: bool) -> None:
    if not organiser and not _is_own_individual(actor, session):
        raise SessionRefused(_("Only the coach or HR can move a group session."), "not_allowed")
    if session.status != Session.Status.SCHEDULED:
        raise SessionRefused(
            _("This session is already %(status)s.") % {"status": session.get_status_display().lower()}, "not_scheduled"
        )
    if session.starts_at <= timezone.now():
        raise SessionRefused(_("This session has already started, so it can no longer be moved."), "started")
    if not organiser and within_notice(actor, session):
        raise SessionRefused(
            _(
                "Less than %(hours)d hours before the start a session can no longer be moved. You can still "
                "cancel it, but the credit is not given back."
            )
            % {"hours": actor.organisation.cancellation_notice_hours},
            "within_notice",
        )


@transaction.atomic
def session_move_to_slot(*, actor: Actor, session: Session, slot: Slot) -> Session:
    """Move a 1:1 to another free slot of its coach (the employee's way to reschedule). Credits stay."""
    session = _locked(session)
    organiser = organises(actor, session)
    _check_movable(actor, session, organiser)
    if session.kind != Session.Kind.INDIVIDUAL:
        raise SessionRefused(_("Group sessions move to a new time, not to a slot."), "not_allowed")
    previous, old_slot_id = session.starts_at, session.slot_id
    # Only time offered to this organisation (whoever asks: the coach also sees their slots offered
    # elsewhere), read after the lock is held.
    lock_slots([slot.pk, old_slot_id])  # both, in one order, before either row lock
    new_slot = Slot.objects.select_for_update().filter(pk=slot.pk).first()
    if new_slot is not None and not Slot.objects.offered_to(actor.organisation).filter(pk=new_slot.pk).exists():
        new_slot = None
    if new_slot is None or not new_slot.is_offered or new_slot.coach_id != session.coach_id:
        raise SessionRefused(_("This time is no longer offered. Please choose another."), "slot_unavailable")
    if new_slot.starts_at <= timezone.now():
        raise SessionRefused(_("This time has passed. Please choose another."), "slot_unavailable")
    if new_slot.is_booked:
        raise SessionRefused(_("This time has just been booked by someone else. Please choose another."), "slot_taken")
    session.slot = None
    session.save(update_fields=["slot"])
    time_release(slot_id=old_slot_id)
    try:
        slot_take(slot=new_slot, organisation=actor.organisation, booked_by=actor.user)
    except TimeTaken as taken:
        raise SessionRefused(taken.message, "slot_taken") from None
    meeting = Meeting.of(new_slot).cleaned()
    session.slot, session.starts_at, session.duration_minutes = new_slot, new_slot.starts_at, new_slot.duration_minutes
    session.mode, session.location, session.video_url, session.dial_in = (
        meeting.mode,
        meeting.location,
        meeting.video_url,
        meeting.dial_in,
    )
    session.reminder_sent_at = None
    session.sequence += 1
    session.save(
        update_fields=[
            "slot",
            "starts_at",
            "duration_minutes",
            "mode",
            "location",
            "video_url",
            "dial_in",
            "reminder_sent_at",
            "sequence",
        ]
    )
    notify_participants(session, "moved", previous_starts_at=previous.isoformat())
    return session


@transaction.atomic
def session_move(
    *, actor: Actor, session: Session, starts_at: datetime, duration_minutes: int, meeting: Meeting | None = None
) -> Session:
    """An organiser moves a session to any time the coach is free, and may change how it takes place
    (`meeting`; None keeps it). Only those who may see how to join may change it: HR moves a 1:1 but
    neither reads nor replaces its link."""
    session = _locked(session)
    if not organises(actor, session):
        raise SessionRefused(_("Choose one of your coach's free times to move your session."), "not_allowed")
    _check_movable(actor, session, organiser=True)
    if meeting is None:
        meeting = Meeting.of(session)
    elif policy.hidden_fields(actor, session):
        raise SessionRefused(_("Only the coach and the employee can change how a 1:1 takes place."), "not_allowed")
    errors = dict(meeting.errors())
    if starts_at <= timezone.now():
        errors["starts_at"] = _("Choose a time in the future.")
    if duration_minutes not in DURATIONS:
        errors["duration_minutes"] = _("Choose a duration between 30 minutes and 4 hours.")
    if errors:
        raise ValidationError(errors)
    previous, old_slot_id = session.starts_at, session.slot_id
    changed_time = (starts_at, duration_minutes) != (session.starts_at, session.duration_minutes)
    meeting = meeting.cleaned()
    changed_place = Meeting.of(session).cleaned() != meeting
    if changed_time:
        # Give the old time back first: the new one may overlap it (10:00 moved to 10:30).
        session.slot = None
        session.save(update_fields=["slot"])
        time_release(slot_id=old_slot_id)
        try:
            session.slot = time_hold(
                coach=session.coach,
                starts_at=starts_at,
                ends_at=starts_at + timedelta(minutes=duration_minutes),
                organisation=actor.organisation,
                booked_by=actor.user,
                meeting=meeting,
            )
        except TimeTaken as taken:
            raise SessionRefused(
                _("The coach already has a session then (%(detail)s). Choose another time.")
                % {"detail": taken.message},
                "time_taken",
            ) from None
        session.reminder_sent_at = None
    session.starts_at, session.duration_minutes = starts_at, duration_minutes
    session.mode, session.location, session.video_url, session.dial_in = (
        meeting.mode,
        meeting.location,
        meeting.video_url,
        meeting.dial_in,
    )
    if changed_time or changed_place:
        session.sequence += 1
    session.save(
        update_fields=[
            "slot",
            "starts_at",
            "duration_minutes",
            "mode",
            "location",
            "video_url",
            "dial_in",
            "reminder_sent_at",
            "sequence",
        ]
    )
    if session.slot_id is not None and not changed_time:
        Slot.objects.filter(pk=session.slot_id).update(
            mode=meeting.mode, location=meeting.location, video_url=meeting.video_url, dial_in=meeting.dial_in
        )
    notify_participants(session, "moved" if changed_time else "changed", previous_starts_at=previous.isoformat())
    return session

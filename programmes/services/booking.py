"""An employee books one of their coach's free slots.

The public Slot row and the organisation's Session are written in ONE transaction on the same connection
(an organisation host's search_path holds its schema, then public). The slot's row lock makes every other
booking of that slot, from any organisation, wait for this one and then see it taken; the enrolment's
row lock does the same for two bookings spending the employee's last credit.
"""

from __future__ import annotations

from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from portal import policy
from portal.policy import Actor
from programmes.availability.models import Slot
from programmes.availability.services import Meeting, TimeTaken, slot_take
from programmes.models import AgreementAcceptance, Attendance, Enrolment, Session
from programmes.selectors.credits import credit_balance
from programmes.selectors.enrolment import agreement_accepted
from programmes.selectors.sessions import BOOKABLE_STATUSES, employee_busy
from programmes.services.credits import credit_spend
from programmes.services.sessions import SessionRefused, notify_participants


def _locked_slot(actor: Actor, slot_id: int) -> Slot:
    """The slot under its row lock, if the actor may book it at all (else the policy's 404).

    The offer is read once more after the lock is held: a statement that waited for the lock decides on
    what it saw when it began, and the coach may have stopped offering the time here (or stopped serving
    here) meanwhile. A slot no longer offered here is as missing as one that never was.
    """
    slot = policy.get_or_404(actor, Slot, Slot.objects.select_for_update(of=("self",)), pk=slot_id)
    if not Slot.objects.offered_to(actor.organisation).filter(pk=slot.pk).exists():
        raise Http404(policy.NOT_FOUND)
    return slot


def _check_free(slot: Slot) -> None:
    if slot.is_booked:
        raise SessionRefused(_("This time has just been booked by someone else. Please choose another."), "slot_taken")
    if slot.starts_at <= timezone.now():
        raise SessionRefused(_("This time has passed. Please choose another."), "slot_unavailable")


def _enrolment_for(actor: Actor, slot: Slot) -> Enrolment:
    """The actor's enrolment coached by the slot's coach, under its row lock."""
    enrolment = (
        Enrolment.objects.select_for_update()
        .filter(employee_id=actor.user_id, coach_id=slot.coach_id, status__in=BOOKABLE_STATUSES)
        .order_by("created_at", "pk")
        .first()
    )
    if enrolment is None:
        raise SessionRefused(_("You can book only with your own coach while your enrolment is open."), "not_allowed")
    return enrolment


@transaction.atomic
def slot_book(*, actor: Actor, slot_id: int) -> Session:
    """Book a free slot as a 1:1 with its coach, spending one credit.

    Refusals (SessionRefused) say what to do next: the slot was taken meanwhile, no credit is left, the
    coaching agreement is not accepted yet, or the employee has another session at that time.
    """
    policy.require(actor, policy.EMPLOYEE)
    slot = _locked_slot(actor, slot_id)
    _check_free(slot)
    if not agreement_accepted(user=actor.user):
        if AgreementAcceptance.objects.filter(user_id=actor.user_id).exists():
            raise SessionRefused(
                _("The coaching agreement has changed. Please read and accept the new version before you book."),
                "agreement_required",
            )
        raise SessionRefused(
            _("Please read and accept the coaching agreement before you book your first session."), "agreement_required"
        )
    enrolment = _enrolment_for(actor, slot)
    if credit_balance(enrolment=enrolment) < 1:
        raise SessionRefused(_("You have no session credits left. Ask HR if you need more sessions."), "no_credit")
    clash = employee_busy(user_id=actor.user_id, starts_at=slot.starts_at, ends_at=slot.ends_at)
    if clash is not None:
        raise SessionRefused(_("You already have a session at that time."), "employee_busy")
    try:
        slot_take(slot=slot, organisation=actor.organisation, booked_by=actor.user)
    except TimeTaken as taken:
        raise SessionRefused(taken.message, "slot_taken") from None
    meeting = Meeting.of(slot).cleaned()
    session = Session.objects.create(
        kind=Session.Kind.INDIVIDUAL,
        enrolment=enrolment,
        coach_id=slot.coach_id,
        starts_at=slot.starts_at,
        duration_minutes=slot.duration_minutes,
        mode=meeting.mode,
        location=meeting.location,
        video_url=meeting.video_url,
        dial_in=meeting.dial_in,
        slot=slot,
        created_by=actor.user,
    )
    Attendance.objects.create(session=session, user_id=actor.user_id)
    credit_spend(enrolment=enrolment, session=session, by=actor.user)
    notify_participants(session, "booked")
    return session

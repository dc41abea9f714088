"""An employee books one of their coach's free slots.

The public Slot row and the organisation's Session are written in ONE transaction on the same connection
(an organisation host's search_path holds its schema, then public). The slot's row lock makes every other
booking of that slot, from any organisation, wait for this one and then see it taken; the enrolment's
row lock does the same for two bookings spending the employee's last credit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.http import Http404
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from portal import policy
from portal.citus import lock_slots
from portal.policy import Actor
from programmes.availability.models import Slot
from programmes.availability.services import Meeting, TimeTaken, slot_take
from programmes.models import AgreementAcceptance, Attendance, Enrolment, Session
from programmes.selectors.agreement import agreement_allows_booking, agreement_for_booking
from programmes.selectors.credits import credit_balance
from programmes.selectors.enrolment import agreement_accepted
from programmes.selectors.sessions import BOOKABLE_STATUSES, employee_busy
from programmes.services.attendance_counts import attendance_counts_refresh
from programmes.services.credits import credit_spend
from programmes.services.sessions import SessionRefused, notify_participants


def locked_slot(actor: Actor, slot_id: int) -> Slot:
    """The slot under its row lock, if the actor may book it at all (else the policy's 404).

    The offer is read once more after the lock is held: a statement that waited for the lock decides on
    what it saw when it began, and the coach may have stopped offering the time here (or stopped serving
    here) meanwhile. A slot no longer offered here is as missing as one that never was.
    """
    lock_slots([slot_id])  # before the row lock: see portal.citus.lock_slots
    slot = policy.get_or_404(actor, Slot, Slot.objects.select_for_update(of=("self",)), pk=slot_id)
    if not Slot.objects.offered_to(actor.organisation).filter(pk=slot.pk).exists():
        raise Http404(policy.NOT_FOUND)
    return slot


def check_free(slot: Slot) -> None:
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


def _check_agreement(actor: Actor) -> None:
    if not agreement_accepted(user=actor.user):
        if AgreementAcceptance.objects.filter(user_id=actor.user_id).exists():
            raise SessionRefused(
                _("The coaching agreement has changed. Please read and accept the new version before you book."),
                "agreement_required",
            )
        raise SessionRefused(
            _("Please read and accept the coaching agreement before you book your first session."), "agreement_required"
        )


def _check_enrolment_agreement(enrolment: Enrolment) -> None:
    if not agreement_allows_booking(agreement_for_booking(enrolment=enrolment)):
        refused = SessionRefused(
            _("You can book once you and your coach have both accepted the objectives of your coaching agreement."),
            "agreement_required",
        )
        refused.enrolment_id = enrolment.pk  # the API names the agreement's page
        raise refused


def book_locked(
    actor: Actor, slot: Slot, enrolment: Enrolment, *, spend_credit: bool = True, title: str = ""
) -> Session:
    """Book `slot` (held under its row lock, checked free) as a 1:1 on `enrolment` (locked, with a credit
    unless `spend_credit` is false: a chemistry call before choosing a coach costs none)."""
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
        title=title,
        created_by=actor.user,
    )
    Attendance.objects.create(session=session, user_id=actor.user_id)
    attendance_counts_refresh(session_ids=[session.pk])
    if spend_credit:
        credit_spend(enrolment=enrolment, session=session, by=actor.user)
    notify_participants(session, "booked")
    return session


@transaction.atomic
def slot_book(*, actor: Actor, slot_id: int) -> Session:
    """Book a free slot as a 1:1 with its coach, spending one credit.

    Refusals (SessionRefused) say what to do next: the slot was taken meanwhile, no credit is left, the
    coaching agreement is not accepted yet, or the employee has another session at that time. A time the
    coach's own calendar shows busy is not offered (`offered_to`), so it is as missing as a withdrawn one.
    """
    policy.require(actor, policy.EMPLOYEE)
    slot = locked_slot(actor, slot_id)
    check_free(slot)
    _check_agreement(actor)
    enrolment = _enrolment_for(actor, slot)
    _check_enrolment_agreement(enrolment)
    if credit_balance(enrolment=enrolment) < 1:
        raise SessionRefused(_("You have no session credits left. Ask HR if you need more sessions."), "no_credit")
    return book_locked(actor, slot, enrolment)


# --- a series ---------------------------------------------------------------------------------------

SERIES_EVERY_WEEKS = (1, 2, 3, 4)
SERIES_MOST = 12


@dataclass(frozen=True)
class Occurrence:
    starts_at: datetime
    slot: Slot | None


def series_dates(first: datetime, *, every_weeks: int, count: int) -> list[datetime]:
    """The starts of a series: the same local time on the same weekday, every `every_weeks` weeks
    (a change to or from summer time keeps the hour on the clock)."""
    local = timezone.localtime(first).replace(tzinfo=None)
    return [timezone.make_aware(local + timedelta(weeks=every_weeks * number)) for number in range(count)]


def _day(moment: datetime) -> str:
    local = timezone.localtime(moment)
    return _("%(day)s at %(time)s") % {
        "day": formats.date_format(local, "l j F Y"),
        "time": formats.time_format(local, "H:i"),
    }


def _series_refused(moment: datetime, reason: str, code: str) -> SessionRefused:
    return SessionRefused(
        _("%(when)s: %(reason)s Nothing was booked.") % {"when": _day(moment), "reason": reason}, code
    )


def _check_series_shape(every_weeks: int, count: int) -> None:
    if every_weeks not in SERIES_EVERY_WEEKS:
        raise SessionRefused(_("Choose a series every 1, 2, 3 or 4 weeks."), "invalid")
    if not 2 <= count <= SERIES_MOST:
        raise SessionRefused(_("A series has between 2 and %(most)d sessions.") % {"most": SERIES_MOST}, "invalid")


def series_preview(*, actor: Actor, slot_id: int, every_weeks: int, count: int) -> list[Occurrence]:
    """The times a series starting at the slot would take, each with its free slot (None: not free)."""
    _check_series_shape(every_weeks, count)
    first = policy.get_or_404(actor, Slot, Slot.objects.offered_to(actor.organisation), pk=slot_id)
    found = {
        slot.starts_at: slot
        for slot in Slot.objects.offered_to(actor.organisation).filter(
            coach_id=first.coach_id,
            starts_at__in=series_dates(first.starts_at, every_weeks=every_weeks, count=count),
            booked_organisation__isnull=True,
        )
        if slot.duration_minutes == first.duration_minutes
    }
    return [
        Occurrence(moment, found.get(moment))
        for moment in series_dates(first.starts_at, every_weeks=every_weeks, count=count)
    ]


@transaction.atomic
def series_book(*, actor: Actor, slot_id: int, every_weeks: int, count: int) -> list[Session]:
    """Book a series of 1:1s: the slot's time, every `every_weeks` weeks, `count` times: all or nothing.

    Each occurrence needs a free slot of the same coach at the same local time and length, offered here,
    more than the organisation's notice period ahead; the employee needs a credit for every one. In one
    transaction: a refusal names the first date that fails and nothing is booked. The slots are locked in
    time order, so two series never wait for each other in a circle.
    """
    policy.require(actor, policy.EMPLOYEE)
    _check_series_shape(every_weeks, count)
    first = locked_slot(actor, slot_id)
    moments = series_dates(first.starts_at, every_weeks=every_weeks, count=count)
    candidates = (
        Slot.objects.select_for_update(of=("self",))
        .filter(coach_id=first.coach_id, starts_at__in=moments[1:])
        .order_by("starts_at")
    )
    offered = set(
        Slot.objects.offered_to(actor.organisation)
        .filter(pk__in=[c.pk for c in candidates])
        .values_list("pk", flat=True)
    )
    by_start = {slot.starts_at: slot for slot in candidates if slot.pk in offered}
    by_start[first.starts_at] = first
    notice = timedelta(hours=actor.organisation.cancellation_notice_hours)
    now = timezone.now()
    for moment in moments:
        slot = by_start.get(moment)
        if slot is None or not slot.is_offered or slot.duration_minutes != first.duration_minutes:
            raise _series_refused(moment, _("your coach has no free time then."), "slot_unavailable")
        if slot.is_booked:
            raise _series_refused(moment, _("this time is already booked."), "slot_taken")
        if moment - now < notice:
            raise _series_refused(
                moment,
                ngettext(
                    "a series can start only more than %(hours)d hour ahead.",
                    "a series can start only more than %(hours)d hours ahead.",
                    actor.organisation.cancellation_notice_hours,
                )
                % {"hours": actor.organisation.cancellation_notice_hours},
                "within_notice",
            )
    _check_agreement(actor)
    enrolment = _enrolment_for(actor, first)
    _check_enrolment_agreement(enrolment)
    left = credit_balance(enrolment=enrolment)
    if left < count:
        raise _series_refused(
            moments[max(left, 0)],
            ngettext(
                "you have %(left)d session credit left, not enough for %(count)d sessions.",
                "you have %(left)d session credits left, not enough for %(count)d sessions.",
                left,
            )
            % {"left": left, "count": count},
            "no_credit",
        )
    sessions = []
    for moment in moments:
        try:
            sessions.append(book_locked(actor, by_start[moment], enrolment))
        except SessionRefused as refused:
            raise _series_refused(moment, refused.message, refused.code) from None
    return sessions

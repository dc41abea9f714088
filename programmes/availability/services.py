"""Writes to a coach's time (public schema): publishing and withdrawing slots, choosing which
organisations may book them, and holding or freeing an hour for a session.

A coach's time is one resource across every organisation they serve. Every commitment holds a Slot row,
so the database's `slot_no_overlap` exclusion constraint is the last word on double booking; the row locks
taken here make the common races end in a clear message instead of that constraint's error.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from portal.citus import lock_slots
from programmes.availability.models import Mode, OfferDefault, Slot
from tenants.models import Organisation, User

SLOT_LENGTHS = (30, 45, 60, 90, 120)
MAX_REPEAT_WEEKS = 12
MAX_SLOTS_PER_PUBLICATION = 200


class TimeTaken(Exception):
    """The coach is already committed at (part of) the requested time."""

    def __init__(self, message: str, slot: Slot | None = None):
        super().__init__(message)
        self.message = message
        self.slot = slot


@dataclass(frozen=True)
class Meeting:
    """How a session takes place: the mode and the one detail that goes with it."""

    mode: str = Mode.VIDEO
    location: str = ""
    video_url: str = ""
    dial_in: str = ""

    def errors(self) -> dict[str, str]:
        """What is missing, by field: each mode needs its own detail."""
        if self.mode not in Mode.values:
            return {"mode": _("Choose in person, video or phone.")}
        needed = {
            Mode.IN_PERSON: ("location", _("Say where the session takes place.")),
            Mode.VIDEO: ("video_url", _("Give the link to the video call.")),
            Mode.PHONE: ("dial_in", _("Give the phone number or dial-in details.")),
        }[self.mode]
        field, message = needed
        return {} if getattr(self, field).strip() else {field: message}

    def cleaned(self) -> Meeting:
        """Only the detail of the chosen mode is kept, so an old link never travels with a phone call."""
        keep = {Mode.IN_PERSON: "location", Mode.VIDEO: "video_url", Mode.PHONE: "dial_in"}[self.mode]
        return Meeting(
            mode=self.mode,
            **{
                field: getattr(self, field).strip() if field == keep else ""
                for field in ("location", "video_url", "dial_in")
            },
        )

    @classmethod
    def of(cls, thing) -> Meeting:
        return cls(mode=thing.mode, location=thing.location, video_url=thing.video_url, dial_in=thing.dial_in)


def describe_time(starts_at: datetime, ends_at: datetime) -> str:
    start = timezone.localtime(starts_at)
    end = timezone.localtime(ends_at)
    return _("%(day)s, %(start)s–%(end)s") % {
        "day": formats.date_format(start, "l j F"),
        "start": formats.time_format(start, "H:i"),
        "end": formats.time_format(end, "H:i"),
    }


def _slots_delete(slot_ids: list[int]) -> None:
    """Delete slots that no session points at any more.

    Not through Django's collector: it would look for the sessions pointing at a slot in the current
    schema only (and fail on the public host, which has no sessions table). Every session gives up its
    slot before the slot goes, and the deferred foreign keys of every organisation's sessions refuse the
    commit should one still point here.
    """
    if not slot_ids:
        return
    Slot.organisations.through.objects.filter(slot_id__in=slot_ids).delete()
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {Slot._meta.db_table} WHERE id = ANY(%s)", [list(slot_ids)])


# --- publishing -------------------------------------------------------------------------------------


def _organisation_errors(
    organisations: list[Organisation], allowed: list[Organisation], *, at_least_one: bool
) -> dict[str, list[str]]:
    """Only organisations the coach serves (`allowed`) may be offered time. One message for an organisation
    that exists elsewhere and one that does not exist at all: the answer says nothing about either."""
    allowed_ids = {organisation.pk for organisation in allowed}
    if any(organisation.pk not in allowed_ids for organisation in organisations):
        return {"organisations": [_("Choose only organisations you coach for.")]}
    if at_least_one and not organisations:
        return {"organisations": [_("Choose at least one organisation that may book this time.")]}
    return {}


def _slot_times(
    *, first_day: date, start: time, end: time, length_minutes: int, repeat_weeks: int
) -> list[tuple[datetime, datetime]]:
    times = []
    zone = timezone.get_current_timezone()
    for week in range(repeat_weeks + 1):
        day = first_day + timedelta(weeks=week)
        cursor = timezone.make_aware(datetime.combine(day, start), zone)
        day_end = timezone.make_aware(datetime.combine(day, end), zone)
        while cursor + timedelta(minutes=length_minutes) <= day_end:
            times.append((cursor, cursor + timedelta(minutes=length_minutes)))
            cursor += timedelta(minutes=length_minutes)
    return times


def _validate_publication(
    *,
    coach: User,
    times: list[tuple[datetime, datetime]],
    start: time,
    end: time,
    length_minutes: int,
    repeat_weeks: int,
    meeting: Meeting,
    organisations: list[Organisation],
    allowed: list[Organisation],
) -> None:
    errors: dict[str, list[str]] = {}
    if length_minutes not in SLOT_LENGTHS:
        errors["length_minutes"] = [_("Choose a length of 30, 45, 60, 90 or 120 minutes.")]
    if not 0 <= repeat_weeks <= MAX_REPEAT_WEEKS:
        errors["repeat_weeks"] = [_("Repeat for at most %(weeks)d weeks.") % {"weeks": MAX_REPEAT_WEEKS}]
    if end <= start:
        errors["end"] = [_("The end time must be after the start time.")]
    elif not errors and not times:
        errors["end"] = [_("The time between start and end is shorter than one slot.")]
    elif times and times[0][0] <= timezone.now():
        errors["day"] = [_("Choose a time in the future.")]
    elif len(times) > MAX_SLOTS_PER_PUBLICATION:
        errors["repeat_weeks"] = [
            _("That would be %(count)d slots; publish at most %(max)d at once.")
            % {"count": len(times), "max": MAX_SLOTS_PER_PUBLICATION}
        ]
    errors.update(_organisation_errors(organisations, allowed, at_least_one=True))
    for field, message in meeting.errors().items():
        errors[field] = [message]
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def slots_publish(
    *,
    coach: User,
    first_day: date,
    start: time,
    end: time,
    length_minutes: int,
    repeat_weeks: int,
    meeting: Meeting,
    organisations: list[Organisation],
    allowed: list[Organisation],
) -> list[Slot]:
    """Offer the hours from `start` to `end` on `first_day` (and the same weekday for `repeat_weeks` more
    weeks) in slots of `length_minutes`, to `organisations` (at least one, all of them served by the coach:
    `allowed`; the coach's default is resolved by the caller, see selectors.offer_default_organisations).

    Nothing is published when any slot would overlap time the coach already offered or committed; the
    message names the first clashes.
    """
    times = _slot_times(
        first_day=first_day, start=start, end=end, length_minutes=length_minutes, repeat_weeks=repeat_weeks
    )
    _validate_publication(
        coach=coach,
        times=times,
        start=start,
        end=end,
        length_minutes=length_minutes,
        repeat_weeks=repeat_weeks,
        meeting=meeting,
        organisations=organisations,
        allowed=allowed,
    )
    existing = list(
        Slot.objects.filter(coach=coach, starts_at__lt=times[-1][1], ends_at__gt=times[0][0]).only(
            "starts_at", "ends_at"
        )
    )
    clashes = [
        describe_time(slot.starts_at, slot.ends_at)
        for slot in existing
        if any(slot.starts_at < new_end and slot.ends_at > new_start for new_start, new_end in times)
    ]
    if clashes:
        raise ValidationError(
            _("You already have time planned then: %(times)s. Nothing was published.")
            % {"times": "; ".join(clashes[:3]) + ("…" if len(clashes) > 3 else "")},
            code="overlap",
        )
    meeting = meeting.cleaned()
    try:
        with transaction.atomic():
            slots = Slot.objects.bulk_create(
                [
                    Slot(
                        coach=coach,
                        starts_at=slot_start,
                        ends_at=slot_end,
                        mode=meeting.mode,
                        location=meeting.location,
                        video_url=meeting.video_url,
                        dial_in=meeting.dial_in,
                    )
                    for slot_start, slot_end in times
                ]
            )
    except IntegrityError:
        # Another tab of the same coach published overlapping time in the meantime.
        raise ValidationError(
            _(
                "Some of this time was planned at the same moment elsewhere. Nothing was "
                "published; please look at your availability and try again."
            ),
            code="overlap",
        ) from None
    _offers_add([slot.pk for slot in slots], [organisation.pk for organisation in organisations])
    return slots


# --- who may book which free time -------------------------------------------------------------------

SET, ADD, REMOVE = "set", "add", "remove"


def _offers_add(slot_ids: list[int], organisation_ids: list[int]) -> None:
    through = Slot.organisations.through
    through.objects.bulk_create(
        [
            through(slot_id=slot_id, organisation_id=organisation_id)
            for slot_id in slot_ids
            for organisation_id in organisation_ids
        ],
        ignore_conflicts=True,
    )


@transaction.atomic
def slots_offer(
    *, coach: User, slot_ids: list[int], organisations: list[Organisation], allowed: list[Organisation], how: str = SET
) -> list[Slot]:
    """Choose which organisations may book some of the coach's coming free time: exactly `organisations`
    (SET; none: no organisation), these as well (ADD) or these no longer (REMOVE). Only organisations the
    coach serves (`allowed`) may be named; nothing changes when another is.

    Applies to the coach's own coming offered slots among `slot_ids` (returned); a booked one keeps its
    booking, and its offer counts again should the session be cancelled. The slots' row locks make a
    booking in progress finish first: one made after sees the new offer (programmes.services.booking).
    """
    errors = _organisation_errors(organisations, allowed, at_least_one=how != SET)
    if how not in (SET, ADD, REMOVE):
        errors["how"] = [_("Choose to offer, add or remove.")]
    if errors:
        raise ValidationError(errors)
    lock_slots(slot_ids)
    slots = list(
        Slot.objects.select_for_update()
        .filter(pk__in=slot_ids, coach=coach, is_offered=True, ends_at__gt=timezone.now())
        .order_by("pk")
    )
    ids = [slot.pk for slot in slots]
    chosen = [organisation.pk for organisation in organisations]
    offers = Slot.organisations.through.objects.filter(slot_id__in=ids)
    if how == SET:
        offers.exclude(organisation_id__in=chosen).delete()
    if how == REMOVE:
        offers.filter(organisation_id__in=chosen).delete()
    else:
        _offers_add(ids, chosen)
    return slots


@transaction.atomic
def offer_default_set(
    *, coach: User, offer_to: str, organisations: list[Organisation], allowed: list[Organisation]
) -> OfferDefault:
    """Which organisations the coach's new free time is offered to unless they choose otherwise when they
    publish: every organisation they serve at that moment, or those of `organisations` they still serve."""
    errors = _organisation_errors(organisations, allowed, at_least_one=offer_to == OfferDefault.To.CHOSEN)
    if offer_to not in OfferDefault.To.values:
        errors = {"offer_to": [_("Choose every organisation or the ones you choose.")]}
    if errors:
        raise ValidationError(errors)
    default, _created = OfferDefault.objects.select_for_update().get_or_create(coach=coach)
    default.offer_to = offer_to
    default.save(update_fields=["offer_to", "updated_at"])
    default.organisations.set(organisations if offer_to == OfferDefault.To.CHOSEN else [])
    return default


@transaction.atomic
def slot_withdraw(*, coach: User, slot: Slot) -> None:
    """Take back a free slot. A booked one stays: its session is cancelled instead, with its rules."""
    lock_slots([slot.pk])
    locked = Slot.objects.select_for_update().filter(pk=slot.pk, coach=coach).first()
    if locked is None:
        return
    if locked.is_booked:
        raise ValidationError(
            _("This time has been booked. Cancel the session instead; the employee is told."), code="booked"
        )
    _slots_delete([locked.pk])


# --- holding and freeing time for sessions ----------------------------------------------------------


def time_hold(
    *,
    coach: User,
    starts_at: datetime,
    ends_at: datetime,
    organisation: Organisation,
    booked_by: User,
    meeting: Meeting,
) -> Slot:
    """Hold the coach's time for a session scheduled directly (no offered slot): free offered slots in
    the way are withdrawn, anything booked in the way refuses. Call inside a transaction."""
    in_the_way = Slot.objects.filter(coach=coach, starts_at__lt=ends_at, ends_at__gt=starts_at)
    lock_slots(in_the_way.values_list("pk", flat=True))
    overlapping = list(in_the_way.select_for_update().order_by("pk"))
    taken = [slot for slot in overlapping if slot.is_booked]
    if taken:
        raise TimeTaken(
            _("The coach already has a session then (%(time)s).")
            % {"time": describe_time(taken[0].starts_at, taken[0].ends_at)},
            taken[0],
        )
    _slots_delete([slot.pk for slot in overlapping])
    meeting = meeting.cleaned()
    try:
        with transaction.atomic():
            return Slot.objects.create(
                coach=coach,
                starts_at=starts_at,
                ends_at=ends_at,
                is_offered=False,
                mode=meeting.mode,
                location=meeting.location,
                video_url=meeting.video_url,
                dial_in=meeting.dial_in,
                booked_organisation=organisation,
                booked_by=booked_by,
                booked_at=timezone.now(),
            )
    except IntegrityError:
        # A slot was published or held for the same time between our check and this insert.
        raise TimeTaken(_("The coach's time changed at this very moment. Please try again.")) from None


def slot_take(*, slot: Slot, organisation: Organisation, booked_by: User) -> None:
    """Mark an offered slot booked. The caller holds its row lock and has seen it free; the condition in
    the UPDATE is the second line of defence."""
    now = timezone.now()
    changed = Slot.objects.filter(pk=slot.pk, booked_organisation__isnull=True).update(
        booked_organisation=organisation, booked_by=booked_by, booked_at=now
    )
    if not changed:
        raise TimeTaken(_("This time has just been booked by someone else. Please choose another."), slot)
    slot.booked_organisation, slot.booked_by, slot.booked_at = organisation, booked_by, now


def time_release(*, slot_id: int | None) -> None:
    """Give a session's time back: an offered slot becomes bookable again, a held one disappears.

    The caller has already unlinked the session from the slot (a public row cannot be deleted while a
    tenant row points at it). Call inside a transaction.
    """
    if slot_id is None:
        return
    lock_slots([slot_id])
    slot = Slot.objects.select_for_update().filter(pk=slot_id).first()
    if slot is None:
        return
    if slot.is_offered:
        Slot.objects.filter(pk=slot.pk).update(booked_organisation=None, booked_by=None, booked_at=None)
    else:
        _slots_delete([slot.pk])

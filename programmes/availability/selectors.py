"""Reads of coaches' time, always through the policy."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from itertools import groupby

from django.contrib.postgres.aggregates import ArrayAgg
from django.db.models import Count, F, Prefetch, Q, QuerySet, Value, Window
from django.utils import timezone

from portal import clock, kept, policy
from programmes.availability.models import CalendarFeed, Mode, OfferDefault, Slot
from programmes.models import Enrolment
from tenants.models import Organisation

BOOKING_WEEKS = 6
# The booking page opens on the first two weeks and shows later ones on request: a coach offering every
# working hour would otherwise send hundreds of times at once.
BOOKING_FIRST_WEEKS = 2


@dataclass
class Day:
    day: date
    slots: list[Slot] | list[FreeTime]


def by_day(slots) -> list[Day]:
    return [
        Day(day, list(group))
        for day, group in groupby(slots, key=lambda slot: timezone.localtime(slot.starts_at).date())
    ]


def free_slots(*, actor: policy.Actor, coach_id: int | None = None, weeks: int = BOOKING_WEEKS) -> QuerySet[Slot]:
    """The coming free slots the actor may book here (their own coach's, open to this organisation; with
    `coach_id` that coach's, which may be a coach suggested to them for a chemistry call)."""
    now = clock.now()
    slots = (
        policy.scope(actor, Slot)
        .filter(
            is_offered=True,
            booked_organisation__isnull=True,
            starts_at__gt=now,
            starts_at__lt=now + timedelta(weeks=weeks),
        )
        .exclude(coach_id=actor.user_id)  # someone who is also a coach here does not book themselves
        .select_related("coach")
        .order_by("starts_at", "pk")
    )
    if coach_id is not None:
        return slots.filter(coach_id=coach_id)
    # The times of their own coaches only: a coach suggested while choosing is met on the choosing page.
    return slots.filter(
        coach_id__in=Enrolment.objects.filter(employee_id=actor.user_id, coach__isnull=False).values("coach_id")
    )


def offered_slot(*, actor: policy.Actor, pk) -> Slot:
    """One slot named by the request that the actor may see and that is offered here, or the policy's 404
    (a coach sees their own slots offered elsewhere too, but cannot move a session of this organisation
    into one of them: such a slot is as missing as one that does not exist)."""
    return policy.get_or_404(actor, Slot, Slot.objects.offered_to(actor.organisation), pk=pk)


def free_slots_by_day(*, actor: policy.Actor, coach_id: int | None = None, weeks: int = BOOKING_WEEKS) -> list[Day]:
    return by_day(free_slots(actor=actor, coach_id=coach_id, weeks=weeks))


_MODES = dict(Mode.choices)


@dataclass(slots=True)
class FreeTime:
    """One free time as the booking grid writes it: the few columns it shows, read as a row rather than as
    a Slot with its coach (two weeks of a busy coach are hundreds)."""

    pk: int
    starts_at: datetime  # in the current time zone
    duration_minutes: int
    mode: str
    coach_id: int
    coach_name: str

    def get_mode_display(self) -> str:
        return str(_MODES.get(self.mode, self.mode))


@dataclass
class FreeTimes:
    days: list[Day]
    later: bool  # free times follow after these weeks, within the weeks that can be booked


_FREE_TIME_COLUMNS = ("pk", "starts_at", "ends_at", "mode", "coach_id", "coach__first_name", "coach__last_name")


def free_times_rows(*, actor: policy.Actor, coach_id: int | None = None, weeks: int = BOOKING_WEEKS) -> QuerySet:
    """The slots of `free_slots` in the first `weeks` as rows of the columns the grid shows, and the first
    later slot within the weeks that can be booked, marked `later` (1): `free_times_of` reads them."""
    slots = free_slots(actor=actor, coach_id=coach_id)
    if weeks < BOOKING_WEEKS:
        cut = clock.now() + timedelta(weeks=weeks)
        # Counted in the order shown, the slots from `cut` on: the shown ones have none before them, the
        # first later one itself. (One statement, planned once: a union would plan the rule twice.)
        slots = slots.annotate(
            later=Window(Count("pk", filter=Q(starts_at__gte=cut)), order_by=[F("starts_at").asc(), F("pk").asc()])
        ).filter(later__lte=1)
    else:
        slots = slots.annotate(later=Value(0))
    return slots.values_list(*_FREE_TIME_COLUMNS, "later")


def free_times_of(rows: list[tuple]) -> FreeTimes:
    """The free times of `free_times_rows`' rows, by day, and whether more follow."""
    zone = timezone.get_current_timezone()
    times = [
        FreeTime(
            pk=pk,
            starts_at=starts_at.astimezone(zone),
            duration_minutes=int((ends_at - starts_at).total_seconds() // 60),
            mode=mode,
            coach_id=coach_id,
            coach_name=f"{first_name} {last_name}".strip(),  # as get_full_name
        )
        for pk, starts_at, ends_at, mode, coach_id, first_name, last_name, _later in rows
    ]
    later = bool(rows) and rows[-1][-1] == 1
    if later:
        times.pop()
    return FreeTimes(
        days=[Day(day, list(group)) for day, group in groupby(times, key=lambda time: time.starts_at.date())],
        later=later,
    )


def free_times(*, actor: policy.Actor, coach_id: int | None = None, weeks: int = BOOKING_WEEKS) -> FreeTimes:
    """The slots of `free_slots` in the first `weeks`, by day, and whether more follow within the weeks that
    can be booked: one statement kept across requests (`portal.kept`: planning and building the rule took
    longer than running it), the first later slot read with the shown ones."""
    rows = kept.read(
        actor,
        f"free-times:{coach_id}:{weeks}",
        lambda actor: {"times": free_times_rows(actor=actor, coach_id=coach_id, weeks=weeks)},
    )
    return free_times_of(rows["times"])


def own_slots(
    *, actor: policy.Actor, start: date, weeks: int, served: list[Organisation] | None = None
) -> QuerySet[Slot]:
    """A coach's own slots from `start` for `weeks`: offered and held, free and booked, with the
    organisations they are offered to (of `served`, the organisations the coach serves now: an offer to
    one they no longer serve counts nowhere, so it is not shown) and the one that booked them."""
    begin = timezone.make_aware(datetime.combine(start, datetime.min.time()))
    offered = Organisation.objects.only("pk", "name", "accent_colour").order_by("name", "pk")
    if served is not None:
        offered = offered.filter(pk__in=[organisation.pk for organisation in served])
    return (
        policy.scope(actor, Slot)
        .filter(
            coach_id=actor.user_id, ends_at__gt=max(begin, clock.now()), starts_at__lt=begin + timedelta(weeks=weeks)
        )
        .select_related("booked_organisation", "booked_by")
        .prefetch_related(Prefetch("organisations", queryset=offered))
        .order_by("starts_at", "pk")
    )


def offer_default(*, actor: policy.Actor) -> OfferDefault:
    """The coach's choice of who may book new free time (unsaved, "every organisation", when never made),
    with the ids of the organisations it names in `chosen_ids`. One query."""
    default = (
        policy.scope(actor, OfferDefault)
        .annotate(chosen=ArrayAgg("organisations__pk", filter=Q(organisations__isnull=False), default=[]))
        .first()
    )
    if default is None:
        default = OfferDefault(coach_id=actor.user_id)
    default.chosen_ids = set(getattr(default, "chosen", []))
    return default


def offer_default_organisations(*, default: OfferDefault, served: list[Organisation]) -> list[Organisation]:
    """The organisations new free time goes to: every one the coach serves (`served`), or those of the
    chosen ones they still serve."""
    if default.offer_to != OfferDefault.To.CHOSEN:
        return list(served)
    return [organisation for organisation in served if organisation.pk in default.chosen_ids]


def calendar_feed_current(*, actor: policy.Actor) -> CalendarFeed | None:
    """The actor's live feed address, if they made one."""
    return policy.scope(actor, CalendarFeed).filter(revoked_at__isnull=True).order_by("-created_at").first()


def calendar_feed_by_secret(secret: str) -> CalendarFeed | None:
    """The live feed a secret names, or None. Not through the policy on purpose: the feed is fetched by
    calendar programs without a session, and the secret (256 random bits) is the credential."""
    if not secret or len(secret) > 64:
        return None
    return (
        CalendarFeed.objects.select_related("user")
        .filter(secret=secret, revoked_at__isnull=True, user__is_active=True)
        .first()
    )

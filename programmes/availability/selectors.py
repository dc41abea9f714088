"""Reads of coaches' time, always through the policy."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from itertools import groupby

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from portal import policy
from programmes.availability.models import CalendarFeed, Slot
from tenants.models import Organisation

BOOKING_WEEKS = 6
# The booking page opens on the first two weeks and shows later ones on request: a coach offering every
# working hour would otherwise send hundreds of times at once.
BOOKING_FIRST_WEEKS = 2


@dataclass
class Day:
    day: date
    slots: list[Slot]


def by_day(slots) -> list[Day]:
    return [Day(day, list(group)) for day, group in
            groupby(slots, key=lambda slot: timezone.localtime(slot.starts_at).date())]


def free_slots(*, actor: policy.Actor, coach_id: int | None = None, weeks: int = BOOKING_WEEKS) -> QuerySet[Slot]:
    """The coming free slots the actor may book here (their own coach's, open to this organisation)."""
    now = timezone.now()
    slots = (policy.scope(actor, Slot)
             .filter(is_offered=True, booked_organisation__isnull=True, starts_at__gt=now,
                     starts_at__lt=now + timedelta(weeks=weeks))
             .exclude(coach_id=actor.user_id)  # someone who is also a coach here does not book themselves
             .select_related("coach").order_by("starts_at", "pk"))
    return slots.filter(coach_id=coach_id) if coach_id is not None else slots


def free_slots_by_day(*, actor: policy.Actor, coach_id: int | None = None, weeks: int = BOOKING_WEEKS) -> list[Day]:
    return by_day(free_slots(actor=actor, coach_id=coach_id, weeks=weeks))


def free_slots_later(*, actor: policy.Actor, weeks: int) -> bool:
    """Whether free slots exist after the first `weeks`, within the weeks that can be booked."""
    if weeks >= BOOKING_WEEKS:
        return False
    return free_slots(actor=actor).filter(starts_at__gte=timezone.now() + timedelta(weeks=weeks)).exists()


def own_slots(*, actor: policy.Actor, start: date, weeks: int) -> QuerySet[Slot]:
    """A coach's own slots from `start` for `weeks`: offered and held, free and booked, with the
    organisations they are open to and the one that booked them."""
    begin = timezone.make_aware(datetime.combine(start, datetime.min.time()))
    return (policy.scope(actor, Slot).filter(coach_id=actor.user_id, ends_at__gt=max(begin, timezone.now()),
                                             starts_at__lt=begin + timedelta(weeks=weeks))
            .select_related("booked_organisation", "booked_by")
            .prefetch_related(Prefetch("organisations", queryset=Organisation.objects.only("pk", "name")))
            .order_by("starts_at", "pk"))


def calendar_feed_current(*, actor: policy.Actor) -> CalendarFeed | None:
    """The actor's live feed address, if they made one."""
    return policy.scope(actor, CalendarFeed).filter(revoked_at__isnull=True).order_by("-created_at").first()


def calendar_feed_by_secret(secret: str) -> CalendarFeed | None:
    """The live feed a secret names, or None. Not through the policy on purpose: the feed is fetched by
    calendar programs without a session, and the secret (256 random bits) is the credential."""
    if not secret or len(secret) > 64:
        return None
    return CalendarFeed.objects.select_related("user").filter(
        secret=secret, revoked_at__isnull=True, user__is_active=True).first()

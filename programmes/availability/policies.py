"""Access rules for the public-schema scheduling models (see portal/policy.py).

A coach sees their own slots wherever they are. An employee, on their organisation's host, sees the
coming slots of their own coach that are offered to their organisation while the coach serves there
(`availability.models.offered_to`; taken ones too, so that booking one answers "taken" rather than "not
found"), and those of the coaches suggested to them while they choose a coach (matching: a chemistry call
is booked from them); HR and other coaches see none. Calendar feeds and offer defaults are their owner's.
"""

from django.db.models import Q, QuerySet

from matching.models import Suggestion
from portal import clock, policy
from portal.policy import Actor
from programmes.availability.models import BusyTime, CalendarFeed, ExternalCalendar, OfferDefault, Slot, offered_to
from programmes.models import Enrolment
from programmes.policies import OPEN_ENROLMENT


def _coaches_of(actor: Actor) -> QuerySet:
    """The coaches of the actor's open enrolments here (a tenant table: only on an organisation host)."""

    return Enrolment.objects.filter(employee_id=actor.user_id, status__in=OPEN_ENROLMENT, coach__isnull=False).values(
        "coach_id"
    )


def _suggested_to(actor: Actor) -> QuerySet:
    """The coaches suggested to the actor while they choose (an open intake of an open enrolment)."""
    return Suggestion.objects.filter(
        intake__enrolment__employee_id=actor.user_id,
        intake__enrolment__status__in=OPEN_ENROLMENT,
        intake__closed_at__isnull=True,
    ).values("coach_id")


@policy.rule(Slot)
def slots_visible(actor: Actor, slots: QuerySet) -> QuerySet:
    visible = Q(coach_id=actor.user_id) if actor.organisation is None or actor.is_coach else Q(pk__in=[])
    if actor.organisation is not None and actor.is_employee:
        visible |= (
            (Q(coach_id__in=_coaches_of(actor)) | Q(coach_id__in=_suggested_to(actor)))
            & Q(starts_at__gt=clock.now())
            & offered_to(actor.organisation)
        )
    return slots.filter(visible)


@policy.rule(CalendarFeed)
def calendar_feeds_visible(actor: Actor, feeds: QuerySet) -> QuerySet:
    return feeds.filter(user_id=actor.user_id)


@policy.rule(OfferDefault)
def offer_defaults_visible(actor: Actor, defaults: QuerySet) -> QuerySet:
    return defaults.filter(coach_id=actor.user_id)


@policy.rule(ExternalCalendar)
def external_calendars_visible(actor: Actor, calendars: QuerySet) -> QuerySet:
    return calendars.filter(coach_id=actor.user_id)


@policy.rule(BusyTime)
def busy_times_visible(actor: Actor, busy: QuerySet) -> QuerySet:
    return busy.filter(coach_id=actor.user_id)

"""Reads of the pool, a coach's room, intakes and suggestions; always through the policy for rows a
request names."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.db import connection
from django.db.models import QuerySet
from django.utils import timezone
from django_tenants.utils import get_public_schema_name

from coaches.models import CoachProfile
from matching.models import HOURS, Intake, PoolMember, ProgrammeMatching, Rematch, Suggestion
from matching.ranking import WEEKS_AHEAD, Candidate, Ranked, rank
from portal import policy
from programmes.availability.models import Slot
from programmes.models import LIVE_STATUSES, Enrolment, Programme
from tenants.models import Membership, Organisation, Role, User


def pool_coach_ids(organisation: Organisation, programme: Programme | None = None) -> QuerySet:
    """The coaches who accepted a place in the pool of `organisation` (whose schema is current; for
    `programme`: the organisation's pool and that programme's) and still coach there."""
    places = PoolMember.objects.filter(status=PoolMember.Status.ACCEPTED)
    places = places.filter(programme__isnull=True) | (
        places.filter(programme=programme) if programme is not None else places.none()
    )
    serving = Membership.objects.filter(organisation_id=organisation.pk, role=Role.COACH, is_active=True).values(
        "user_id"
    )
    return places.filter(coach_id__in=serving).values("coach_id")


def coachees_counts(coach_ids: list[int]) -> dict[int, int]:
    """How many active coachees (invited or active enrolments naming them as coach) each coach has, in
    total over every organisation they coach for. Two queries: the organisations, then one count across
    their schemas. Only the totals leave this function, never where they come from."""
    schemas = sorted(
        set(
            Membership.objects.filter(user_id__in=coach_ids, role=Role.COACH, is_active=True)
            .exclude(organisation__schema_name=get_public_schema_name())
            .values_list("organisation__schema_name", flat=True)
        )
    )
    counts = dict.fromkeys(coach_ids, 0)
    if not schemas or not coach_ids:
        return counts
    quote = connection.ops.quote_name
    union = " UNION ALL ".join(
        f"SELECT coach_id FROM {quote(schema)}.programmes_enrolment WHERE coach_id = ANY(%s) AND status = ANY(%s)"
        for schema in schemas
    )
    params = [list(coach_ids), list(LIVE_STATUSES)] * len(schemas)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT coach_id, count(*) FROM ({union}) AS coached GROUP BY coach_id", params)
        counts.update(dict(cursor.fetchall()))
    return counts


@dataclass
class Room:
    capacity: int
    used: int

    @property
    def left(self) -> int:
        return max(self.capacity - self.used, 0)


def rooms(coach_ids: list[int]) -> dict[int, Room]:
    """Each coach's capacity and active coachees across organisations (no profile: no room)."""
    capacities = dict(CoachProfile.objects.filter(coach_id__in=coach_ids).values_list("coach_id", "capacity"))
    used = coachees_counts(coach_ids)
    return {coach_id: Room(capacities.get(coach_id, 0), used.get(coach_id, 0)) for coach_id in coach_ids}


@dataclass
class PoolRow:
    member: PoolMember
    coach: User
    room: Room | None  # HR's view only


def pool(*, actor: policy.Actor) -> list[PoolRow]:
    """The pool places the actor may see; for HR with each coach's room (a number: never where else the
    coach works)."""
    members = list(policy.scope(actor, PoolMember).select_related("programme").order_by("status", "invited_at"))
    coaches = User.objects.in_bulk({member.coach_id for member in members})
    room_of = rooms(list(coaches)) if actor.is_hr else {}
    return [PoolRow(member, coaches.get(member.coach_id), room_of.get(member.coach_id)) for member in members]


def pool_coaches_to_invite(*, actor: policy.Actor) -> QuerySet:
    """The organisation's coaches (active coach members): the people HR may ask into the pool."""
    policy.require(actor, policy.HR_MANAGER)
    return User.objects.filter(
        memberships__organisation=actor.organisation, memberships__role=Role.COACH, memberships__is_active=True
    ).order_by("last_name", "first_name", "pk")


def matching_of(programme: Programme) -> str:
    row = ProgrammeMatching.objects.filter(programme=programme).first()
    return row.how if row is not None else ProgrammeMatching.How.HR_ASSIGNS


def employees_choose(programme: Programme) -> bool:
    return matching_of(programme) == ProgrammeMatching.How.EMPLOYEES_CHOOSE


def choosing_enrolment(*, actor: policy.Actor, pk) -> Enrolment:
    """The actor's own open enrolment named by the request (someone else's: the policy's 404)."""
    return policy.get_or_404(
        actor,
        Enrolment,
        Enrolment.objects.filter(employee_id=actor.user_id, status__in=LIVE_STATUSES).select_related("programme"),
        pk=pk,
    )


@dataclass
class MyChoice:
    enrolment: Enrolment
    choosing: bool  # no coach yet: the intake and suggestions
    rematch: Rematch | None  # their change of coach, with the reason only they read


def my_choices(*, actor: policy.Actor) -> list[MyChoice]:
    """The actor's open enrolments in programmes where employees choose their coach."""
    enrolments = (
        policy.scope(actor.acting_as(policy.EMPLOYEE), Enrolment)
        .filter(
            employee_id=actor.user_id,
            status__in=LIVE_STATUSES,
            programme__matching__how=ProgrammeMatching.How.EMPLOYEES_CHOOSE,
        )
        .select_related("programme", "coach")
        .order_by("programme__name")
    )
    enrolments = list(enrolments)
    rematches = {
        rematch.enrolment_id: rematch
        for rematch in policy.scope(actor.acting_as(policy.EMPLOYEE), Rematch).filter(enrolment__in=enrolments)
    }
    return [MyChoice(row, row.coach_id is None, rematches.get(row.pk)) for row in enrolments]


def open_intake(enrolment: Enrolment) -> Intake | None:
    return Intake.objects.filter(enrolment=enrolment, closed_at__isnull=True).first()


def suggestions_of(intake: Intake | None) -> list[Suggestion]:
    if intake is None:
        return []
    suggestions = list(intake.suggestions.order_by("rank"))
    profiles = CoachProfile.objects.in_bulk([row.coach_id for row in suggestions], field_name="coach_id")
    coaches = User.objects.in_bulk([row.coach_id for row in suggestions])
    for row in suggestions:
        row.profile, row.coach_person = profiles.get(row.coach_id), coaches.get(row.coach_id)
    return suggestions


def rematch_of(enrolment: Enrolment) -> Rematch | None:
    return Rematch.objects.filter(enrolment=enrolment).first()


def _free_times(coach_ids: list[int], organisation: Organisation, times: list[str]) -> dict[int, int]:
    """Free times of each coach offered here in the next WEEKS_AHEAD weeks, at the times of day chosen."""
    now = timezone.now()
    starts = (
        Slot.objects.offered_to(organisation)
        .filter(
            coach_id__in=coach_ids,
            booked_organisation__isnull=True,
            starts_at__gt=now,
            starts_at__lt=now + timedelta(weeks=WEEKS_AHEAD),
        )
        .values_list("coach_id", "starts_at")
    )
    counts = dict.fromkeys(coach_ids, 0)
    for coach_id, starts_at in starts:
        hour = timezone.localtime(starts_at).hour
        if any(HOURS[time][0] <= hour < HOURS[time][1] for time in times):
            counts[coach_id] += 1
    return counts


def ranked_for(*, organisation: Organisation, intake: Intake, exclude: set[int]) -> list[Ranked]:
    """The coaches of the pool ranked for `intake` (matching.ranking), leaving out `exclude`."""
    coach_ids = [
        coach_id
        for coach_id in pool_coach_ids(organisation, intake.enrolment.programme)
        .values_list("coach_id", flat=True)
        .distinct()
        if coach_id not in exclude
    ]
    profiles = CoachProfile.objects.filter(coach_id__in=coach_ids).select_related("coach")
    room_of = rooms(coach_ids)
    free = _free_times(coach_ids, organisation, intake.times)
    candidates = [
        Candidate(
            coach_id=profile.coach_id,
            name=profile.coach.get_full_name(),
            languages=profile.languages,
            specialisms=profile.specialisms,
            modes=profile.modes,
            city=profile.city,
            places_left=room_of[profile.coach_id].left,
            free_times=free[profile.coach_id],
        )
        for profile in profiles
    ]
    return rank(candidates, focus=intake.focus, language=intake.language, mode=intake.mode, city=intake.city)

"""Access rules of the matching app, registered with portal.policy.

- The programme's matching setting: every member who sees the programme.
- The pool: HR sees every place; a coach their own places (to accept or decline); an employee the
  accepted places (the profiles they may choose from).
- An intake and its suggestions: the employee's own; a suggested coach sees the intake they were
  suggested on while the round is open (what the employee looks for, as DESIGN.md allows: "intake yes").
  HR sees none: its figures are counts.
- Chemistry calls: the employee's and the coach's of its session.
- A rematch (with its reason): the employee's alone; HR sees counts per programme through
  reports.disclosure, the former coach nothing.
"""

from django.db.models import Q, QuerySet

from matching.models import ChemistryCall, Intake, PoolMember, ProgrammeMatching, Rematch, Suggestion
from portal import policy
from portal.policy import Actor
from programmes.models import Programme
from programmes.policies import programmes_visible

_NOTHING = Q(pk__in=[])


@policy.rule(ProgrammeMatching)
def programme_matching_visible(actor: Actor, rows: QuerySet) -> QuerySet:
    return rows.filter(programme__in=programmes_visible(actor, Programme.objects.all()))


@policy.rule(PoolMember)
def pool_members_visible(actor: Actor, members: QuerySet) -> QuerySet:
    if actor.is_hr:
        return members
    visible = _NOTHING
    if actor.is_coach:
        visible |= Q(coach_id=actor.user_id)
    if actor.is_employee:
        visible |= Q(status=PoolMember.Status.ACCEPTED)
    return members.filter(visible)


def _intakes_filter(actor: Actor) -> Q:
    visible = _NOTHING
    if actor.is_employee:
        visible |= Q(employee_id=actor.user_id)
    if actor.is_coach:
        visible |= Q(closed_at__isnull=True, suggestions__coach_id=actor.user_id)
    return visible


@policy.rule(Intake)
def intakes_visible(actor: Actor, intakes: QuerySet) -> QuerySet:
    return intakes.filter(pk__in=Intake.objects.filter(_intakes_filter(actor)).values("pk"))


@policy.rule(Suggestion)
def suggestions_visible(actor: Actor, suggestions: QuerySet) -> QuerySet:
    visible = _NOTHING
    if actor.is_employee:
        visible |= Q(intake__enrolment__employee_id=actor.user_id)
    if actor.is_coach:
        visible |= Q(coach_id=actor.user_id, intake__closed_at__isnull=True)
    return suggestions.filter(visible)


@policy.rule(ChemistryCall)
def chemistry_calls_visible(actor: Actor, calls: QuerySet) -> QuerySet:
    visible = _NOTHING
    if actor.is_employee:
        visible |= Q(intake__enrolment__employee_id=actor.user_id)
    if actor.is_coach:
        visible |= Q(session__coach_id=actor.user_id)
    return calls.filter(visible)


@policy.rule(Rematch)
def rematches_visible(actor: Actor, rematches: QuerySet) -> QuerySet:
    if not actor.is_employee:
        return rematches.none()
    return rematches.filter(employee_id=actor.user_id)

"""Home panels about sessions: the employee's next step, and the coach's day in this organisation."""

from __future__ import annotations

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.http import HttpRequest
from django.utils import timezone

from portal import clock, homes, kept, policy
from programmes.models import Attendance, PartyAcceptance, Phase, Session
from programmes.selectors.agreement import sponsor_totals, with_agreement_waiting
from programmes.selectors.credits import with_credits
from programmes.selectors.enrolment import agreement_accepted_expression
from programmes.selectors.sessions import (
    bookable_enrolments,
    sessions_to_mark,
    sessions_upcoming,
    urgent_requests_waiting,
)
from tenants.services import public_url


def _attended(actor: policy.Actor) -> QuerySet:
    """How many group sessions and 1:1s the employee attended, and how many group sessions were held."""
    rows = policy.scope(actor, Attendance).filter(user_id=actor.user_id, session__status=Session.Status.COMPLETED)
    return kept.totals(
        rows,
        group_held=Count("pk", filter=Q(session__kind=Session.Kind.GROUP)),
        group_present=Count("pk", filter=Q(session__kind=Session.Kind.GROUP, status=Attendance.Status.PRESENT)),
        individual_present=Count(
            "pk", filter=Q(session__kind=Session.Kind.INDIVIDUAL, status=Attendance.Status.PRESENT)
        ),
    )


def _progress(enrolment, today) -> int:
    programme = enrolment.programme
    days = (programme.ends_on - programme.starts_on).days or 1
    return max(0, min(100, round(100 * (today - programme.starts_on).days / days)))


def _with_phase_now(actor: policy.Actor, enrolments: QuerySet) -> QuerySet:
    """Annotate `phase_now`: the name of the phase the enrolment's programme is in today (the first by
    position that has begun and not ended), None where the phases have no dates."""
    today = clock.today()
    phases = (
        policy.scope(actor, Phase)
        .filter(programme_id=OuterRef("programme_id"), starts_on__lte=today)
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=today))
        .order_by("position")
    )
    return enrolments.annotate(phase_now=Subquery(phases.values("name")[:1]))


def employee_reads(actor: policy.Actor) -> dict[str, QuerySet]:
    """What the employee's panels about their programmes show: the open enrolments (with credits left, the
    phase their programme is in, whether their three-way agreement waits for them, `agreement.waits_for`,
    and whether they accepted the coaching agreement in force), the next sessions, what they attended and,
    for a manager, the people they sponsor."""
    enrolments = with_agreement_waiting(bookable_enrolments(actor=actor), party=PartyAcceptance.Party.EMPLOYEE)
    return {
        "enrolments": with_credits(_with_phase_now(actor, enrolments)).annotate(
            accepted_in_force=agreement_accepted_expression(actor.user_id)
        ),
        "next_sessions": sessions_upcoming(actor=actor, limit=3),
        "attended": _attended(actor),
        "sponsoring": sponsor_totals(actor=actor),
    }


def agreement_accepted(enrolments: list) -> bool:
    """Whether the employee accepted the coaching agreement in force (read with each open enrolment)."""
    return bool(enrolments) and enrolments[0].accepted_in_force


@homes.register(policy.EMPLOYEE, order=10, reads=employee_reads)
def employee_sessions_panel(request: HttpRequest, rows: dict) -> dict | None:
    enrolments = rows["enrolments"]
    if not enrolments:
        return None
    upcoming = rows["next_sessions"]
    next_individual = next((session for session in upcoming if session.kind == Session.Kind.INDIVIDUAL), None)
    today = timezone.localdate()
    for enrolment in enrolments:
        enrolment.progress = _progress(enrolment, today)
    credits_left = sum(max(enrolment.credits_left, 0) for enrolment in enrolments if enrolment.coach_id)
    return {
        "template": "programmes/employee_home.html",
        "enrolments": enrolments,
        "next_session": upcoming[0] if upcoming else None,
        "next_individual": next_individual,
        "credits_left": credits_left,
        "has_coach": any(enrolment.coach_id for enrolment in enrolments),
        "agreement_accepted": agreement_accepted(enrolments),
        "attended": rows["attended"][0],
    }


@homes.register(policy.COACH, order=10)
def coach_sessions_panel(request: HttpRequest) -> dict:
    actor = request.actor
    return {
        "template": "programmes/coach_home.html",
        "to_mark": list(sessions_to_mark(actor=actor, limit=5)),
        "upcoming": list(sessions_upcoming(actor=actor).filter(coach_id=actor.user_id)[:5]),
        "urgent_waiting": urgent_requests_waiting(actor=actor),
        "workspace_url": public_url("/coach/", request=request),
    }

"""Home panels of the journal: what the employee should follow up, what the coach should look at, and
HR's figures (aggregates only)."""

from __future__ import annotations

from datetime import timedelta

from django.http import HttpRequest
from django.utils import timezone

from assessments.selectors import journal as selectors
from assessments.selectors.access_log import access_log
from portal import homes, policy
from reports import disclosure


def after_sessions(request: HttpRequest) -> selectors.AfterSessions:
    """What the employee still owes their recent sessions, read once per home page for the journal's panel
    (reflections and ratings) and the pulse's (one query)."""
    if not hasattr(request, "_after_sessions"):
        request._after_sessions = selectors.after_sessions(actor=request.actor)
    return request._after_sessions


@homes.register(policy.EMPLOYEE, order=30)
def employee_journal(request: HttpRequest) -> dict:
    actor = request.actor
    return {
        "template": "assessments/goal_home_employee.html",
        "follow_ups": after_sessions(request).follow_ups,
        "overdue": selectors.overdue_actions(actor=actor, employee_id=actor.user_id, limit=5),
        "goals": list(selectors.goals_list(actor=actor, employee_id=actor.user_id, status="active")[:4]),
        "openings": access_log(actor=actor).filter(at__gte=timezone.now() - timedelta(days=30)).count(),
    }


@homes.register(policy.COACH, order=30)
def coach_journal(request: HttpRequest) -> dict | None:
    actor = request.actor
    follow_ups = selectors.coach_follow_ups(actor=actor)
    overdue = selectors.overdue_by_person(actor=actor)
    shared = selectors.recently_shared(actor=actor)
    if not (follow_ups or overdue or shared):
        return None
    return {
        "template": "assessments/goal_home_coach.html",
        "follow_ups": follow_ups,
        "overdue": overdue,
        "shared": shared,
    }


@homes.register(policy.HR_MANAGER, order=60)
def hr_engagement(request: HttpRequest) -> dict:
    return {
        "template": "assessments/feedback_home_hr.html",
        "figures": selectors.organisation_figures(actor=request.actor),
        "minimum": disclosure.threshold(),
    }

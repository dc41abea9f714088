"""Home panels of the journal: what the employee should follow up, what the coach should look at, and
HR's figures (aggregates only)."""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Count
from django.http import HttpRequest

from assessments.selectors import journal as selectors
from assessments.selectors import pulse as pulse_selectors
from assessments.selectors.access_log import access_log
from portal import clock, homes, kept, policy
from reports import disclosure

OPENINGS_DAYS = 30
GOALS_SHOWN = 4
OVERDUE_SHOWN = 5


def employee_reads(actor: policy.Actor) -> dict:
    """What the employee's journal and pulse panels show: the recent sessions with what they still wait for
    (`after_sessions_of` gives both panels their part), overdue actions, active goals, how often their
    content was opened lately and their pulses of the trend's weeks."""
    return {
        "after_sessions": selectors.after_sessions_rows(actor=actor),
        "overdue": selectors.overdue_actions_rows(actor=actor, employee_id=actor.user_id)[:OVERDUE_SHOWN],
        "goals": selectors.goals_list(actor=actor, employee_id=actor.user_id, status="active")[:GOALS_SHOWN],
        "openings": kept.totals(
            access_log(actor=actor).filter(at__gte=clock.now() - timedelta(days=OPENINGS_DAYS)), count=Count("pk")
        ),
        "pulses": pulse_selectors.my_recent_pulses(actor=actor),
    }


@homes.register(policy.EMPLOYEE, order=30, reads=employee_reads)
def employee_journal(request: HttpRequest, rows: dict) -> dict:
    return {
        "template": "assessments/goal_home_employee.html",
        "follow_ups": selectors.after_sessions_of(rows["after_sessions"]).follow_ups,
        "overdue": rows["overdue"],
        "goals": rows["goals"],
        "openings": rows["openings"][0]["count"],
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

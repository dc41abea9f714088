"""Home panels of the pulse: the employee's trend and the session still waiting for their pulse; the
coach's way to the page of each person they coach."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.translation import gettext as _

from assessments.homes import journal
from assessments.policies import coached_enrolment_ids
from assessments.selectors import journal as journal_selectors
from assessments.selectors import pulse as selectors
from portal import homes, policy
from programmes.models import Enrolment

COACHEES_SHOWN = 12


@homes.register(policy.EMPLOYEE, order=35, reads=journal.employee_reads)
def employee_pulse(request: HttpRequest, rows: dict) -> dict:
    weeks = selectors.trend(rows["pulses"])
    return {
        "template": "assessments/pulse_home_employee.html",
        "ask_after": journal_selectors.after_sessions_of(rows["after_sessions"]).pulse_after,
        "weeks": weeks,
        "chart": selectors.trend_chart(
            weeks, chart_id="home-pulse", title=_("Your pulse per week, on a scale of 1 to 5")
        ),
    }


@homes.register(policy.COACH, order=28)
def coach_coachees(request: HttpRequest) -> dict | None:
    coach = policy.lens(request.actor, policy.COACH)
    enrolments = list(
        policy.scope(coach, Enrolment)
        .filter(pk__in=coached_enrolment_ids(coach))
        .exclude(employee_id=coach.user_id)
        .select_related("employee", "programme")
        .order_by("employee__first_name", "employee__last_name", "pk")[: COACHEES_SHOWN + 1]
    )
    if not enrolments:
        return None
    return {
        "template": "assessments/coachee_home_coach.html",
        "enrolments": enrolments[:COACHEES_SHOWN],
        "more": len(enrolments) > COACHEES_SHOWN,
    }

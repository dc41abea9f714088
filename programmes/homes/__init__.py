"""Home panels: HR's overview of programmes, cohorts, enrolment and attendance; and, for an employee
who has not accepted the coaching agreement in force, the request to read it; the three-way agreements
that wait for the employee or the coach, and for a manager the people they sponsor."""

from __future__ import annotations

from django.http import HttpRequest

from portal import homes, policy
from programmes.homes import sessions  # (its panels register as it loads)
from programmes.models import PartyAcceptance
from programmes.selectors import agreement as agreement_selectors
from programmes.selectors import enrolment as selectors


@homes.register(policy.HR_MANAGER, order=10)
def hr_overview(request: HttpRequest) -> dict:
    return {"template": "programmes/home_hr.html", **selectors.hr_overview(actor=request.actor)}


@homes.register(policy.EMPLOYEE, order=5, reads=sessions.employee_reads)
def agreement_to_accept(request: HttpRequest, rows: dict) -> dict | None:
    # Pending: a seat in an open programme and the version in force not accepted.
    enrolments = rows["enrolments"]
    if not enrolments or sessions.agreement_accepted(enrolments):
        return None
    return {"template": "programmes/home_agreement.html"}


@homes.register(policy.EMPLOYEE, order=6, reads=sessions.employee_reads)
def my_agreements(request: HttpRequest, rows: dict) -> dict | None:
    # The open enrolments whose agreement waits for the employee, and the people a manager sponsors.
    waiting = [enrolment for enrolment in rows["enrolments"] if agreement_selectors.waits_for(enrolment)]
    sponsor = agreement_selectors.sponsor_summary_of(rows["sponsoring"][0])
    if not waiting and sponsor is None:
        return None
    return {"template": "programmes/agreement/home_employee.html", "waiting": waiting, "sponsor": sponsor}


@homes.register(policy.COACH, order=6)
def coachee_agreements(request: HttpRequest) -> dict | None:
    waiting = agreement_selectors.agreements_to_act_on(actor=request.actor, party=PartyAcceptance.Party.COACH)
    if not waiting:
        return None
    return {"template": "programmes/agreement/home_coach.html", "waiting": waiting}

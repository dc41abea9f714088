"""Home panels: HR's overview of programmes, cohorts, enrolment and attendance; and, for an employee
who has not accepted the coaching agreement in force, the request to read it."""

from __future__ import annotations

from django.http import HttpRequest

from portal import homes, policy
from programmes.homes import sessions  # noqa: F401  (its panels register as it loads)
from programmes.selectors import enrolment as selectors


@homes.register(policy.HR_MANAGER, order=10)
def hr_overview(request: HttpRequest) -> dict:
    return {"template": "programmes/home_hr.html", **selectors.hr_overview(actor=request.actor)}


@homes.register(policy.EMPLOYEE, order=5)
def agreement_to_accept(request: HttpRequest) -> dict | None:
    if not selectors.agreement_pending(actor=request.actor):
        return None
    return {"template": "programmes/home_agreement.html"}

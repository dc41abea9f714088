"""Home panels for assessments: what is open for the employee, what the coach can look at or release,
and completion for HR (figures only)."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils import timezone

from assessments.homes import journal, pulse  # noqa: F401  (their panels register as they load)
from assessments.selectors import results as selectors
from portal import homes, policy

SHOWN = 4


def assignment_reads(actor: policy.Actor) -> dict:
    return {"assignments": selectors.my_assignments_rows(actor=actor)}


@homes.register(policy.EMPLOYEE, order=20, reads=assignment_reads)
def employee_panel(request: HttpRequest, rows: dict) -> dict | None:
    assignments = rows["assignments"]
    if not assignments:
        return None
    return {
        "template": "assessments/assignment_home_employee.html",
        "open": [a for a in assignments if a.submitted_at is None][:SHOWN],
        "submitted": sum(1 for a in assignments if a.submitted_at is not None),
        "today": timezone.localdate(),
    }


@homes.register(policy.COACH, order=25)
def coach_panel(request: HttpRequest) -> dict | None:
    handed_in = selectors.coachee_assignments(actor=request.actor).filter(submitted_at__isnull=False)
    recent = list(handed_in.order_by("-submitted_at", "-pk")[:SHOWN])
    if not recent:
        return None
    waiting = handed_in.filter(release_required=True, released_at__isnull=True).count()
    return {"template": "assessments/assignment_home_coach.html", "recent": recent, "waiting": waiting}


@homes.register(policy.HR_MANAGER, order=25)
def hr_panel(request: HttpRequest) -> dict | None:
    rows = selectors.hr_overview(actor=request.actor)
    if not rows:
        return None
    return {
        "template": "assessments/assignment_home_hr.html",
        "rows": rows[:SHOWN],
        "total": len(rows),
        "minimum": selectors.min_group(),
    }

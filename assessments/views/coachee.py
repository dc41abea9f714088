"""The coach's one page per coachee: their sessions, what they shared, the coach's own notes."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from assessments.selectors.coachee import coachee_page as coachee_page_of
from portal import policy


@require_GET
@policy.page(policy.COACH)
def coachee_page(request: HttpRequest, pk: int) -> HttpResponse:
    """One enrolment as its coach sees it: everything in one place, each part linking to its own page."""
    page = coachee_page_of(actor=request.actor, pk=pk)
    return render(
        request, "assessments/coachee.html", {"coachee": page, "enrolment": page.enrolment, "employee": page.employee}
    )

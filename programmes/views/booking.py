"""An employee books a 1:1 in one of their coach's free slots."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from portal import policy
from programmes.availability.selectors import BOOKING_FIRST_WEEKS, BOOKING_WEEKS, free_slots_by_day, free_slots_later
from programmes.selectors import credits as credit_selectors
from programmes.selectors import sessions as selectors
from programmes.selectors.enrolment import agreement_accepted, my_acceptance
from programmes.services.booking import slot_book
from programmes.services.sessions import SessionRefused


def _weeks(request: HttpRequest) -> int:
    """How many weeks of free times to show: ?weeks=, within what can be booked (the first two otherwise)."""
    try:
        weeks = int(request.GET.get("weeks", BOOKING_FIRST_WEEKS))
    except ValueError:
        return BOOKING_FIRST_WEEKS
    return min(max(weeks, 1), BOOKING_WEEKS)


def _booking_context(request: HttpRequest, error: str | None = None) -> dict:
    actor = request.actor
    enrolments = list(credit_selectors.with_credits(selectors.bookable_enrolments(actor=actor)))
    accepted = agreement_accepted(user=actor.user)
    weeks = _weeks(request)
    return {
        "days": free_slots_by_day(actor=actor, weeks=weeks),
        "later_weeks": min(weeks + BOOKING_FIRST_WEEKS, BOOKING_WEEKS)
        if free_slots_later(actor=actor, weeks=weeks)
        else None,
        "enrolments": enrolments,
        "credits_left": sum(max(enrolment.credits_left, 0) for enrolment in enrolments if enrolment.coach_id),
        "has_coach": any(enrolment.coach_id for enrolment in enrolments),
        "agreement_accepted": accepted,
        # Only asked when booking waits for it: accepted before, so the text has changed since.
        "agreement_changed": not accepted and my_acceptance(actor=actor) is not None,
        "notice_hours": actor.organisation.cancellation_notice_hours,
        "error": error,
    }


@require_GET
@policy.page(policy.EMPLOYEE)
def booking(request: HttpRequest) -> HttpResponse:
    """The coming free times of the employee's coach, by day, with what is left to spend; the first weeks
    at once, later ones on request (an htmx request gets the times alone)."""
    template = "programmes/booking_slots.html" if request.htmx else "programmes/booking.html"
    return render(request, template, _booking_context(request))


@require_POST
@policy.page(policy.EMPLOYEE)
def booking_book(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        session = slot_book(actor=request.actor, slot_id=pk)
    except (SessionRefused, Http404) as refused:
        # A slot withdrawn (or held for a session) while the page was open is simply gone.
        reason = (
            refused.message
            if isinstance(refused, SessionRefused)
            else _("This time is no longer offered. Please choose another.")
        )
        if request.htmx:
            # The times shown may be stale: show them again as they are now, with the reason on top.
            return render(request, "programmes/booking_slots.html", _booking_context(request, reason))
        messages.error(request, reason)
        return redirect("booking")
    messages.success(request, _("Your session is booked. You and your coach have been sent the details."))
    target = reverse("session_detail", args=[session.pk])
    if request.htmx:
        response = HttpResponse(status=204)
        response["HX-Redirect"] = target
        return response
    return redirect(target)

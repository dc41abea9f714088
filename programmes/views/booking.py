"""An employee books a 1:1 in one of their coach's free slots."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from portal import kept, policy
from programmes.availability.models import Slot
from programmes.availability.selectors import BOOKING_FIRST_WEEKS, BOOKING_WEEKS, free_times_of, free_times_rows
from programmes.selectors import credits as credit_selectors
from programmes.selectors import sessions as selectors
from programmes.selectors.agreement import enrolments_waiting_for_agreement, with_booking_agreement
from programmes.selectors.enrolment import agreement_accepted_expression, my_acceptance
from programmes.services.booking import SERIES_EVERY_WEEKS, SERIES_MOST, series_book, series_preview, slot_book
from programmes.services.sessions import SessionRefused


def _weeks(request: HttpRequest) -> int:
    """How many weeks of free times to show: ?weeks=, within what can be booked (the first two otherwise)."""
    try:
        weeks = int(request.GET.get("weeks", BOOKING_FIRST_WEEKS))
    except ValueError:
        return BOOKING_FIRST_WEEKS
    return min(max(weeks, 1), BOOKING_WEEKS)


def _booking_reads(weeks: int):
    def reads(actor: policy.Actor) -> dict:
        enrolments = with_booking_agreement(selectors.bookable_enrolments(actor=actor))
        return {
            "enrolments": credit_selectors.with_credits(enrolments).annotate(
                accepted_in_force=agreement_accepted_expression(actor.user_id)
            ),
            "times": free_times_rows(actor=actor, weeks=weeks),
        }

    return reads


def _booking_context(request: HttpRequest, error: str | None = None) -> dict:
    actor = request.actor
    weeks = _weeks(request)
    # The enrolments and the free times: kept statements (portal.kept), one round trip.
    rows = kept.read(actor, f"booking:{weeks}", _booking_reads(weeks))
    enrolments = rows["enrolments"]
    # The coaching agreement matters only to someone enrolled (the page says they are not, otherwise).
    accepted = bool(enrolments) and enrolments[0].accepted_in_force
    times = free_times_of(rows["times"])
    return {
        "days": times.days,
        "later_weeks": min(weeks + BOOKING_FIRST_WEEKS, BOOKING_WEEKS) if times.later else None,
        "enrolments": enrolments,
        "credits_left": sum(max(enrolment.credits_left, 0) for enrolment in enrolments if enrolment.coach_id),
        "has_coach": any(enrolment.coach_id for enrolment in enrolments),
        "agreement_accepted": accepted,
        "objectives_waiting": enrolments_waiting_for_agreement(enrolments=enrolments) if accepted else [],
        # Only asked when booking waits for it: accepted before, so the text has changed since.
        "agreement_changed": bool(enrolments) and not accepted and my_acceptance(actor=actor) is not None,
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


# --- a series ---------------------------------------------------------------------------------------


class SeriesForm(forms.Form):
    every_weeks = forms.TypedChoiceField(
        label=gettext_lazy("Repeat"),
        coerce=int,
        initial=2,
        choices=[(1, gettext_lazy("Every week"))]
        + [
            (weeks, gettext_lazy("Every %(weeks)d weeks") % {"weeks": weeks})
            for weeks in SERIES_EVERY_WEEKS
            if weeks > 1
        ],
    )
    count = forms.TypedChoiceField(
        label=gettext_lazy("Number of sessions"),
        coerce=int,
        initial=5,
        choices=[(number, str(number)) for number in range(2, SERIES_MOST + 1)],
    )


@require_http_methods(["GET", "POST"])
@policy.page(policy.EMPLOYEE)
def booking_series(request: HttpRequest, pk: int) -> HttpResponse:
    """Book the same time as a series (every so many weeks, so many times), all or nothing. The form shows
    which of the dates are free as it is changed (htmx swaps the list); booking re-checks everything."""
    actor = request.actor
    first = policy.get_or_404(actor, Slot, Slot.objects.offered_to(actor.organisation), pk=pk)
    form = SeriesForm(request.POST if request.method == "POST" else (request.GET or None))
    data = form.cleaned_data if form.is_valid() else {"every_weeks": 2, "count": 5}
    error = None
    if request.method == "POST" and form.is_valid():
        try:
            sessions = series_book(actor=actor, slot_id=first.pk, every_weeks=data["every_weeks"], count=data["count"])
        except (SessionRefused, Http404) as refused:
            error = (
                refused.message
                if isinstance(refused, SessionRefused)
                else _("This time is no longer offered. Please choose another.")
            )
        else:
            messages.success(
                request,
                ngettext(
                    "Your series of %(count)d session is booked. You and your coach have been sent the details.",
                    "Your series of %(count)d sessions is booked. You and your coach have been sent the details.",
                    len(sessions),
                )
                % {"count": len(sessions)},
            )
            target = reverse("sessions")
            if request.htmx:
                response = HttpResponse(status=204)
                response["HX-Redirect"] = target
                return response
            return redirect(target)
    context = {
        "slot": first,
        "form": form if form.is_bound else SeriesForm(),
        "occurrences": series_preview(
            actor=actor, slot_id=first.pk, every_weeks=data["every_weeks"], count=data["count"]
        ),
        "credits_left": sum(
            max(enrolment.credits_left, 0)
            for enrolment in credit_selectors.with_credits(selectors.bookable_enrolments(actor=actor))
            if enrolment.coach_id
        ),
        "notice_hours": actor.organisation.cancellation_notice_hours,
        "error": error,
    }
    template = "programmes/booking_series_preview.html" if request.htmx else "programmes/booking_series.html"
    return render(request, template, context, status=409 if error and not request.htmx else 200)

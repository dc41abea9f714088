"""The employee's pulses: give one (after a session, at a check-in, or just now), see the trend, share
each with the coach or take it back. Coaches read shared pulses on their page per coachee."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from assessments.forms.pulse import PulseForm
from assessments.models.journal import CheckIn
from assessments.selectors import journal as journal_selectors
from assessments.selectors import pulse as selectors
from assessments.services import pulse as services
from portal import policy
from portal.forms import form_submit

PAGE_SIZE = 20


def _named(actor: policy.Actor, session_pk: int | None, check_in_pk: int | None) -> dict:
    """The session or check-in a pulse is given at, named in the form: the employee's own or a clear
    message beside the form (never a 404 for a typo in a hidden field)."""
    named = {"session": None, "check_in": None}
    if session_pk is not None:
        try:
            named["session"] = selectors.session_for_pulse(actor=actor, pk=session_pk)
        except Http404:
            raise ValidationError({"session": _("Choose one of your own sessions.")}) from None
    if check_in_pk is not None:
        try:
            named["check_in"] = policy.get_or_404(actor, CheckIn, pk=check_in_pk)
        except Http404:
            raise ValidationError({"check_in": _("Choose one of your own check-ins.")}) from None
    return named


def _next(request: HttpRequest) -> str | None:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return None


@require_http_methods(["GET", "POST"])
@policy.page(policy.EMPLOYEE)
def pulses(request: HttpRequest) -> HttpResponse:
    """The employee's pulses with their trend, and a new one."""
    actor = policy.lens(request.actor, policy.EMPLOYEE)
    form = PulseForm(request.POST or None)

    def save(*, session, check_in, **values):
        return services.pulse_create(actor=actor, **_named(actor, session, check_in), **values)

    if form_submit(request, form, save):
        messages.success(request, _("Thank you: your pulse is saved."))
        return redirect(_next(request) or "pulses")
    rows = selectors.my_pulses(actor=actor)
    weeks = selectors.trend(selectors.recent(rows))
    context = {
        "form": form,
        "page": Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page")),
        "weeks": weeks,
        "chart": selectors.trend_chart(
            weeks, chart_id="my-pulse", title=_("Your pulse per week, on a scale of 1 to 5")
        ),
        "coaches": journal_selectors.coaches_of(employee_id=actor.user_id),
    }
    return render(request, "assessments/pulses.html", context, status=400 if form.errors else 200)


@require_POST
@policy.page(policy.EMPLOYEE)
def pulse_sharing(request: HttpRequest, pk: int) -> HttpResponse:
    """Share one pulse with the coach or take it back; htmx swaps its sharing control in place."""
    pulse = selectors.pulse_get(actor=request.actor, pk=pk)
    shared = request.POST.get("shared") == "1"
    services.pulse_share(actor=request.actor, pulse=pulse, shared=shared)
    if request.htmx:
        return render(request, "assessments/pulse_sharing.html", {"pulse": pulse, "announce": True})
    messages.success(
        request,
        _("Your coach can now see this pulse.") if shared else _("This pulse is private again: only you see it."),
    )
    return redirect("pulses")

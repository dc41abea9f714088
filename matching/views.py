"""Pages of the coach pool and of choosing a coach: HR builds the pool and sets how a programme matches,
coaches answer their invitations, employees give an intake, read their suggestions, book chemistry calls,
choose, and change coach once."""

from __future__ import annotations

from functools import partial

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from coaches.models import CoachProfile
from matching import selectors, services
from matching.forms import IntakeForm, MatchingForm, PoolInviteForm, RematchForm
from matching.models import PoolMember
from matching.ranking import WEEKS_AHEAD, reasons_text
from portal import policy
from portal.forms import form_submit
from programmes.availability.selectors import free_slots_by_day
from programmes.models import Programme
from programmes.services.sessions import CoachChangeCancelled, SessionRefused
from reports import disclosure


def _invite_form(request: HttpRequest, data=None) -> PoolInviteForm:
    return PoolInviteForm(
        data,
        coaches=selectors.pool_coaches_to_invite(actor=request.actor),
        programmes=policy.scope(request.actor, Programme).order_by("name"),
    )


@require_GET
@policy.page(policy.HR_MANAGER, policy.COACH)
def pool(request: HttpRequest) -> HttpResponse:
    """HR: the pool with each coach's room (used and left, a number only), the invitation form and how
    many people changed coach per programme. A coach: their own places, to accept or decline."""
    actor = request.actor
    context = {"rows": selectors.pool(actor=actor)}
    if actor.is_hr:
        context["form"] = _invite_form(request)
        counts = disclosure.released(actor=actor, kinds=("rematches",)).by("rematches", "programme_id")
        context["rematches"] = [
            (programme, counts[programme.pk].contributors)
            for programme in policy.scope(actor, Programme).filter(pk__in=list(counts)).order_by("name")
        ]
    return render(request, "matching/pool.html", context)


@require_POST
@policy.page(policy.HR_MANAGER)
def pool_invite(request: HttpRequest) -> HttpResponse:
    form = _invite_form(request, request.POST)
    if form_submit(
        request,
        form,
        lambda coach, programme: services.pool_invite(actor=request.actor, coach_id=coach.pk, programme=programme),
    ):
        messages.success(request, _("The coach is asked into the pool. They appear to employees once they accept."))
        return redirect("pool")
    return render(
        request, "matching/pool.html", {"rows": selectors.pool(actor=request.actor), "form": form}, status=400
    )


@require_POST
@policy.page(policy.COACH)
def pool_answer(request: HttpRequest, pk: int) -> HttpResponse:
    member = policy.get_or_404(policy.lens(request.actor, policy.COACH), PoolMember, coach_id=request.user.pk, pk=pk)
    accept = request.POST.get("answer") == "accept"
    services.pool_answer(actor=request.actor, member=member, accept=accept)
    messages.success(
        request,
        _("You are in the pool: employees here can now choose you.")
        if accept
        else _("You declined. Employees here do not see your profile."),
    )
    return redirect("pool")


@require_http_methods(["GET", "POST"])
@policy.page(policy.HR_MANAGER)
def programme_matching(request: HttpRequest, pk: int) -> HttpResponse:
    programme = policy.get_or_404(request.actor, Programme, pk=pk)
    form = MatchingForm(request.POST or None, initial={"how": selectors.matching_of(programme)})
    if form_submit(request, form, partial(services.matching_set, actor=request.actor, programme=programme)):
        messages.success(request, _("Saved how coaches are matched in this programme."))
        return redirect("programme_detail", pk=programme.pk)
    return render(request, "matching/programme_matching.html", {"programme": programme, "form": form})


@require_GET
@policy.page(policy.HR_MANAGER, policy.COACH, policy.EMPLOYEE)
def coach_photo(request: HttpRequest, pk: int) -> HttpResponse:
    """A pool coach's photo, for the members of this organisation (the profile's policy decides)."""
    profile = policy.get_or_404(request.actor, CoachProfile, coach_id=pk)
    if not profile.photo:
        raise Http404(policy.NOT_FOUND)
    return HttpResponse(bytes(profile.photo), content_type="image/jpeg")


# --- the employee -------------------------------------------------------------------------------------


@require_GET
@policy.page(policy.EMPLOYEE)
def my_coach(request: HttpRequest) -> HttpResponse:
    """The employee's programmes where they choose their coach: choosing, or changing coach once."""
    return render(request, "matching/my_coach.html", {"rows": selectors.my_choices(actor=request.actor)})


def _choose_context(request: HttpRequest, enrolment, form) -> dict:
    intake = selectors.open_intake(enrolment)
    suggestions = selectors.suggestions_of(intake)
    for suggestion in suggestions:
        suggestion.reason_words = reasons_text(suggestion.reasons)
        suggestion.biography = suggestion.profile.biography(request.LANGUAGE_CODE) if suggestion.profile else ""
        suggestion.days = free_slots_by_day(actor=request.actor, coach_id=suggestion.coach_id, weeks=WEEKS_AHEAD)
    return {
        "enrolment": enrolment,
        "form": form,
        "intake": intake,
        "suggestions": suggestions,
        "rematch": selectors.rematch_of(enrolment),
    }


@require_http_methods(["GET", "POST"])
@policy.page(policy.EMPLOYEE)
def choose(request: HttpRequest, pk: int) -> HttpResponse:
    enrolment = selectors.choosing_enrolment(actor=request.actor, pk=pk)
    if not selectors.employees_choose(enrolment.programme):
        raise Http404(policy.NOT_FOUND)
    intake = selectors.open_intake(enrolment)
    initial = (
        {name: getattr(intake, name) for name in ("focus", "language", "mode", "city", "times")}
        if intake
        else {"language": request.LANGUAGE_CODE[:2]}
    )
    form = IntakeForm(request.POST or None, initial=initial, auto_id="intake_%s")
    try:
        saved = form_submit(request, form, partial(services.intake_submit, actor=request.actor, enrolment=enrolment))
    except SessionRefused as refused:
        messages.error(request, refused.message)
        return redirect("choose", pk=enrolment.pk)
    if saved:
        return redirect("choose", pk=enrolment.pk)
    return render(request, "matching/choose.html", _choose_context(request, enrolment, form))


@require_POST
@policy.page(policy.EMPLOYEE)
def choose_coach(request: HttpRequest, pk: int) -> HttpResponse:
    suggestion = services.suggestion_for(actor=request.actor, pk=pk)
    enrolment_id = suggestion.intake.enrolment_id
    try:
        services.coach_choose(actor=request.actor, suggestion=suggestion)
    except SessionRefused as refused:
        messages.error(request, refused.message)
        return redirect("choose", pk=enrolment_id)
    messages.success(request, _("You have chosen your coach. You can now book your sessions."))
    return redirect("booking")


@require_POST
@policy.page(policy.EMPLOYEE)
def chemistry_book(request: HttpRequest, pk: int) -> HttpResponse:
    suggestion = services.suggestion_for(actor=request.actor, pk=pk)
    slot = request.POST.get("slot", "")
    try:
        session = services.chemistry_book(
            actor=request.actor, suggestion=suggestion, slot_id=int(slot) if slot.isdigit() else -1
        )
    except (SessionRefused, Http404) as refused:
        messages.error(
            request,
            refused.message if isinstance(refused, SessionRefused) else _("This time is no longer offered."),
        )
        return redirect("choose", pk=suggestion.intake.enrolment_id)
    messages.success(request, _("Your chemistry call is booked. It takes 20 minutes and costs no credit."))
    return redirect("session_detail", pk=session.pk)


def _rematch_done(cancelled: CoachChangeCancelled) -> str:
    said = [_("Your former coach no longer sees what you share.")]
    if cancelled.sessions:
        said.append(
            ngettext(
                "Your %(count)d coming session with them is cancelled.",
                "Your %(count)d coming sessions with them are cancelled.",
                cancelled.sessions,
            )
            % {"count": cancelled.sessions}
        )
    if cancelled.credits:
        said.append(
            ngettext(
                "%(count)d session credit has been given back to you.",
                "%(count)d session credits have been given back to you.",
                cancelled.credits,
            )
            % {"count": cancelled.credits}
        )
    said.append(_("Now choose a new coach."))
    return " ".join(said)


@require_http_methods(["GET", "POST"])
@policy.page(policy.EMPLOYEE)
def rematch(request: HttpRequest, pk: int) -> HttpResponse:
    enrolment = selectors.choosing_enrolment(actor=request.actor, pk=pk)
    form = RematchForm(request.POST or None)
    try:
        done = form_submit(request, form, partial(services.rematch_start, actor=request.actor, enrolment=enrolment))
        if done:
            messages.success(request, _rematch_done(done.result.cancelled))
            return redirect("choose", pk=enrolment.pk)
    except SessionRefused as refused:
        form.add_error(None, refused.message)
    return render(
        request,
        "matching/rematch.html",
        {"enrolment": enrolment, "form": form, "used": selectors.rematch_of(enrolment)},
        status=400 if form.errors else 200,
    )

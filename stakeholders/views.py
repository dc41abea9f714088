"""Pages of stakeholder feedback: the employee's rounds (open one, invite, rate yourself, results, release),
the coach's view of their coachees' rounds, HR's completion counts, and the rater's page, reached by the
personal link alone (no account)."""

from __future__ import annotations

from functools import partial

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from assessments.models import Question
from portal import policy
from portal.forms import add_service_errors, form_submit
from programmes.models import Enrolment
from stakeholders import selectors, services
from stakeholders.forms import ConsentForm, InviteForm, RoundForm
from stakeholders.models import RaterAnswer, Round
from stakeholders.reports import completion


def _own_enrolments(actor: policy.Actor):
    return (
        policy.scope(actor.acting_as(policy.EMPLOYEE), Enrolment)
        .filter(employee_id=actor.user_id)
        .exclude(status=Enrolment.Status.WITHDRAWN)
        .select_related("programme")
    )


@require_GET
@policy.page(policy.EMPLOYEE, policy.COACH)
def stakeholder_rounds(request: HttpRequest) -> HttpResponse:
    actor = request.actor
    own = list(selectors.rounds_for(actor=actor.acting_as(policy.EMPLOYEE), employee_id=actor.user_id))
    coached = []
    if actor.is_coach:
        coached = [
            r for r in selectors.rounds_for(actor=actor.acting_as(policy.COACH)) if r.employee_id != actor.user_id
        ]
    form = RoundForm(enrolments=_own_enrolments(actor)) if actor.is_employee else None
    return render(request, "stakeholders/rounds.html", {"own": own, "coached": coached, "form": form})


@require_POST
@policy.page(policy.EMPLOYEE)
def stakeholder_round_create(request: HttpRequest) -> HttpResponse:
    actor = request.actor
    form = RoundForm(request.POST, enrolments=_own_enrolments(actor))
    created = form_submit(request, form, partial(services.round_create, actor=actor))
    if created:
        messages.success(request, _("The round is open. Now invite the people around you."))
        return redirect("stakeholder_round", pk=created.result.pk)
    own = list(selectors.rounds_for(actor=actor.acting_as(policy.EMPLOYEE), employee_id=actor.user_id))
    return render(request, "stakeholders/rounds.html", {"own": own, "coached": [], "form": form}, status=400)


def _round_page(request: HttpRequest, round: Round, *, invite_form=None, status: int = 200) -> HttpResponse:
    actor = request.actor
    is_owner = actor.is_employee and round.employee_id == actor.user_id
    may_invite = is_owner or (actor.is_coach and round.coach_may_invite_at is not None)
    context = {
        "round": round,
        "is_owner": is_owner,
        "may_invite": may_invite and not round.is_closed,
        "raters": selectors.raters_of(actor=actor, round=round),
        "invite_form": invite_form or (InviteForm() if may_invite else None),
        "consent_form": ConsentForm(initial={"coach_may_invite": round.coach_may_invite_at is not None}),
        "ready": selectors.is_ready(round),
        "may_see_results": selectors.may_see_results(actor, round),
    }
    return render(request, "stakeholders/round.html", context, status=status)


@require_GET
@policy.page(policy.EMPLOYEE, policy.COACH)
def stakeholder_round(request: HttpRequest, pk: int) -> HttpResponse:
    return _round_page(request, selectors.round_for(actor=request.actor, pk=pk))


@require_POST
@policy.page(policy.EMPLOYEE, policy.COACH)
def stakeholder_invite(request: HttpRequest, pk: int) -> HttpResponse:
    round = selectors.round_for(actor=request.actor, pk=pk)
    form = InviteForm(request.POST)
    if form.is_valid():
        try:
            invited = services.raters_invite(actor=request.actor, round=round, raters=form.raters)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("%(count)s people were sent their personal link.") % {"count": len(invited)})
            return redirect("stakeholder_round", pk=round.pk)
    return _round_page(request, selectors.round_for(actor=request.actor, pk=pk), invite_form=form, status=400)


@require_POST
@policy.page(policy.EMPLOYEE)
def stakeholder_consent(request: HttpRequest, pk: int) -> HttpResponse:
    round = selectors.round_for(actor=request.actor, pk=pk)
    form = ConsentForm(request.POST)
    if form_submit(request, form, partial(services.round_consent, actor=request.actor, round=round)):
        messages.success(request, _("Your choice is saved."))
        return redirect("stakeholder_round", pk=round.pk)
    raise Http404(policy.NOT_FOUND)


@require_POST
@policy.page(policy.EMPLOYEE)
def stakeholder_release(request: HttpRequest, pk: int) -> HttpResponse:
    round = selectors.round_for(actor=request.actor, pk=pk)
    try:
        services.round_release(actor=request.actor, round=round)
    except ValidationError:
        raise Http404(policy.NOT_FOUND) from None
    messages.success(request, _("Your coach can now see these results."))
    return redirect("stakeholder_results", pk=round.pk)


@require_GET
@policy.page(policy.EMPLOYEE, policy.COACH)
def stakeholder_results(request: HttpRequest, pk: int) -> HttpResponse:
    actor = request.actor
    round = selectors.round_for(actor=actor, pk=pk)
    if not selectors.may_see_results(actor, round):
        raise Http404(policy.NOT_FOUND)
    results = selectors.results(actor=actor, round=round)
    changes = [
        change
        for change in selectors.change_for(actor=actor, employee_id=round.employee_id)
        if round.pk in (change.start.round.pk, change.end.round.pk)
    ]
    return render(
        request,
        "stakeholders/results.html",
        {
            "round": round,
            "results": results,
            "change": changes[0] if changes else None,
            "is_owner": actor.is_employee and round.employee_id == actor.user_id,
        },
    )


def _questions(round: Round, given: dict) -> list[Question]:
    questions = list(Question.objects.filter(version_id=round.version_id).order_by("position"))
    for question in questions:
        question.given = given.get(question.pk)
    return questions


def _posted(request: HttpRequest, questions: list[Question]) -> dict[int, str]:
    return {q.pk: request.POST[f"q_{q.pk}"] for q in questions if f"q_{q.pk}" in request.POST}


def _answer(request: HttpRequest, rater, *, template: str, context: dict, done) -> HttpResponse:
    """The questionnaire, as the rater or the employee answers it: save and come back, or submit."""
    given = {a.question_id: a for a in RaterAnswer.objects.filter(rater=rater)}
    questions = _questions(rater.round, given)
    errors: dict = {}
    if request.method == "POST":
        submit = "submit" in request.POST
        try:
            services.answers_save(
                rater=rater, answers=_posted(request, questions), submit=submit, named="named" in request.POST
            )
        except ValidationError as error:
            errors = error.message_dict if hasattr(error, "error_dict") else {"__all__": error.messages}
        else:
            return done(submit)
        for question in questions:
            question.error = " ".join(errors.get(f"q_{question.pk}", []))
            if f"q_{question.pk}" in request.POST:
                question.posted = request.POST[f"q_{question.pk}"]
    context = {
        **context,
        "rater": rater,
        "questions": questions,
        "errors": errors,
        "general_errors": errors.get("__all__", []),
    }
    return render(request, template, context, status=400 if errors else 200)


@never_cache
@require_http_methods(["GET", "POST"])
def rater_answer(request: HttpRequest, token: str) -> HttpResponse:
    """The rater's page, reached by the link alone. It shows whom the feedback is about and the questions;
    never who else was asked or what anyone answered. A used, closed or unknown link gets one answer."""
    rater = services.rater_open(token)
    if rater is None:
        return render(request, "stakeholders/rater_closed.html", status=404)
    round = rater.round
    about = round.employee.get_full_name() or round.employee.email

    def done(submitted: bool) -> HttpResponse:
        if submitted:
            return render(request, "stakeholders/rater_thanks.html", {"about": about})
        messages.success(
            request,
            _("Your answers are saved. Come back with the same link until %(date)s.") % {"date": round.closes_on},
        )
        return redirect("rater_answer", token=token)

    return _answer(
        request,
        rater,
        template="stakeholders/rater_answer.html",
        context={"about": about, "round": round, "is_manager": rater.relation == "manager"},
        done=done,
    )


@require_http_methods(["GET", "POST"])
@policy.page(policy.EMPLOYEE)
def stakeholder_self(request: HttpRequest, pk: int) -> HttpResponse:
    round = selectors.round_for(actor=request.actor, pk=pk)
    if round.employee_id != request.actor.user_id:
        raise Http404(policy.NOT_FOUND)
    rater = services.self_rater(actor=request.actor, round=round)
    if rater.submitted_at is not None or round.is_closed:
        messages.info(request, _("Your self-rating for this round is closed."))
        return redirect("stakeholder_round", pk=round.pk)

    def done(submitted: bool) -> HttpResponse:
        messages.success(request, _("Your self-rating is handed in.") if submitted else _("Your answers are saved."))
        return redirect("stakeholder_round" if submitted else "stakeholder_self", pk=round.pk)

    return _answer(request, rater, template="stakeholders/self_answer.html", context={"round": round}, done=done)


@require_GET
@policy.page(policy.HR_MANAGER)
def stakeholder_overview(request: HttpRequest) -> HttpResponse:
    return render(request, "stakeholders/overview.html", {"report": completion(actor=request.actor)})

"""Pages for assessments in programmes: the employee answers (step by step, each answer saved as given)
and reads their results; the coach follows and releases their coachees' results; HR schedules
assessments in programme phases and sees completion and group figures only.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from assessments.forms import ScheduleDatesForm, ScheduleForm
from assessments.models import Assignment, PhaseAssessment, Question
from assessments.selectors import results as selectors
from assessments.selectors.instruments import versions_to_schedule
from assessments.services import assignments as services
from assessments.views.instruments import apply_errors
from portal import policy
from programmes.models import Phase

COACHEES_PER_PAGE = 50


def _given(question: Question, raw: str) -> services.AnswerInput:
    """An answer as the form posted it. What is not a whole number is passed on as it came, so the
    service can say what is wrong with it; an empty field clears the answer."""
    if question.kind == Question.Kind.TEXT:
        return services.AnswerInput(question_id=question.pk, text=raw)
    raw = raw.strip()
    number = int(raw) if raw.isdigit() else (None if raw == "" else raw)
    if question.kind == Question.Kind.CHOICE:
        # An option is named by its id; anything else is no option of this question.
        return services.AnswerInput(question_id=question.pk, choice_id=number if not isinstance(number, str) else 0)
    return services.AnswerInput(question_id=question.pk, value=number)


def _posted_answers(request: HttpRequest, questions: list[Question]) -> list[services.AnswerInput]:
    return [
        _given(question, request.POST[f"q_{question.pk}"])
        for question in questions
        if f"q_{question.pk}" in request.POST
    ]


def _owner_only(actor: policy.Actor, employee_id: int) -> bool:
    return actor.user_id == employee_id


# --- the employee -----------------------------------------------------------------------------------


@require_GET
@policy.page(policy.EMPLOYEE)
def assignment_list(request: HttpRequest) -> HttpResponse:
    """My assessments: what is open, with its due date and progress, and what I have handed in."""
    assignments = selectors.my_assignments(actor=request.actor)
    return render(
        request,
        "assessments/assignment_list.html",
        {
            "minimum": selectors.min_group(),
            "open": [a for a in assignments if a.submitted_at is None],
            "done": sorted(
                (a for a in assignments if a.submitted_at is not None), key=lambda a: a.submitted_at, reverse=True
            ),
            "today": timezone.localdate(),
        },
    )


def _step_number(raw: str | None) -> int | None:
    return int(raw) if raw and raw.isdigit() else None


@require_http_methods(["GET", "POST"])
@policy.page(policy.EMPLOYEE)
def assignment_answer(request: HttpRequest, pk: int) -> HttpResponse:
    """Answer step by step. Each answer is saved as it is given (htmx, `assignment_autosave`); the buttons
    also save the step, so the page works without scripts too. Without ?step= it opens where I left off."""
    assignment = selectors.my_assignment(actor=request.actor, pk=pk)
    if assignment.submitted_at is not None:
        return redirect("assignment_result", assignment.pk)
    review = request.GET.get("step") == "review"
    state = selectors.answering(assignment=assignment, step=0 if review else _step_number(request.GET.get("step")))
    if request.method == "POST" and state.step is not None:
        try:
            services.answers_save(
                actor=request.actor, assignment=assignment, answers=_posted_answers(request, state.step.questions)
            )
        except ValidationError as error:
            messages.error(request, error.messages[0])
            return redirect(f"{reverse('assignment_answer', args=[pk])}?step={state.step.number}")
        target = state.step.number + (-1 if "previous" in request.POST else 1)
        step = "review" if target > len(state.steps) else max(target, 1)
        return redirect(f"{reverse('assignment_answer', args=[pk])}?step={step}")
    return render(
        request,
        "assessments/answer_page.html",
        {
            "state": state,
            "assignment": assignment,
            "today": timezone.localdate(),
            "not_open_yet": assignment.phase_assessment.opens_on > timezone.localdate(),
        },
    )


@require_POST
@policy.page(policy.EMPLOYEE)
def assignment_autosave(request: HttpRequest, pk: int) -> HttpResponse:
    """Save the answer just given (htmx sends only that question's field) and say so."""
    assignment = selectors.my_assignment(actor=request.actor, pk=pk)
    ids = [int(name[2:]) for name in request.POST if name.startswith("q_") and name[2:].isdigit()]
    questions = list(Question.objects.filter(version_id=assignment.version_id, pk__in=ids))
    error = ""
    if not questions:
        error = _("Nothing to save: the answer did not belong to this assessment.")
    else:
        try:
            assignment = services.answers_save(
                actor=request.actor, assignment=assignment, answers=_posted_answers(request, questions)
            )
        except ValidationError as failure:
            error = failure.messages[0]
    status = 200 if request.htmx or not error else 400
    return render(
        request,
        "assessments/answer_saved.html",
        {
            "assignment": assignment,
            "error": error,
            "answered": assignment.answers.count(),
            "total": Question.objects.filter(version_id=assignment.version_id).count(),
            "saved_at": assignment.last_saved_at,
        },
        status=status,
    )


@require_POST
@policy.page(policy.EMPLOYEE)
def assignment_submit(request: HttpRequest, pk: int) -> HttpResponse:
    assignment = selectors.my_assignment(actor=request.actor, pk=pk)
    try:
        submitted = services.assignment_submit(actor=request.actor, assignment=assignment)
    except ValidationError as error:
        messages.error(request, error.messages[0])
        return redirect(f"{reverse('assignment_answer', args=[pk])}?step=review")
    if submitted.release_required:
        messages.success(
            request,
            _(
                "Thank you, your answers are in. Your coach will go through the results "
                "with you and then release them here."
            ),
        )
    else:
        messages.success(request, _("Thank you, your answers are in. Here are your results."))
    return redirect("result_mine")


@require_GET
@policy.page(policy.EMPLOYEE)
def result_mine(request: HttpRequest) -> HttpResponse:
    """My results over the programme: scores per dimension, what lies ahead, and the change since the start."""
    groups = selectors.results_of(actor=request.actor, employee_id=request.user.pk)
    return render(
        request, "assessments/result_mine.html", {"groups": groups, "person": None, "minimum": selectors.min_group()}
    )


@require_GET
@policy.page(policy.EMPLOYEE, policy.COACH)
def assignment_result(request: HttpRequest, pk: int) -> HttpResponse:
    """One submitted assessment: its scores and every answer. Read by a coach, the policy logs the read."""
    result = selectors.assignment_result(actor=request.actor, pk=pk)
    owner = result.assignment.employee_id
    return render(
        request,
        "assessments/result_detail.html",
        {
            "result": result,
            "assignment": result.assignment,
            "is_owner": _owner_only(request.actor, owner),
            "minimum": selectors.min_group(),
        },
    )


# --- the coach --------------------------------------------------------------------------------------


@require_GET
@policy.page(policy.COACH)
def assignment_coaching(request: HttpRequest) -> HttpResponse:
    """The people I coach here with their assessments: who has started, who has handed in, what to release."""
    page, rows, waiting = selectors.coachees_page(
        actor=request.actor, page_number=request.GET.get("page"), per_page=COACHEES_PER_PAGE
    )
    return render(
        request,
        "assessments/assignment_coaching.html",
        {"page": page, "rows": rows, "waiting": waiting, "today": timezone.localdate()},
    )


@require_GET
@policy.page(policy.COACH)
def result_coachee(request: HttpRequest, user_pk: int) -> HttpResponse:
    """One coachee's results over the programme, as they see them (and before release). The read is logged."""
    person = selectors.coachee(actor=request.actor, user_id=user_pk)
    groups = selectors.results_of(actor=request.actor, employee_id=person.pk)  # the policy logs the read
    return render(request, "assessments/result_mine.html", {"groups": groups, "person": person})


@require_POST
@policy.page(policy.COACH)
def assignment_release(request: HttpRequest, pk: int) -> HttpResponse:
    assignment = policy.get_or_404(request.actor, Assignment, pk=pk)
    try:
        services.assignment_release(actor=request.actor, assignment=assignment)
    except ValidationError as error:
        messages.error(request, error.messages[0])
    else:
        messages.success(
            request, _("Released: %(name)s can now see these results.") % {"name": assignment.employee.get_short_name()}
        )
    next_url = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        return redirect(next_url)
    return redirect("assignment_coaching")


# --- HR ---------------------------------------------------------------------------------------------


@require_GET
@policy.page(policy.HR_MANAGER)
def assignment_overview(request: HttpRequest) -> HttpResponse:
    """Every scheduled assessment with completion: counts only, never a person's answers or scores."""
    return render(
        request,
        "assessments/assignment_overview.html",
        {"rows": selectors.hr_overview(actor=request.actor), "minimum": selectors.min_group()},
    )


@require_GET
@policy.page(policy.HR_MANAGER)
def result_aggregate(request: HttpRequest, pk: int) -> HttpResponse:
    """One scheduled assessment for HR: completion per cohort and mean scores of groups large enough."""
    cohort = request.GET.get("cohort", "")
    aggregate = selectors.hr_aggregate(actor=request.actor, pk=pk, cohort_id=int(cohort) if cohort.isdigit() else None)
    template = "assessments/result_aggregate_figures.html" if request.htmx else "assessments/result_aggregate.html"
    return render(request, template, {"aggregate": aggregate})


@require_http_methods(["GET", "POST"])
@policy.page(policy.HR_MANAGER)
def assignment_schedule(request: HttpRequest) -> HttpResponse:
    """Schedule an instrument in a programme phase: everyone enrolled gets it, with a due date."""
    phases = (
        policy.scope(request.actor, Phase)
        .select_related("programme")
        .order_by("-programme__starts_on", "programme__name", "position")
    )
    form = ScheduleForm(
        request.POST or None,
        phases=phases,
        versions=versions_to_schedule(actor=request.actor),
        initial={"reminder_days_before": 3},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            scheduled = services.phase_assessment_schedule(
                actor=request.actor,
                phase=data["phase"],
                version=data["version"],
                moment=data["moment"],
                opens_on=data["opens_on"],
                due_on=data["due_on"],
                reminder_days_before=data["reminder_days_before"],
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("Scheduled for %(count)d people.") % {"count": scheduled.assignments.count()})
            return redirect("result_aggregate", scheduled.pk)
    return render(request, "assessments/assignment_schedule.html", {"form": form, "scheduled": None})


@require_http_methods(["GET", "POST"])
@policy.page(policy.HR_MANAGER)
def assignment_schedule_edit(request: HttpRequest, pk: int) -> HttpResponse:
    scheduled = policy.get_or_404(
        request.actor, PhaseAssessment, PhaseAssessment.objects.select_related("programme", "phase", "version"), pk=pk
    )
    form = ScheduleDatesForm(
        request.POST or None,
        initial={
            "opens_on": scheduled.opens_on,
            "due_on": scheduled.due_on,
            "reminder_days_before": scheduled.reminder_days_before,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.phase_assessment_update(actor=request.actor, phase_assessment=scheduled, **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("The dates are saved."))
            return redirect("result_aggregate", scheduled.pk)
    return render(request, "assessments/assignment_schedule.html", {"form": form, "scheduled": scheduled})


@require_POST
@policy.page(policy.HR_MANAGER)
def assignment_schedule_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    scheduled = policy.get_or_404(request.actor, PhaseAssessment, pk=pk)
    try:
        services.phase_assessment_cancel(actor=request.actor, phase_assessment=scheduled)
    except ValidationError as error:
        messages.error(request, error.messages[0])
        return redirect("result_aggregate", scheduled.pk)
    messages.success(request, _("The assessment is withdrawn."))
    return redirect("assignment_overview")

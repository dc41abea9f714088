"""Pages of the coaching journal: reflections, goals, the follow-up of a session, and HR's engagement figures.

Every row comes through the selectors (which ask the policy); every change goes through a service.
"""

from __future__ import annotations

from functools import partial

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from assessments.forms import journal as forms
from assessments.forms.pulse import PulseForm
from assessments.models.journal import ActionItem, Goal, GoalOption, SessionNote
from assessments.selectors import journal as selectors
from assessments.selectors import pulse as pulse_selectors
from assessments.services import feedback as feedback_services
from assessments.services import goals as goal_services
from assessments.services import notes as note_services
from assessments.services import reflections as reflection_services
from portal import kept, policy
from portal.forms import form_submit

PAGE_SIZE = 20


def _page(request: HttpRequest, rows):
    return Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))


def _int_or_none(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _fragment(request: HttpRequest, page: str, fragment: str) -> str:
    return fragment if request.htmx and request.method == "GET" else page


# --- reflections --------------------------------------------------------------------------------------


def _viewer(request: HttpRequest) -> policy.Actor:
    """The role a journal list is shown in: the employee's own items, or (`?as=coach`, or a coach who is no
    employee here) the coach's list of the people they coach. Never both in one list."""
    return policy.lens(request.actor, request.GET.get("as"))


def _roles_context(request: HttpRequest, viewer: policy.Actor) -> dict:
    both = request.actor.is_employee and request.actor.is_coach
    return {"as_coach": viewer.is_coach, "both_roles": both, "as_query": "coach" if both and viewer.is_coach else ""}


@require_http_methods(["GET", "POST"])
@policy.page(policy.EMPLOYEE, policy.COACH)
def reflections(request: HttpRequest) -> HttpResponse:
    """The employee writes and lists their own reflections; a coach lists those shared with them (a person
    who is both sees each list on its own)."""
    actor = _viewer(request)
    form = None
    if actor.is_employee:
        # The sessions a reflection can name and who coaches the writer: kept statements (portal.kept).
        mine = kept.read(actor, "reflections", _writer_reads)
        form = forms.ReflectionForm(
            request.POST or None,
            sessions=selectors.session_choices_of(mine["sessions"]),
            initial={"session": _int_or_none(request.GET.get("session"))},
        )

        def save(*, body, shared_with_coach, session):
            session = selectors.follow_up_session(actor=actor, pk=session) if session else None
            return reflection_services.reflection_create(
                actor=actor, body=body, shared_with_coach=shared_with_coach, session=session
            )

        written = form_submit(request, form, save)
        if written:
            messages.success(request, _("Your reflection is saved."))
            return redirect("reflection_detail", pk=written.result.pk)
    elif request.method == "POST":
        raise Http404(policy.NOT_FOUND)
    employee_id = _int_or_none(request.GET.get("employee")) if actor.is_coach else None
    search = ""
    if actor.is_coach:
        # A coach's list shows no text, so neither may a search of it.
        rows = selectors.reflections_shared_with_me(actor=actor, employee_id=employee_id)
    else:
        shared = {"private": False, "shared": True}.get(request.GET.get("sharing", ""))
        search = request.GET.get("q", "").strip()[:100]
        rows = selectors.reflections_list(actor=actor, employee_id=actor.user_id, shared=shared, search=search)
    context = {
        "form": form,
        "page": _page(request, rows),
        "sharing": request.GET.get("sharing", ""),
        "search": search,
        "employee_id": employee_id,
        **_roles_context(request, actor),
        "coachees": selectors.coachees(actor=actor) if actor.is_coach else [],
        "coaches": mine["coaches"] if actor.is_employee else [],
    }
    return render(
        request, _fragment(request, "assessments/reflections.html", "assessments/reflection_rows.html"), context
    )


def _writer_reads(actor: policy.Actor) -> dict:
    return {
        "sessions": selectors.sessions_for_reflection(actor=actor)[: selectors.SESSION_CHOICES],
        "coaches": selectors.coaches_of_rows(employee_id=actor.user_id),
    }


@require_GET
@policy.page(policy.EMPLOYEE, policy.COACH)
def reflection_detail(request: HttpRequest, pk: int) -> HttpResponse:
    reflection, replies = selectors.reflection_read(actor=request.actor, pk=pk)
    is_owner = reflection.employee_id == request.user.pk
    context = {
        "reflection": reflection,
        "replies": replies,
        "is_owner": is_owner,
        "reply_form": forms.ReplyForm() if reflection.shared_with_coach else None,
        "coaches": selectors.coaches_of(employee_id=reflection.employee_id) if is_owner else [],
    }
    return render(request, "assessments/reflection_detail.html", context)


@require_http_methods(["GET", "POST"])
@policy.page(policy.EMPLOYEE)
def reflection_edit(request: HttpRequest, pk: int) -> HttpResponse:
    reflection = selectors.reflection_get(actor=request.actor, pk=pk, own=True)
    form = forms.ReflectionEditForm(request.POST or None, initial={"body": reflection.body})
    if form_submit(
        request, form, partial(reflection_services.reflection_update, actor=request.actor, reflection=reflection)
    ):
        messages.success(request, _("Your reflection is updated."))
        return redirect("reflection_detail", pk=reflection.pk)
    return render(
        request,
        "assessments/reflection_edit.html",
        {"reflection": reflection, "form": form, "coaches": selectors.coaches_of(employee_id=reflection.employee_id)},
    )


@require_POST
@policy.page(policy.EMPLOYEE)
def reflection_sharing(request: HttpRequest, pk: int) -> HttpResponse:
    """Share a reflection with the coach or take it back; htmx swaps the privacy note in place."""
    reflection = selectors.reflection_get(actor=request.actor, pk=pk, own=True)
    shared = request.POST.get("shared") == "1"
    reflection_services.reflection_update(actor=request.actor, reflection=reflection, shared_with_coach=shared)
    if request.htmx:
        return render(
            request,
            "assessments/reflection_sharing.html",
            {
                "reflection": reflection,
                "coaches": selectors.coaches_of(employee_id=reflection.employee_id),
                "announce": True,
            },
        )
    messages.success(
        request,
        _("Your coach can now read this reflection.")
        if shared
        else _("This reflection is private again: only you can read it."),
    )
    return redirect("reflection_detail", pk=reflection.pk)


@require_POST
@policy.page(policy.EMPLOYEE)
def reflection_delete(request: HttpRequest, pk: int) -> HttpResponse:
    reflection = selectors.reflection_get(actor=request.actor, pk=pk, own=True)
    reflection_services.reflection_delete(actor=request.actor, reflection=reflection)
    messages.success(request, _("The reflection is deleted."))
    return redirect("reflections")


@require_POST
@policy.page(policy.EMPLOYEE, policy.COACH)
def reflection_reply(request: HttpRequest, pk: int) -> HttpResponse:
    reflection = selectors.reflection_get(actor=request.actor, pk=pk)
    form = forms.ReplyForm(request.POST)
    if form.is_valid():
        try:
            reflection_services.reflection_reply(
                actor=request.actor, reflection=reflection, body=form.cleaned_data["body"]
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Your reply is added."))
    else:
        messages.error(request, _("Write your reply first."))
    return redirect("reflection_detail", pk=reflection.pk)


# --- goals --------------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@policy.page(policy.EMPLOYEE, policy.COACH)
def goals(request: HttpRequest) -> HttpResponse:
    """The employee's goals and a new one; a coach sees the goals of the people they coach (a person who
    is both sees each list on its own). Goals shown to their coach are in their owners' access logs."""
    actor = _viewer(request)
    form = forms.GoalForm(request.POST or None) if actor.is_employee else None
    if request.method == "POST":
        if form is None:
            raise Http404(policy.NOT_FOUND)
        created = form_submit(request, form, partial(goal_services.goal_create, actor=actor))
        if created:
            messages.success(request, _("Your goal is set. Add the options you see and a first action."))
            return redirect("goal_detail", pk=created.result.pk)
    status = request.GET.get("status", "")
    status = status if status in Goal.Status.values else ""
    employee_id = _int_or_none(request.GET.get("employee")) if actor.is_coach else actor.user_id
    search = request.GET.get("q", "").strip()[:100] if actor.is_employee else ""
    rows = selectors.goals_list(actor=actor, employee_id=employee_id, status=status, search=search)
    if actor.is_coach:
        rows = rows.exclude(employee_id=actor.user_id)
    page = _page(request, rows)
    context = {
        "form": form,
        "page": page,
        "status": status,
        "statuses": Goal.Status.choices,
        "search": search,
        **_roles_context(request, actor),
        "employee_id": employee_id if actor.is_coach else None,
        "coachees": selectors.coachees(actor=actor) if actor.is_coach else [],
        "overdue": selectors.overdue_actions(actor=actor, employee_id=employee_id, limit=8, others_only=actor.is_coach),
        "coaches": selectors.coaches_of(employee_id=actor.user_id) if actor.is_employee else [],
    }
    return render(request, _fragment(request, "assessments/goals.html", "assessments/goal_rows.html"), context)


def _goal_page(request: HttpRequest, goal: Goal, **forms_in_error) -> HttpResponse:
    """The goal page; forms_in_error replaces the blank form of the part whose input was refused."""
    is_owner = goal.employee_id == request.user.pk
    options = list(goal.options.all())
    context = {
        "goal": goal,
        "is_owner": is_owner,
        "options": options,
        "strongest": selectors.strongest_option(goal),
        "actions": list(goal.actions.all()),
        "check_ins": list(goal.check_ins.all()),
        "comments": list(goal.comments.all()),
        "coaches": selectors.coaches_of(employee_id=goal.employee_id) if is_owner else [],
        "option_form": forms.OptionForm(),
        "comment_form": forms.CommentForm(),
        "action_form": forms.ActionForm() if is_owner else None,
        "check_in_form": forms.CheckInForm(initial={"progress": goal.progress}) if is_owner else None,
        "decision_form": forms.DecisionForm(
            options=options,
            initial={"option": next((o.pk for o in options if o.chosen), None), "decision": goal.decision},
        )
        if is_owner
        else None,
    }
    check_in = _int_or_none(request.GET.get("pulse")) if is_owner else None
    if check_in is not None:  # just checked in: how do they feel? (the service checks the check-in is theirs)
        context.update(
            pulse_form=PulseForm(initial={"check_in": check_in}),
            pulse_next=reverse("goal_detail", kwargs={"pk": goal.pk}) + "#check-ins",
        )
    context.update(forms_in_error)
    return render(request, "assessments/goal_detail.html", context, status=400 if forms_in_error else 200)


@require_GET
@policy.page(policy.EMPLOYEE, policy.COACH)
def goal_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _goal_page(request, selectors.goal_read(actor=request.actor, pk=pk))


@require_http_methods(["GET", "POST"])
@policy.page(policy.EMPLOYEE)
def goal_edit(request: HttpRequest, pk: int) -> HttpResponse:
    goal = selectors.goal_get(actor=request.actor, pk=pk, own=True)
    form = forms.GoalEditForm(
        request.POST or None,
        initial={
            "title": goal.title,
            "why": goal.why,
            "target_date": goal.target_date,
            "status": goal.status,
            "progress": goal.progress,
        },
    )
    if form_submit(request, form, partial(goal_services.goal_update, actor=request.actor, goal=goal)):
        messages.success(request, _("Your goal is updated."))
        return redirect("goal_detail", pk=goal.pk)
    return render(request, "assessments/goal_edit.html", {"goal": goal, "form": form})


@require_POST
@policy.page(policy.EMPLOYEE)
def goal_sharing(request: HttpRequest, pk: int) -> HttpResponse:
    goal = selectors.goal_get(actor=request.actor, pk=pk, own=True)
    shared = request.POST.get("shared") == "1"
    goal_services.goal_sharing_set(actor=request.actor, goal=goal, shared=shared)
    if request.htmx:
        return render(
            request,
            "assessments/goal_sharing.html",
            {"goal": goal, "coaches": selectors.coaches_of(employee_id=goal.employee_id), "announce": True},
        )
    messages.success(
        request,
        _("HR now sees this goal's progress and status, not what it says.")
        if shared
        else _("HR no longer sees this goal's progress."),
    )
    return redirect("goal_detail", pk=goal.pk)


@require_POST
@policy.page(policy.EMPLOYEE)
def goal_delete(request: HttpRequest, pk: int) -> HttpResponse:
    goal = selectors.goal_get(actor=request.actor, pk=pk, own=True)
    goal_services.goal_delete(actor=request.actor, goal=goal)
    messages.success(request, _("The goal and its actions are deleted."))
    return redirect("goals")


def _part_post(request: HttpRequest, form, save, *, success: str, done: str, page) -> HttpResponse:
    """The shape of every form that is one part of a bigger page (a goal, a session's follow-up): the
    service runs and the page is shown again at that part, or `page()` shows it with the form in error."""
    if form_submit(request, form, save):
        messages.success(request, success)
        return redirect(done)
    return page()


def _goal_form_post(
    request: HttpRequest,
    pk: int,
    form_class,
    service,
    form_name: str,
    success: str,
    own: bool = True,
    anchor: str = "",
    **form_kwargs,
) -> HttpResponse:
    goal = selectors.goal_get(actor=request.actor, pk=pk, own=own)
    form = form_class(request.POST, **form_kwargs)
    return _part_post(
        request,
        form,
        partial(service, actor=request.actor, goal=goal),
        success=success,
        done=reverse("goal_detail", kwargs={"pk": goal.pk}) + anchor,
        page=lambda: _goal_page(request, selectors.goal_read(actor=request.actor, pk=pk), **{form_name: form}),
    )


@require_POST
@policy.page(policy.EMPLOYEE, policy.COACH)
def goal_option_add(request: HttpRequest, pk: int) -> HttpResponse:
    return _goal_form_post(
        request,
        pk,
        forms.OptionForm,
        goal_services.option_add,
        "option_form",
        _("The option is added."),
        own=False,
        anchor="#options",
    )


def _goal_part_delete(
    request: HttpRequest, pk: int, model, part_pk: int, delete, success: str, anchor: str
) -> HttpResponse:
    """Remove one option or action of the employee's own goal, back at its place on the goal page."""
    goal = selectors.goal_get(actor=request.actor, pk=pk, own=True)
    delete(policy.get_or_404(request.actor, model, goal=goal, pk=part_pk))
    messages.success(request, success)
    return redirect(reverse("goal_detail", kwargs={"pk": goal.pk}) + anchor)


@require_POST
@policy.page(policy.EMPLOYEE)
def goal_option_delete(request: HttpRequest, pk: int, option_pk: int) -> HttpResponse:
    return _goal_part_delete(
        request,
        pk,
        GoalOption,
        option_pk,
        lambda option: goal_services.option_delete(actor=request.actor, option=option),
        _("The option is removed."),
        "#options",
    )


@require_POST
@policy.page(policy.EMPLOYEE)
def goal_decide(request: HttpRequest, pk: int) -> HttpResponse:
    goal = selectors.goal_get(actor=request.actor, pk=pk, own=True)
    options = list(policy.scope(request.actor, GoalOption).filter(goal=goal))

    def decide(*, actor, goal, option, decision):
        chosen = next((o for o in options if o.pk == option), None)
        return goal_services.goal_decide(actor=actor, goal=goal, option=chosen, decision=decision)

    return _goal_form_post(
        request,
        pk,
        forms.DecisionForm,
        decide,
        "decision_form",
        _("Your decision is recorded."),
        anchor="#decision",
        options=options,
    )


@require_POST
@policy.page(policy.EMPLOYEE)
def goal_action_add(request: HttpRequest, pk: int) -> HttpResponse:
    return _goal_form_post(
        request,
        pk,
        forms.ActionForm,
        goal_services.action_add,
        "action_form",
        _("The action is added."),
        anchor="#actions",
    )


@require_POST
@policy.page(policy.EMPLOYEE)
def goal_action_done(request: HttpRequest, pk: int, action_pk: int) -> HttpResponse:
    """Tick an action off (or on again); htmx swaps just its row."""
    goal = selectors.goal_get(actor=request.actor, pk=pk, own=True)
    action = policy.get_or_404(request.actor, ActionItem, goal=goal, pk=action_pk)
    goal_services.action_set_done(actor=request.actor, action=action, done=request.POST.get("done") == "1")
    if request.htmx:
        return render(request, "assessments/goal_action_row.html", {"action": action, "goal": goal, "is_owner": True})
    return redirect(reverse("goal_detail", kwargs={"pk": goal.pk}) + "#actions")


@require_POST
@policy.page(policy.EMPLOYEE)
def goal_action_delete(request: HttpRequest, pk: int, action_pk: int) -> HttpResponse:
    return _goal_part_delete(
        request,
        pk,
        ActionItem,
        action_pk,
        lambda action: goal_services.action_delete(actor=request.actor, action=action),
        _("The action is removed."),
        "#actions",
    )


@require_POST
@policy.page(policy.EMPLOYEE)
def goal_check_in(request: HttpRequest, pk: int) -> HttpResponse:
    """A check-in on the employee's goal; the goal page then asks how they feel (a pulse at the check-in)."""
    goal = selectors.goal_get(actor=request.actor, pk=pk, own=True)
    form = forms.CheckInForm(request.POST)
    saved = form_submit(request, form, partial(goal_services.check_in_create, actor=request.actor, goal=goal))
    if saved:
        messages.success(request, _("Your check-in is saved."))
        done = reverse("goal_detail", kwargs={"pk": goal.pk})
        return redirect(f"{done}?pulse={saved.result.pk}#pulse")
    return _goal_page(request, selectors.goal_read(actor=request.actor, pk=pk), check_in_form=form)


@require_POST
@policy.page(policy.EMPLOYEE, policy.COACH)
def goal_comment(request: HttpRequest, pk: int) -> HttpResponse:
    return _goal_form_post(
        request,
        pk,
        forms.CommentForm,
        goal_services.comment_add,
        "comment_form",
        _("Your comment is added."),
        own=False,
        anchor="#comments",
    )


# --- following up a session ---------------------------------------------------------------------------


def _follow_up_page(request: HttpRequest, session, **forms_in_error) -> HttpResponse:
    actor = request.actor
    follow_up = selectors.follow_up(actor=actor, session=session)
    context = {"follow_up": follow_up, "session": session, "label": selectors.session_label(session)}
    if follow_up.leads:
        context.update(
            note_form=forms.NoteForm(initial={"body": follow_up.note.body if follow_up.note else ""}),
            summary_form=forms.SummaryForm(initial={"body": follow_up.summary.body if follow_up.summary else ""}),
            people=[
                {
                    "user": person,
                    "rating": follow_up.ratings.get(person.pk),
                    "given": follow_up.feedback_given.get(person.pk),
                    "form": forms.CoachFeedbackForm(
                        initial={"body": getattr(follow_up.feedback_given.get(person.pk), "body", "")},
                        prefix=f"p{person.pk}",
                    ),
                }
                for person in follow_up.participants
            ],
        )
    else:
        context.update(
            coaches=selectors.coaches_of(employee_id=actor.user_id),
            rating_form=forms.RatingForm(
                initial={
                    "rating": getattr(follow_up.my_rating, "rating", None),
                    "comment": getattr(follow_up.my_rating, "comment", ""),
                }
            ),
            reflection_form=forms.ReflectionForm(
                sessions=[(session.pk, context["label"])], initial={"session": session.pk}
            ),
            my_pulse=pulse_selectors.session_pulse(actor=actor, session=session),
            pulse_form=PulseForm(initial={"session": session.pk}),
            pulse_next=reverse("session_follow_up", kwargs={"session_pk": session.pk}) + "#pulse",
        )
    for name, form in forms_in_error.items():
        if name.startswith("p") and name[1:].isdigit():
            for person in context.get("people", []):
                if f"p{person['user'].pk}" == name:
                    person["form"] = form
        else:
            context[name] = form
    return render(request, "assessments/feedback_session.html", context, status=400 if forms_in_error else 200)


@require_GET
@policy.page(policy.EMPLOYEE, policy.COACH)
def session_follow_up(request: HttpRequest, session_pk: int) -> HttpResponse:
    """One session afterwards: reflection, two-way feedback, the shared summary and the coach's own note."""
    return _follow_up_page(request, selectors.follow_up_session(actor=request.actor, pk=session_pk))


def _session_form_post(
    request: HttpRequest,
    session_pk: int,
    form_class,
    save,
    form_name: str,
    success: str,
    anchor: str,
    prefix: str | None = None,
) -> HttpResponse:
    session = selectors.follow_up_session(actor=request.actor, pk=session_pk)
    form = form_class(request.POST, prefix=prefix)
    return _part_post(
        request,
        form,
        lambda **data: save(session, data),
        success=success,
        done=reverse("session_follow_up", kwargs={"session_pk": session.pk}) + anchor,
        page=lambda: _follow_up_page(request, session, **{form_name: form}),
    )


@require_POST
@policy.page(policy.EMPLOYEE)
def session_rating(request: HttpRequest, session_pk: int) -> HttpResponse:
    def save(session, data):
        feedback_services.session_feedback_give(actor=request.actor, session=session, **data)

    return _session_form_post(
        request,
        session_pk,
        forms.RatingForm,
        save,
        "rating_form",
        _("Thank you: your coach sees your feedback."),
        "#rating",
    )


@require_POST
@policy.page(policy.COACH)
def session_coach_feedback(request: HttpRequest, session_pk: int, employee_pk: int) -> HttpResponse:
    def save(session, data):
        feedback_services.coach_feedback_give(
            actor=request.actor, session=session, employee_id=employee_pk, body=data["body"]
        )

    return _session_form_post(
        request,
        session_pk,
        forms.CoachFeedbackForm,
        save,
        f"p{employee_pk}",
        _("Your feedback is saved; they can read it now."),
        f"#person-{employee_pk}",
        prefix=f"p{employee_pk}",
    )


@require_POST
@policy.page(policy.COACH)
def session_note(request: HttpRequest, session_pk: int) -> HttpResponse:
    def save(session, data):
        note_services.session_note_save(actor=request.actor, session=session, body=data["body"])

    return _session_form_post(
        request, session_pk, forms.NoteForm, save, "note_form", _("Your private note is saved."), "#note"
    )


@require_POST
@policy.page(policy.COACH)
def session_note_delete(request: HttpRequest, session_pk: int) -> HttpResponse:
    session = selectors.follow_up_session(actor=request.actor, pk=session_pk)
    note = policy.get_or_404(request.actor, SessionNote, session=session)
    note_services.session_note_delete(actor=request.actor, note=note)
    messages.success(request, _("Your private note is deleted."))
    return redirect(reverse("session_follow_up", kwargs={"session_pk": session.pk}) + "#note")


@require_POST
@policy.page(policy.COACH)
def session_summary(request: HttpRequest, session_pk: int) -> HttpResponse:
    def save(session, data):
        note_services.session_summary_save(actor=request.actor, session=session, body=data["body"])

    return _session_form_post(
        request, session_pk, forms.SummaryForm, save, "summary_form", _("The summary is saved and shared."), "#summary"
    )


# --- HR -----------------------------------------------------------------------------------------------


@require_GET
@policy.page(policy.HR_MANAGER)
def engagement(request: HttpRequest) -> HttpResponse:
    """HR: reflections, goals and feedback in figures per cohort, withheld for small groups."""
    context = {
        **selectors.engagement_overview(actor=request.actor),
        "shared_goals": selectors.shared_goal_progress(actor=request.actor),
    }
    return render(request, "assessments/feedback_engagement.html", context)

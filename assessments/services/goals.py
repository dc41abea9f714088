"""Writes for goals: the employee's goals, the options they weigh and the decision they take, action items,
check-ins, the coach's comments, sharing a goal's progress with HR, and the reminder of overdue actions."""

from __future__ import annotations

import datetime
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from assessments.models.journal import ActionItem, CheckIn, Goal, GoalComment, GoalOption
from assessments.selectors import journal as selectors
from assessments.services.reflections import clean_text
from portal import policy
from tenants.models import User
from tenants.services import organisation_url

# An overdue action is brought up again after this long, until it is done or its goal is closed.
REMIND_AGAIN_AFTER = timedelta(days=7)


def _own(actor: policy.Actor, goal: Goal) -> None:
    if not actor.is_employee or goal.employee_id != actor.user_id:
        raise PermissionDenied(_("Only the person whose goal it is can change it."))


def _employee_or_coach(actor: policy.Actor, goal: Goal) -> None:
    if actor.is_employee and goal.employee_id == actor.user_id:
        return
    if actor.is_coach and selectors.coaches(actor=actor, employee_id=goal.employee_id):
        return
    raise PermissionDenied(_("Only the employee and their coach can do this."))


def _progress(value, field: str = "progress") -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise ValidationError({field: _("Give the progress as a whole number from 0 to 100.")}) from None
    if not 0 <= number <= 100:
        raise ValidationError(
            {field: _("Progress runs from 0 to 100 %%; %(value)s is outside it.") % {"value": number}}
        )
    return number


def _rating(value, field: str) -> int | None:
    if value in (None, ""):
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise ValidationError({field: _("Choose a number from 1 to 5.")}) from None
    if not 1 <= number <= 5:
        raise ValidationError({field: _("Choose a number from 1 to 5.")})
    return number


def _status(value: str) -> str:
    if value not in Goal.Status.values:
        raise ValidationError(
            {
                "status": _("Choose one of: %(choices)s.")
                % {"choices": ", ".join(str(label) for label in Goal.Status.labels)}
            }
        )
    return value


def _target_date(value: datetime.date | None, *, existing: datetime.date | None = None) -> datetime.date | None:
    # A target date in the past is refused only when it is newly set: old goals keep theirs.
    if value is not None and value != existing and value < timezone.localdate():
        raise ValidationError({"target_date": _("Choose a target date from today onwards.")})
    return value


def goal_create(*, actor: policy.Actor, title: str, why: str = "", target_date: datetime.date | None = None) -> Goal:
    policy.require(actor, policy.EMPLOYEE)
    return Goal.objects.create(
        employee_id=actor.user_id,
        title=clean_text(title, field="title", max_length=200, empty_message=_("Name your goal.")),
        why=clean_text(why, field="why", required=False),
        target_date=_target_date(target_date),
    )


def goal_update(
    *,
    actor: policy.Actor,
    goal: Goal,
    title: str | None = None,
    why: str | None = None,
    target_date: datetime.date | None | type[Ellipsis] = ...,
    status: str | None = None,
    progress: int | None = None,
) -> Goal:
    """Change what the employee names; arguments left out keep their value (target_date=None clears it)."""
    _own(actor, goal)
    fields = ["updated_at"]
    if title is not None:
        goal.title = clean_text(title, field="title", max_length=200, empty_message=_("Name your goal."))
        fields.append("title")
    if why is not None:
        goal.why = clean_text(why, field="why", required=False)
        fields.append("why")
    if target_date is not ...:
        goal.target_date = _target_date(target_date, existing=goal.target_date)
        fields.append("target_date")
    if status is not None:
        goal.status = _status(status)
        fields.append("status")
    if progress is not None:
        goal.progress = _progress(progress)
        fields.append("progress")
    goal.save(update_fields=fields)
    return goal


def goal_sharing_set(*, actor: policy.Actor, goal: Goal, shared: bool) -> Goal:
    """Let HR see this goal's progress and status (never its text), or stop it."""
    _own(actor, goal)
    goal.progress_shared_with_hr = shared
    goal.save(update_fields=["progress_shared_with_hr", "updated_at"])
    return goal


def goal_delete(*, actor: policy.Actor, goal: Goal) -> None:
    _own(actor, goal)
    goal.delete()


# --- deciding -----------------------------------------------------------------------------------------


def option_add(
    *, actor: policy.Actor, goal: Goal, title: str, pros: str = "", cons: str = "", impact=None, feasibility=None
) -> GoalOption:
    """An option to weigh: the employee adds their own, the coach may offer one."""
    _employee_or_coach(actor, goal)
    if goal.options.count() >= 12:
        raise ValidationError({"title": _("A goal can have at most 12 options; remove one first.")})
    return GoalOption.objects.create(
        goal=goal,
        added_by_id=actor.user_id,
        title=clean_text(title, field="title", max_length=200, empty_message=_("Name the option.")),
        pros=clean_text(pros, field="pros", required=False, max_length=2_000),
        cons=clean_text(cons, field="cons", required=False, max_length=2_000),
        impact=_rating(impact, "impact"),
        feasibility=_rating(feasibility, "feasibility"),
    )


def option_rate(*, actor: policy.Actor, option: GoalOption, impact, feasibility) -> GoalOption:
    _own(actor, option.goal)
    option.impact = _rating(impact, "impact")
    option.feasibility = _rating(feasibility, "feasibility")
    option.save(update_fields=["impact", "feasibility"])
    return option


def option_delete(*, actor: policy.Actor, option: GoalOption) -> None:
    _own(actor, option.goal)
    option.delete()


@transaction.atomic
def goal_decide(*, actor: policy.Actor, goal: Goal, option: GoalOption | None, decision: str = "") -> Goal:
    """The employee takes the decision: one option chosen (or none), in their own words."""
    _own(actor, goal)
    if option is not None and option.goal_id != goal.pk:
        raise ValidationError({"option": _("Choose one of this goal's options.")})
    default = option.title if option is not None else ""
    text = clean_text(
        decision or default,
        field="decision",
        max_length=2_000,
        empty_message=_("Describe the decision you took, or choose one of the options."),
    )
    GoalOption.objects.filter(goal=goal, chosen=True).update(chosen=False)
    if option is not None:
        GoalOption.objects.filter(pk=option.pk).update(chosen=True)
    goal.decision = text
    goal.decided_at = timezone.now()
    goal.save(update_fields=["decision", "decided_at", "updated_at"])
    return goal


# --- acting and checking in ---------------------------------------------------------------------------


def action_add(*, actor: policy.Actor, goal: Goal, title: str, due_on: datetime.date | None = None) -> ActionItem:
    _own(actor, goal)
    if due_on is not None and due_on < timezone.localdate():
        raise ValidationError({"due_on": _("Choose a due date from today onwards.")})
    return ActionItem.objects.create(
        goal=goal,
        due_on=due_on,
        title=clean_text(title, field="title", max_length=200, empty_message=_("Name the action.")),
    )


def action_set_done(*, actor: policy.Actor, action: ActionItem, done: bool) -> ActionItem:
    _own(actor, action.goal)
    action.done_at = timezone.now() if done else None
    action.save(update_fields=["done_at"])
    return action


def action_delete(*, actor: policy.Actor, action: ActionItem) -> None:
    _own(actor, action.goal)
    action.delete()


@transaction.atomic
def check_in_create(*, actor: policy.Actor, goal: Goal, progress, note: str = "") -> CheckIn:
    """Where the goal stands now: the figure becomes the goal's progress."""
    _own(actor, goal)
    value = _progress(progress)
    check_in = CheckIn.objects.create(
        goal=goal,
        author_id=actor.user_id,
        progress=value,
        note=clean_text(note, field="note", required=False, max_length=5_000),
    )
    goal.progress = value
    goal.save(update_fields=["progress", "updated_at"])
    return check_in


def comment_add(*, actor: policy.Actor, goal: Goal, body: str) -> GoalComment:
    _employee_or_coach(actor, goal)
    return GoalComment.objects.create(
        goal=goal,
        author_id=actor.user_id,
        body=clean_text(body, field="body", max_length=5_000, empty_message=_("Write your comment first.")),
    )


# --- reminders ----------------------------------------------------------------------------------------


def overdue_reminders_send(*, organisation, now: datetime.datetime | None = None) -> int:
    """Email each employee with actions past their due date, at most once a week per action.

    Runs in the organisation's schema. The email says how many actions are overdue, not what they are:
    a work mailbox is not the place for coaching content. Two workers running this at once remind each
    action once (rows one has locked, the other skips). Returns how many people were reminded.
    """

    now = now or timezone.now()
    with transaction.atomic():
        due = list(
            ActionItem.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(done_at__isnull=True, due_on__lt=timezone.localdate(now), goal__status=Goal.Status.ACTIVE)
            .exclude(reminded_at__gt=now - REMIND_AGAIN_AFTER)
            .values_list("pk", "goal__employee_id", "due_on")
        )
        ActionItem.objects.filter(pk__in=[pk for pk, _employee, _due in due]).update(reminded_at=now)
    per_employee: dict[int, list] = {}
    for _pk, employee_id, due_on in due:
        per_employee.setdefault(employee_id, []).append(due_on)
    if not per_employee:
        return 0
    link = organisation_url(organisation, "/goals/")
    people = User.objects.filter(pk__in=per_employee, is_active=True).only("email", "first_name", "language")
    for person in people:
        dates = per_employee[person.pk]
        with translation.override(person.language or organisation.default_language):
            subject = _("A reminder about your goals")
            body = render_to_string(
                "assessments/goal_reminder_email.txt",
                {
                    "person": person,
                    "count": len(dates),
                    "oldest": min(dates),
                    "link": link,
                    "organisation": organisation,
                },
            )
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [person.email])
    return len(people)

"""Writes for assessments in programmes: scheduling a phase, answering with autosave, submitting, releasing
and reminding.

Answers are saved one by one as they are given (the page saves each on change), so a closed tab or a
second device loses nothing. Every write to an assessment locks its row first: a save racing a submit
either lands before the submission or is refused after it, never in between. Once submitted, nothing
about the answers changes again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import DateField, ExpressionWrapper, F, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from assessments import scoring
from assessments.models import Answer, Assignment, Choice, InstrumentVersion, PhaseAssessment, Question, Score
from assessments.services.instruments import version_freeze
from portal import policy
from programmes.models import LIVE_ENROLMENT, Enrolment, Phase
from tenants.services import organisation_url
from webhooks import outbox

MOMENT_OF_PHASE = {
    Phase.Kind.INTAKE: PhaseAssessment.Moment.INITIAL,
    Phase.Kind.MIDPOINT: PhaseAssessment.Moment.MIDPOINT,
    Phase.Kind.FINAL: PhaseAssessment.Moment.FINAL,
}
# Reminders: from `reminder_days_before` the due date, at most every few days, until a while after it.
REMIND_EVERY_DAYS = 3
REMIND_UNTIL_DAYS_LATE = 14
MAX_TEXT_ANSWER = 10_000


@dataclass
class AnswerInput:
    """One answer as given: a number on the scale, an option, or words. All empty clears the answer."""

    question_id: int
    value: int | None = None
    choice_id: int | None = None
    text: str = ""


# --- scheduling -------------------------------------------------------------------------------------


@transaction.atomic
def phase_assessment_schedule(
    *,
    actor: policy.Actor,
    phase: Phase,
    version: InstrumentVersion,
    moment: str,
    opens_on: date,
    due_on: date,
    reminder_days_before: int = 3,
) -> PhaseAssessment:
    """Ask everyone enrolled in the phase's programme to complete `version` between the two dates.

    The version freezes: from now on editing the instrument makes a new version, and these answers keep
    their meaning. People enrolled later get theirs from `assignments_sync` (run daily with reminders).
    """
    policy.require(actor, policy.HR_MANAGER)
    version = InstrumentVersion.objects.select_related("instrument").get(pk=version.pk)
    errors = {}
    if moment not in PhaseAssessment.Moment.values:
        errors["moment"] = _("Choose initial, midpoint or final.")
    if version.instrument.archived_at is not None or not version.is_latest:
        errors["version"] = _("Choose the current version of an instrument that is still in use.")
    elif not version.questions.exists():
        errors["version"] = _("This instrument has no questions yet.")
    if due_on < opens_on:
        errors["due_on"] = _("The due date must be on or after the day it opens.")
    if not 0 <= reminder_days_before <= 60:
        errors["reminder_days_before"] = _("Remind between 0 and 60 days before the due date.")
    if (
        not errors
        and PhaseAssessment.objects.filter(
            programme_id=phase.programme_id, instrument_id=version.instrument_id, moment=moment
        ).exists()
    ):
        errors["moment"] = _("This programme already has a %(moment)s with this instrument.") % {
            "moment": PhaseAssessment.Moment(moment).label.lower()
        }
    if errors:
        raise ValidationError(errors)
    version_freeze(version=version)
    scheduled = PhaseAssessment.objects.create(
        programme_id=phase.programme_id,
        phase=phase,
        instrument_id=version.instrument_id,
        version=version,
        moment=moment,
        opens_on=opens_on,
        due_on=due_on,
        reminder_days_before=reminder_days_before,
        created_by=actor.user,
    )
    assignments_sync(phase_assessment=scheduled)
    outbox.assessment_released(scheduled)
    return scheduled


@transaction.atomic
def phase_assessment_update(
    *, actor: policy.Actor, phase_assessment: PhaseAssessment, opens_on: date, due_on: date, reminder_days_before: int
) -> PhaseAssessment:
    """Move the dates or the reminder of a scheduled assessment (the instrument itself stays)."""
    policy.require(actor, policy.HR_MANAGER)
    errors = {}
    if due_on < opens_on:
        errors["due_on"] = _("The due date must be on or after the day it opens.")
    if not 0 <= reminder_days_before <= 60:
        errors["reminder_days_before"] = _("Remind between 0 and 60 days before the due date.")
    if errors:
        raise ValidationError(errors)
    phase_assessment.opens_on, phase_assessment.due_on = opens_on, due_on
    phase_assessment.reminder_days_before = reminder_days_before
    phase_assessment.save(update_fields=["opens_on", "due_on", "reminder_days_before"])
    return phase_assessment


@transaction.atomic
def phase_assessment_cancel(*, actor: policy.Actor, phase_assessment: PhaseAssessment) -> None:
    """Withdraw a scheduled assessment, as long as nobody has started answering it."""
    policy.require(actor, policy.HR_MANAGER)
    locked = PhaseAssessment.objects.select_for_update().get(pk=phase_assessment.pk)
    if locked.assignments.filter(started_at__isnull=False).exists():
        raise ValidationError(
            _(
                "People have started answering this assessment, so it can no longer be "
                "withdrawn. You can move its dates instead."
            )
        )
    version_id = locked.version_id
    locked.delete()
    # Nobody answered it: unless another phase uses the version too, it may be edited in place again.
    if not PhaseAssessment.objects.filter(version_id=version_id).exists():
        InstrumentVersion.objects.filter(pk=version_id).update(frozen_at=None)


def assignments_sync(*, phase_assessment: PhaseAssessment) -> int:
    """Give everyone enrolled in the programme who has no assessment for this moment yet theirs."""
    enrolments = (
        Enrolment.objects.filter(programme_id=phase_assessment.programme_id, status__in=LIVE_ENROLMENT)
        .exclude(pk__in=phase_assessment.assignments.values("enrolment_id"))
        .values_list("pk", "employee_id")
    )
    created = Assignment.objects.bulk_create(
        [
            Assignment(
                phase_assessment=phase_assessment,
                enrolment_id=enrolment_id,
                employee_id=employee_id,
                version_id=phase_assessment.version_id,
            )
            for enrolment_id, employee_id in enrolments
        ],
        ignore_conflicts=True,
    )
    return len(created)


def assignments_sync_all() -> int:
    """`assignments_sync` for every scheduled assessment still open (picks up later enrolments)."""
    today = timezone.localdate()
    return sum(
        assignments_sync(phase_assessment=scheduled)
        for scheduled in PhaseAssessment.objects.filter(due_on__gte=today - timedelta(days=REMIND_UNTIL_DAYS_LATE))
    )


# --- answering --------------------------------------------------------------------------------------


def _lock_open(assignment: Assignment, *, actor: policy.Actor) -> Assignment:
    """The assessment row, locked, once it is sure the actor may still answer it."""
    locked = (
        Assignment.objects.select_for_update(of=("self",))
        .select_related("phase_assessment__instrument")
        .get(pk=assignment.pk)
    )
    if locked.employee_id != actor.user_id:
        raise ValidationError(_("Only the person it was given to can answer this assessment."))
    if locked.submitted_at is not None:
        raise ValidationError(_("This assessment has been submitted; its answers can no longer change."))
    if locked.phase_assessment.opens_on > timezone.localdate():
        raise ValidationError(
            _("This assessment opens on %(date)s.") % {"date": locked.phase_assessment.opens_on.isoformat()}
        )
    return locked


def _clean_answer(question: Question, given: AnswerInput, choices: dict[int, Choice]) -> dict | None:
    """The answer's fields, None to clear it, or a ValidationError naming what is wrong."""
    number = question.position
    if question.is_scale:
        if given.value is None:
            return None
        if (
            isinstance(given.value, bool)
            or not isinstance(given.value, int)
            or not 1 <= given.value <= question.scale_max
        ):
            raise ValidationError(
                _("Question %(number)d: choose a whole number from 1 to %(max)d.")
                % {"number": number, "max": question.scale_max}
            )
        return {"value": given.value, "choice": None, "text": ""}
    if question.kind == Question.Kind.CHOICE:
        if given.choice_id is None:
            return None
        choice = choices.get(given.choice_id)
        if choice is None or choice.question_id != question.pk:
            raise ValidationError(_("Question %(number)d: choose one of its options.") % {"number": number})
        return {"value": None, "choice": choice, "text": ""}
    text = (given.text or "").strip()
    if not text:
        return None
    if len(text) > MAX_TEXT_ANSWER:
        raise ValidationError(
            _("Question %(number)d: keep the answer under %(max)d characters.")
            % {"number": number, "max": MAX_TEXT_ANSWER}
        )
    return {"value": None, "choice": None, "text": text}


@transaction.atomic
def answers_save(*, actor: policy.Actor, assignment: Assignment, answers: list[AnswerInput]) -> Assignment:
    """Save the answers given (each replaces that question's earlier answer); all of them or, when one is
    wrong, none. Questions not named keep their answers."""
    locked = _lock_open(assignment, actor=actor)
    question_ids = [given.question_id for given in answers]
    questions = {
        question.pk: question for question in Question.objects.filter(version_id=locked.version_id, pk__in=question_ids)
    }
    choices = {choice.pk: choice for choice in Choice.objects.filter(question_id__in=questions)}
    unknown = [str(pk) for pk in question_ids if pk not in questions]
    if unknown:
        raise ValidationError(
            _("These questions are not part of this assessment: %(ids)s.") % {"ids": ", ".join(unknown)}
        )
    now = timezone.now()
    to_save, to_clear = [], []
    for given in answers:
        cleaned = _clean_answer(questions[given.question_id], given, choices)
        if cleaned is None:
            to_clear.append(given.question_id)
        else:
            to_save.append(Answer(assignment=locked, question_id=given.question_id, saved_at=now, **cleaned))
    if to_clear:
        locked.answers.filter(question_id__in=to_clear).delete()
    if to_save:
        Answer.objects.bulk_create(
            to_save,
            update_conflicts=True,
            unique_fields=["assignment", "question"],
            update_fields=["value", "choice", "text", "saved_at"],
        )
    locked.last_saved_at = now
    locked.started_at = locked.started_at or now
    locked.save(update_fields=["last_saved_at", "started_at"])
    return locked


def answer_save(*, actor: policy.Actor, assignment: Assignment, given: AnswerInput) -> Assignment:
    """One answer, saved the moment it is given (the answering page calls this on every change)."""
    return answers_save(actor=actor, assignment=assignment, answers=[given])


@transaction.atomic
def assignment_submit(*, actor: policy.Actor, assignment: Assignment) -> Assignment:
    """Hand in the answers: every required question must be answered. Scores are computed once, here."""
    locked = _lock_open(assignment, actor=actor)
    questions = list(
        Question.objects.filter(version_id=locked.version_id).select_related("dimension").prefetch_related("choices")
    )
    answers = {answer.question_id: answer for answer in locked.answers.select_related("choice")}
    missing = [question.position for question in questions if question.required and question.pk not in answers]
    if missing:
        raise ValidationError(
            _("Answer every required question first. Still open: %(numbers)s.")
            % {"numbers": ", ".join(str(number) for number in missing)}
        )
    _scores_write(locked, questions, answers)
    locked.submitted_at = timezone.now()
    locked.release_required = locked.phase_assessment.instrument.results_need_release
    locked.save(update_fields=["submitted_at", "release_required"])
    outbox.assessment_submitted(locked)
    return locked


def scoring_items(questions: list[Question]) -> tuple[list[scoring.Item], dict[int, int]]:
    """The scored items of a version's questions, and each single-choice option's score."""
    items, option_scores = [], {}
    for question in questions:
        if question.dimension_id is None:
            continue
        if question.is_scale:
            items.append(
                scoring.Item(question.pk, question.dimension_id, 1, question.scale_max, question.reverse_scored)
            )
        elif question.kind == Question.Kind.CHOICE:
            scores = [choice.score for choice in question.choices.all() if choice.score is not None]
            option_scores.update({choice.pk: choice.score for choice in question.choices.all()})
            if len(set(scores)) >= 2:
                items.append(
                    scoring.Item(question.pk, question.dimension_id, min(scores), max(scores), question.reverse_scored)
                )
    return items, option_scores


def _scores_write(assignment: Assignment, questions: list[Question], answers: dict[int, Answer]) -> None:
    items, option_scores = scoring_items(questions)
    raw = {}
    for question_id, answer in answers.items():
        if answer.value is not None:
            raw[question_id] = answer.value
        elif answer.choice_id is not None and option_scores.get(answer.choice_id) is not None:
            raw[question_id] = option_scores[answer.choice_id]
    results = scoring.dimension_scores(items, raw)
    keys = {question.dimension_id: question.dimension.key for question in questions if question.dimension_id}
    Score.objects.bulk_create(
        Score(
            assignment=assignment,
            dimension_id=dimension_id,
            dimension_key=keys[dimension_id],
            value=result.value,
            answered=result.answered,
            items=result.items,
        )
        for dimension_id, result in results.items()
    )


@transaction.atomic
def assignment_release(*, actor: policy.Actor, assignment: Assignment) -> Assignment:
    """The coach has gone through the results and lets the employee see their scores."""
    locked = Assignment.objects.select_for_update().get(pk=assignment.pk)
    if not actor.is_coach:
        raise ValidationError(_("Only the employee's coach can release these results."))
    if locked.submitted_at is None:
        raise ValidationError(_("There is nothing to release until the assessment has been submitted."))
    if locked.released_at is None:
        locked.released_at, locked.released_by = timezone.now(), actor.user
        locked.save(update_fields=["released_at", "released_by"])
    return locked


# --- reminders --------------------------------------------------------------------------------------


def reminders_due(today: date):
    """Open assessments whose reminder window has started, not reminded in the last few days."""
    window_opens = ExpressionWrapper(
        F("phase_assessment__due_on") - F("phase_assessment__reminder_days_before"), output_field=DateField()
    )
    return (
        Assignment.objects.filter(
            submitted_at__isnull=True,
            enrolment__status__in=LIVE_ENROLMENT,
            phase_assessment__opens_on__lte=today,
            phase_assessment__due_on__gte=today - timedelta(days=REMIND_UNTIL_DAYS_LATE),
        )
        .alias(window_opens=window_opens)
        .filter(window_opens__lte=today)
        .filter(Q(reminded_at__isnull=True) | Q(reminded_at__date__lte=today - timedelta(days=REMIND_EVERY_DAYS)))
        .select_related("employee", "version", "phase_assessment")
    )


def reminders_send(*, organisation, now: datetime | None = None) -> int:
    """Email each employee whose assessment is due soon or overdue; returns how many were sent.

    Runs in `organisation`'s schema. The rows are claimed (marked reminded, locked rows skipped) before
    any email goes out, so two workers running at once never remind anyone twice.
    """

    now = now or timezone.now()
    today = timezone.localdate(now)
    with transaction.atomic():
        claimed = list(reminders_due(today).select_for_update(of=("self",), skip_locked=True))
        Assignment.objects.filter(pk__in=[a.pk for a in claimed]).update(reminded_at=now)
    sent = 0
    for assignment in claimed:
        employee = assignment.employee
        if not employee.is_active or not employee.email:
            continue
        link = organisation_url(organisation, reverse("assignment_answer", args=[assignment.pk]))
        with translation.override(employee.language or organisation.default_language):
            context = {
                "employee": employee,
                "organisation": organisation,
                "link": link,
                "title": assignment.version.title,
                "due_on": assignment.phase_assessment.due_on,
                "overdue": assignment.phase_assessment.due_on < today,
            }
            subject = _("Reminder: %(title)s") % {"title": context["title"]}
            body = render_to_string("assessments/assignment_reminder_email.txt", context)
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [employee.email])
        sent += 1
    return sent

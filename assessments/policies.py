"""Access rules of this app, registered with portal.policy."""

# --- reflections, goals, feedback, notes, access log ---
# The confidentiality table of DESIGN.md, row by row. HR has no rule that yields journal content: its
# figures come from the cells reports.disclosure releases (at least MIN_AGGREGATE_GROUP_SIZE contributors), and the one
# exception the employee opts into (a goal's progress) is the SharedGoalProgress proxy.
from django.db.models import Q as _Q  # noqa: E402
from django.db.models import QuerySet as _QuerySet  # noqa: E402

from assessments.models import journal as _journal  # noqa: E402
from portal import policy as _policy  # noqa: E402
from programmes.models import Cohort as _Cohort  # noqa: E402
from programmes.models import Enrolment as _Enrolment  # noqa: E402
from programmes.policies import employee_session_ids as _employee_session_ids  # noqa: E402

_NOTHING = _Q(pk__in=[])


def coachee_ids(actor: _policy.Actor) -> _QuerySet:
    """The employees `actor` coaches in this organisation: as their enrolment's coach or their cohort's."""
    if not actor.is_coach:
        return _Enrolment.objects.none().values("employee_id")
    return (
        _Enrolment.objects.filter(_Q(coach_id=actor.user_id) | _Q(cohort__coaches=actor.user_id))
        .exclude(status=_Enrolment.Status.WITHDRAWN)
        .values("employee_id")
    )


def session_participation(actor: _policy.Actor, prefix: str = "") -> _Q:
    """Sessions the acting employee takes part in: their 1:1s and their cohort's group sessions."""
    if not actor.is_employee:
        return _NOTHING
    return _Q(**{f"{prefix}pk__in": _employee_session_ids(actor)})


@_policy.rule(_journal.AccessLogEntry)
def access_log_visible(actor: _policy.Actor, entries: _QuerySet) -> _QuerySet:
    # Only the person whose data was read sees who read it.
    return entries.filter(owner_id=actor.user_id) if actor.is_employee else entries.none()


@_policy.rule(_journal.Reflection)
def reflections_visible(actor: _policy.Actor, reflections: _QuerySet) -> _QuerySet:
    visible = _NOTHING
    if actor.is_employee:
        visible |= _Q(employee_id=actor.user_id)
    if actor.is_coach:
        visible |= _Q(shared_with_coach=True, employee_id__in=coachee_ids(actor))
    return reflections.filter(visible)


@_policy.rule(_journal.ReflectionReply)
def reflection_replies_visible(actor: _policy.Actor, replies: _QuerySet) -> _QuerySet:
    return replies.filter(reflection__in=reflections_visible(actor, _journal.Reflection.objects.all()))


@_policy.rule(_journal.Goal)
def goals_visible(actor: _policy.Actor, goals: _QuerySet) -> _QuerySet:
    visible = _NOTHING
    if actor.is_employee:
        visible |= _Q(employee_id=actor.user_id)
    if actor.is_coach:
        visible |= _Q(employee_id__in=coachee_ids(actor))
    return goals.filter(visible)


@_policy.rule(_journal.SharedGoalProgress)
def shared_goal_progress_visible(actor: _policy.Actor, goals: _QuerySet) -> _QuerySet:
    # Rows only: selectors read progress and status from these, never the title or the why.
    return goals.filter(progress_shared_with_hr=True) if actor.is_hr else goals.none()


def _goal_part_rule(model) -> None:
    @_policy.rule(model)
    def visible(actor: _policy.Actor, rows: _QuerySet) -> _QuerySet:
        return rows.filter(goal__in=goals_visible(actor, _journal.Goal.objects.all()))


for _model in (_journal.GoalOption, _journal.ActionItem, _journal.CheckIn, _journal.GoalComment):
    _goal_part_rule(_model)


@_policy.rule(_journal.SessionFeedback)
def session_feedback_visible(actor: _policy.Actor, feedback: _QuerySet) -> _QuerySet:
    visible = _NOTHING
    if actor.is_employee:
        visible |= _Q(employee_id=actor.user_id)
    if actor.is_coach:
        visible |= _Q(session__coach_id=actor.user_id)  # about their own sessions only
    return feedback.filter(visible)


@_policy.rule(_journal.CoachFeedback)
def coach_feedback_visible(actor: _policy.Actor, feedback: _QuerySet) -> _QuerySet:
    visible = _NOTHING
    if actor.is_employee:
        visible |= _Q(employee_id=actor.user_id)
    if actor.is_coach:
        visible |= _Q(coach_id=actor.user_id)
    return feedback.filter(visible)


@_policy.rule(_journal.SessionNote)
def session_notes_visible(actor: _policy.Actor, notes: _QuerySet) -> _QuerySet:
    # Author only: not the employee, not another coach of the same employee, not HR.
    return notes.filter(author_id=actor.user_id) if actor.is_coach else notes.none()


@_policy.rule(_journal.SessionSummary)
def session_summaries_visible(actor: _policy.Actor, summaries: _QuerySet) -> _QuerySet:
    visible = session_participation(actor, "session__")
    if actor.is_coach:
        visible |= (
            _Q(session__coach_id=actor.user_id)
            | _Q(session__enrolment__employee_id__in=coachee_ids(actor))
            | _Q(
                session__kind="group", session__cohort_id__in=_Cohort.objects.filter(coaches=actor.user_id).values("pk")
            )
        )
    return summaries.filter(visible)


# --- pulses ---
# A pulse is the employee's; their coach reads it only once they share it, and only a coach of the
# enrolment it was given in (the 1:1 coach or a coach of its cohort, while they are). A coach who is
# replaced reads nothing of it from then on. HR reads no pulse: its figure is the average per group that
# reports.disclosure releases.
from assessments.models import pulse as _pulse  # noqa: E402


def coached_enrolment_ids(actor: _policy.Actor) -> _QuerySet:
    """The enrolments `actor` coaches here: as the 1:1 coach or as a coach of the cohort."""
    if not actor.is_coach:
        return _Enrolment.objects.none().values("pk")
    return (
        _Enrolment.objects.filter(_Q(coach_id=actor.user_id) | _Q(cohort__coaches=actor.user_id))
        .exclude(status=_Enrolment.Status.WITHDRAWN)
        .values("pk")
    )


@_policy.rule(_pulse.Pulse)
def pulses_visible(actor: _policy.Actor, pulses: _QuerySet) -> _QuerySet:
    visible = _NOTHING
    if actor.is_employee:
        visible |= _Q(employee_id=actor.user_id)
    if actor.is_coach:
        visible |= _Q(shared_with_coach=True, enrolment_id__in=coached_enrolment_ids(actor))
    return pulses.filter(visible)


# --- instruments, assignments, results ---
# Instruments are the organisation's working material: HR and coaches see them all; an employee sees the
# versions they were asked to answer. An employee's answers and scores are theirs and their coaches'
# (coachee_ids above), a coach seeing them once submitted; scores that wait for release reach the employee
# when the coach releases them. HR has no rule that yields an assessment, an answer or a score: its
# figures are the sums per cell that reports.disclosure releases, and nothing else.
from assessments.models import instruments as _instruments  # noqa: E402


def _my_versions(actor: _policy.Actor) -> _QuerySet:
    return _instruments.Assignment.objects.filter(employee_id=actor.user_id).values("version_id")


@_policy.rule(_instruments.Instrument)
def instruments_visible(actor: _policy.Actor, instruments: _QuerySet) -> _QuerySet:
    if actor.is_hr or actor.is_coach:
        return instruments
    if actor.is_employee:
        return instruments.filter(versions__in=_my_versions(actor)).distinct()
    return instruments.none()


@_policy.rule(_instruments.InstrumentVersion)
def instrument_versions_visible(actor: _policy.Actor, versions: _QuerySet) -> _QuerySet:
    if actor.is_hr or actor.is_coach:
        return versions
    if actor.is_employee:
        return versions.filter(pk__in=_my_versions(actor))
    return versions.none()


def _version_part_rule(model, path: str) -> None:
    @_policy.rule(model)
    def visible(actor: _policy.Actor, rows: _QuerySet) -> _QuerySet:
        if actor.is_hr or actor.is_coach:
            return rows
        if actor.is_employee:
            return rows.filter(**{f"{path}__in": _my_versions(actor)})
        return rows.none()


for _model, _path in (
    (_instruments.Dimension, "version_id"),
    (_instruments.Question, "version_id"),
    (_instruments.Choice, "question__version_id"),
    (_instruments.Band, "dimension__version_id"),
):
    _version_part_rule(_model, _path)


@_policy.rule(_instruments.PhaseAssessment)
def phase_assessments_visible(actor: _policy.Actor, scheduled: _QuerySet) -> _QuerySet:
    if actor.is_hr:
        return scheduled
    visible = _NOTHING
    if actor.is_employee:
        visible |= _Q(assignments__employee_id=actor.user_id)
    if actor.is_coach:
        visible |= _Q(assignments__employee_id__in=coachee_ids(actor))
    return scheduled.filter(pk__in=_instruments.PhaseAssessment.objects.filter(visible).values("pk"))


def assignments_filter(actor: _policy.Actor, prefix: str = "") -> _Q:
    """The assessments whose progress `actor` may follow: their own, and those of the people they coach."""
    visible = _NOTHING
    if actor.is_employee:
        visible |= _Q(**{f"{prefix}employee_id": actor.user_id})
    if actor.is_coach:
        visible |= _Q(**{f"{prefix}employee_id__in": coachee_ids(actor)})
    return visible


@_policy.rule(_instruments.Assignment)
def assignments_visible(actor: _policy.Actor, assignments: _QuerySet) -> _QuerySet:
    return assignments.filter(assignments_filter(actor))


def _submitted_coachee(actor: _policy.Actor, prefix: str) -> _Q:
    if not actor.is_coach:
        return _NOTHING
    return _Q(**{f"{prefix}employee_id__in": coachee_ids(actor), f"{prefix}submitted_at__isnull": False})


@_policy.rule(_instruments.Answer)
def answers_visible(actor: _policy.Actor, answers: _QuerySet) -> _QuerySet:
    visible = _submitted_coachee(actor, "assignment__")
    if actor.is_employee:
        visible |= _Q(assignment__employee_id=actor.user_id)
    return answers.filter(visible)


@_policy.rule(_instruments.Score)
def scores_visible(actor: _policy.Actor, scores: _QuerySet) -> _QuerySet:
    visible = _submitted_coachee(actor, "assignment__")
    if actor.is_employee:
        visible |= _Q(assignment__employee_id=actor.user_id) & (
            _Q(assignment__release_required=False) | _Q(assignment__released_at__isnull=False)
        )
    return scores.filter(visible)


# --- reads of someone else's content ---
# Every row of these models that `policy.scope` hands to someone other than its owner is written in the
# owner's access log ("who has seen my data"), one INSERT per list: no page, fragment, API answer or PDF
# can show another person's content without it. A part of a goal (an action, a check-in, an option) is
# logged as the goal; an answer or a score as the assessment. A row loaded without its content fields
# (a list of names and dates) is not a read. Only a coach's rules admit other people's rows.
from assessments.read_audit import record_reads_together as _record_reads_together  # noqa: E402

_policy.record_reads_with(_record_reads_together)
_policy.audit(_journal.Reflection, kind="reflection", owner="employee_id", content=("body",))
_policy.audit(_journal.Goal, kind="goal", owner="employee_id", content=("title", "why", "decision"))
_policy.audit(_journal.ActionItem, kind="goal", owner="goal__employee_id", object="goal_id", content=("title",))
_policy.audit(_journal.CheckIn, kind="goal", owner="goal__employee_id", object="goal_id", content=("progress", "note"))
_policy.audit(
    _journal.GoalOption, kind="goal", owner="goal__employee_id", object="goal_id", content=("title", "pros", "cons")
)
_policy.audit(_journal.SessionFeedback, kind="feedback", owner="employee_id", content=("rating", "comment"))
_policy.audit(_pulse.Pulse, kind="pulse", owner="employee_id", content=("feeling", "energy", "confidence", "note"))
_policy.audit(
    _instruments.Answer,
    kind="answers",
    owner="assignment__employee_id",
    object="assignment_id",
    content=("value", "text", "choice_id"),
)
_policy.audit(
    _instruments.Score, kind="result", owner="assignment__employee_id", object="assignment_id", content=("value",)
)

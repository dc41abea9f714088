"""Reads for assessments and results: an employee's own, a coach's view of their coachees, HR's aggregates.

Every individual figure comes through the policy (scope of Assignment, Answer and Score). HR's figures
are sums of the cells `reports.disclosure` released (threshold on contributors, margins without withheld
cells, the change rule). Query counts do not grow with the data.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.paginator import Paginator
from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils.translation import gettext as _

from assessments import charts, scoring
from assessments.models import Answer, Assignment, Band, Dimension, PhaseAssessment, Question, Score
from assessments.policies import coachee_ids
from portal import policy
from programmes.models import LIVE_ENROLMENT, Cohort
from reports import disclosure
from tenants.models import User

MOMENT_ORDER = [PhaseAssessment.Moment.INITIAL, PhaseAssessment.Moment.MIDPOINT, PhaseAssessment.Moment.FINAL]
STEP_SIZE = 5  # questions per step when answering


def _count_of(model, link: str, **extra):
    """A correlated COUNT(*) subquery: the rows of `model` whose `link` is the outer row."""
    rows = model.objects.filter(**{link: OuterRef("pk")}, **extra).order_by().values(link)
    return Coalesce(Subquery(rows.annotate(n=Count("*")).values("n")[:1], output_field=IntegerField()), 0)


def with_progress(assignments):
    return assignments.annotate(answered=_count_of(Answer, "assignment"), question_total=_count_of_questions())


def _count_of_questions():
    rows = Question.objects.filter(version_id=OuterRef("version_id")).order_by().values("version_id")
    return Coalesce(Subquery(rows.annotate(n=Count("*")).values("n")[:1], output_field=IntegerField()), 0)


# --- the employee's own assessments -----------------------------------------------------------------


def my_assignments(*, actor: policy.Actor) -> list[Assignment]:
    """The actor's own assessments in programmes they take part in, soonest due first (one query)."""
    return list(my_assignments_rows(actor=actor))


def my_assignments_rows(*, actor: policy.Actor) -> QuerySet[Assignment]:
    return (
        with_progress(
            policy.scope(actor, Assignment).filter(employee_id=actor.user_id, enrolment__status__in=LIVE_ENROLMENT)
        )
        .select_related("phase_assessment__programme", "version")
        .order_by("submitted_at", "phase_assessment__due_on", "pk")
    )


def my_assignment(*, actor: policy.Actor, pk: int) -> Assignment:
    """One of the actor's own assessments in a programme they still take part in (to answer it); anyone
    else's is the ordinary 404."""
    rows = (
        policy.scope(actor, Assignment)
        .filter(employee_id=actor.user_id, enrolment__status__in=LIVE_ENROLMENT)
        .select_related("phase_assessment__programme", "version")
    )
    return policy.get_or_404(actor, Assignment, rows, pk=pk)


@dataclass
class Step:
    number: int
    questions: list[Question]


@dataclass
class Answering:
    assignment: Assignment
    steps: list[Step]
    answers: dict[int, Answer]
    step: Step | None  # None: the review before submitting

    @property
    def answered(self) -> int:
        return len(self.answers)

    @property
    def total(self) -> int:
        return sum(len(step.questions) for step in self.steps)

    @property
    def missing(self) -> list[Question]:
        return [
            question
            for step in self.steps
            for question in step.questions
            if question.required and question.pk not in self.answers
        ]

    @property
    def resume_step(self) -> int:
        """Where to carry on: the first step with an unanswered question (the review when none is left)."""
        for step in self.steps:
            if any(question.pk not in self.answers for question in step.questions):
                return step.number
        return len(self.steps) + 1


def answering(*, assignment: Assignment, step: int | None) -> Answering:
    """The questions in steps, the answers so far, and the step asked for (three queries)."""
    questions = list(
        Question.objects.filter(version_id=assignment.version_id)
        .select_related("dimension")
        .prefetch_related("choices")
    )
    steps = [
        Step(number=index // STEP_SIZE + 1, questions=questions[index : index + STEP_SIZE])
        for index in range(0, len(questions), STEP_SIZE)
    ]
    answers = {
        answer.question_id: answer
        for answer in Answer.objects.filter(assignment_id=assignment.pk).select_related("choice")
    }
    for each in steps:
        for question in each.questions:
            question.step_number, question.given = each.number, answers.get(question.pk)
    state = Answering(assignment=assignment, steps=steps, answers=answers, step=None)
    number = state.resume_step if step is None else step
    state.step = steps[number - 1] if 1 <= number <= len(steps) else None
    return state


# --- results: one person's scores over the moments of a programme -----------------------------------


@dataclass
class DimensionLine:
    key: str
    name: str
    description: str
    values: dict[str, float | None] = field(default_factory=dict)  # moment -> score
    bands: list[Band] = field(default_factory=list)

    def value(self, moment: str) -> int | None:
        return scoring.display(self.values.get(moment))

    @property
    def baseline_band(self) -> Band | None:
        return scoring.band_for(self.values.get(PhaseAssessment.Moment.INITIAL), self.bands)

    @property
    def latest_band(self) -> Band | None:
        for moment in reversed(MOMENT_ORDER):
            if moment in self.values:
                return scoring.band_for(self.values[moment], self.bands)
        return None

    @property
    def change(self) -> int | None:
        return scoring.change(
            self.values.get(PhaseAssessment.Moment.INITIAL), self.values.get(PhaseAssessment.Moment.FINAL)
        )


@dataclass
class ResultGroup:
    """One instrument in one programme: the person's scores at each moment they completed."""

    programme_name: str
    title: str
    instrument_id: int
    assignments: dict[str, Assignment] = field(default_factory=dict)  # moment -> submitted assessment
    lines: list[DimensionLine] = field(default_factory=list)
    waiting: list[Assignment] = field(default_factory=list)  # submitted, scores not released to the reader

    @property
    def moments(self) -> list[tuple[str, str]]:
        return [
            (moment, PhaseAssessment.Moment(moment).label)
            for moment in MOMENT_ORDER
            if moment in self.assignments and self.assignments[moment] not in self.waiting
        ]

    @property
    def columns(self) -> list[tuple[str, str, Assignment]]:
        """(moment, label, assessment) of each moment with scores to show, in programme order."""
        return [(moment, label, self.assignments[moment]) for moment, label in self.moments]

    @property
    def table(self) -> list[tuple[DimensionLine, list[int | None]]]:
        moments = [moment for moment, _label in self.moments]
        return [(line, [line.value(moment) for moment in moments]) for line in self.lines]

    @property
    def awaiting_release(self) -> list[Assignment]:
        """Handed in, with results that wait for the coach to release them."""
        return [a for a in self.assignments.values() if a.release_required and a.released_at is None]

    @property
    def has_final(self) -> bool:
        return any(moment == PhaseAssessment.Moment.FINAL for moment, _label in self.moments)

    @property
    def has_initial(self) -> bool:
        return any(moment == PhaseAssessment.Moment.INITIAL for moment, _label in self.moments)

    def chart(self):
        moments = self.moments
        if not moments or not self.lines:
            return ""
        series = [charts.Series(key=moment, label=str(label)) for moment, label in moments]
        rows = [
            charts.Row(label=line.name, values=tuple(line.values.get(moment) for moment, _l in moments))
            for line in self.lines
        ]
        if self.has_final and self.has_initial:
            description = _("Scores from 0 to 100 per dimension, the final assessment beside the initial one: %s.")
            parts = [
                f"{line.name} {line.value('initial') if line.value('initial') is not None else '–'} → "
                f"{line.value('final') if line.value('final') is not None else '–'}"
                for line in self.lines
            ]
        else:
            description = _("Scores from 0 to 100 per dimension: %s.")
            parts = [
                f"{line.name} "
                + ", ".join(
                    str(line.value(moment)) if line.value(moment) is not None else "–" for moment, _l in moments
                )
                for line in self.lines
            ]
        return charts.scores_chart(
            chart_id=f"chart-{self.instrument_id}-{next(iter(self.assignments.values())).pk}",
            title=_("%(title)s: your scores per dimension") % {"title": self.title},
            description=description % "; ".join(parts),
            series=series,
            rows=rows,
            no_score_label=_("not enough answers"),
        )


def results_of(*, actor: policy.Actor, employee_id: int) -> list[ResultGroup]:
    """Every submitted assessment of one employee that the actor may see, grouped by programme and
    instrument, with scores per moment and the bands to read them by. Three queries, however many."""
    assignments = list(
        policy.scope(actor, Assignment)
        .filter(employee_id=employee_id, submitted_at__isnull=False)
        .select_related("phase_assessment__programme", "version")
        .order_by(
            "phase_assessment__programme__starts_on",
            "phase_assessment__programme_id",
            "phase_assessment__instrument_id",
            "submitted_at",
        )
    )
    # With its assessment: whose scores they are, for the access log the policy writes for a coach.
    scores = list(
        policy.scope(actor, Score)
        .filter(assignment__in=[a.pk for a in assignments])
        .select_related("dimension", "assignment")
    )
    bands = list(policy.scope(actor, Band).filter(dimension_id__in={score.dimension_id for score in scores}))
    return _group(assignments, scores, bands)


def _group(assignments: list[Assignment], scores: list[Score], bands: list[Band]) -> list[ResultGroup]:
    bands_of: dict[int, list[Band]] = {}
    for band in bands:
        bands_of.setdefault(band.dimension_id, []).append(band)
    scores_of: dict[int, list[Score]] = {}
    for score in scores:
        scores_of.setdefault(score.assignment_id, []).append(score)
    groups: dict[tuple[int, int], ResultGroup] = {}
    for assignment in assignments:
        scheduled = assignment.phase_assessment
        key = (scheduled.programme_id, scheduled.instrument_id)
        group = groups.get(key)
        if group is None:
            group = groups[key] = ResultGroup(
                programme_name=scheduled.programme.name,
                title=assignment.version.title,
                instrument_id=scheduled.instrument_id,
            )
        group.assignments[scheduled.moment] = assignment
        group.title = assignment.version.title  # the latest wording
        if assignment.pk not in scores_of:
            group.waiting.append(assignment)
    for group in groups.values():
        lines: dict[str, DimensionLine] = {}
        for moment in MOMENT_ORDER:
            assignment = group.assignments.get(moment)
            if assignment is None or assignment in group.waiting:
                continue
            for score in sorted(scores_of[assignment.pk], key=lambda s: (s.dimension.position, s.dimension_id)):
                line = lines.setdefault(
                    score.dimension_key,
                    DimensionLine(
                        key=score.dimension_key, name=score.dimension.name, description=score.dimension.description
                    ),
                )
                line.name, line.description = score.dimension.name, score.dimension.description
                line.values[moment] = score.value
                if moment == PhaseAssessment.Moment.INITIAL or not line.bands:
                    line.bands = bands_of.get(score.dimension_id, [])
        group.lines = list(lines.values())
    return list(groups.values())


@dataclass
class AssignmentResult:
    assignment: Assignment
    scores: list[tuple[Score, Band | None]]
    answers: list[tuple[Question, Answer | None]]
    scores_visible: bool


def assignment_result(*, actor: policy.Actor, pk: int) -> AssignmentResult:
    """One submitted assessment: its scores (when the reader may see them) and every answer (five queries)."""
    rows = (
        policy.scope(actor, Assignment)
        .filter(submitted_at__isnull=False)
        .select_related("phase_assessment__programme", "version", "employee")
    )
    assignment = policy.get_or_404(actor, Assignment, rows, pk=pk)
    scores = list(
        policy.scope(actor, Score)
        .filter(assignment_id=assignment.pk)
        .select_related("dimension", "assignment")
        .order_by("dimension__position", "dimension_id")
    )
    bands = list(policy.scope(actor, Band).filter(dimension__version_id=assignment.version_id))
    answers = {
        answer.question_id: answer
        for answer in policy.scope(actor, Answer)
        .filter(assignment_id=assignment.pk)
        .select_related("choice", "assignment")
    }
    questions = list(Question.objects.filter(version_id=assignment.version_id))
    return AssignmentResult(
        assignment=assignment,
        scores=[
            (score, scoring.band_for(score.value, [b for b in bands if b.dimension_id == score.dimension_id]))
            for score in scores
        ],
        answers=[(question, answers.get(question.pk)) for question in questions],
        scores_visible=bool(scores) or not assignment.release_required,
    )


# --- coaches ----------------------------------------------------------------------------------------


def coachee_assignments(*, actor: policy.Actor):
    """The assessments of everyone the coach coaches here, newest moments first, with progress."""
    return (
        with_progress(
            policy.scope(actor, Assignment).filter(
                employee_id__in=coachee_ids(actor), enrolment__status__in=LIVE_ENROLMENT
            )
        )
        .select_related("employee", "version", "phase_assessment__programme")
        .order_by("employee__first_name", "employee__last_name", "employee_id", "phase_assessment__due_on", "pk")
    )


@dataclass
class CoacheeRow:
    person: User
    assignments: list[Assignment]


def coachees_page(*, actor: policy.Actor, page_number, per_page: int):
    """One page of the people the coach coaches here, each with their assessments and progress, and the
    handed-in results waiting for the coach's release. Four queries, however many people."""
    people = policy.scope(actor, User).filter(pk__in=coachee_ids(actor)).order_by("first_name", "last_name", "pk")
    page = Paginator(people, per_page).get_page(page_number)
    rows = {person.pk: CoacheeRow(person, []) for person in page.object_list}
    for assignment in (
        coachee_assignments(actor=actor)
        .filter(employee_id__in=list(rows))
        .order_by("employee_id", "phase_assessment__programme__starts_on", "phase_assessment__opens_on", "pk")
    ):
        rows[assignment.employee_id].assignments.append(assignment)
    waiting = list(
        coachee_assignments(actor=actor)
        .filter(submitted_at__isnull=False, release_required=True, released_at__isnull=True)
        .order_by("submitted_at")
    )
    return page, list(rows.values()), waiting


def coachee(*, actor: policy.Actor, user_id: int) -> User:
    """A person the actor coaches here, or the ordinary 404."""
    if not actor.is_coach:
        raise Http404(policy.NOT_FOUND)
    rows = policy.scope(actor, User).filter(pk__in=coachee_ids(actor))
    return policy.get_or_404(actor, User, rows, pk=user_id)


# --- HR: counts, completion and means over released cells only -------------------------------------
# Every figure here is a sum of the cells reports.disclosure released (its docstring states the rules):
# cells of at least MIN_AGGREGATE_GROUP_SIZE contributors, margins that leave withheld cells out.


def min_group() -> int:
    return disclosure.threshold()


@dataclass
class Completion:
    assigned: int
    started: int
    submitted: int
    overdue: int
    shown: bool = True  # False: no released cell (fewer than the minimum submitted)

    @property
    def percent(self) -> int:
        return round(100 * self.submitted / self.assigned) if self.assigned else 0

    @classmethod
    def of(cls, total: disclosure.Total) -> Completion:
        return cls(*(int(total[name]) for name in ("assigned", "started", "submitted", "overdue")), shown=total.shown)


@dataclass
class ScheduledRow:
    scheduled: PhaseAssessment
    completion: Completion


def hr_overview(*, actor: policy.Actor) -> list[ScheduledRow]:
    """Every scheduled assessment with its released completion figures (two queries)."""
    policy.require(actor, policy.HR_MANAGER)
    scheduled = list(
        policy.scope(actor, PhaseAssessment).select_related("programme", "phase", "version").order_by("-opens_on", "pk")
    )
    per_scheduled: dict[int, disclosure.Total] = {}
    for key, total in disclosure.released(actor=actor, kinds=["completion"]).by("completion", "key").items():
        per_scheduled.setdefault(int(key.split(":", 1)[0]), disclosure.Total()).add(total.contributors, total.values)
    return [ScheduledRow(item, Completion.of(per_scheduled.get(item.pk, disclosure.Total()))) for item in scheduled]


@dataclass
class MeanLine:
    key: str
    name: str
    people: int
    mean: float | None  # None: withheld (no released cell) or nobody scored
    baseline: float | None = None  # the same people's initial mean, where this is a later moment
    baseline_people: int = 0
    paired: float | None = None  # those same people's mean at this moment

    @property
    def shown(self) -> int | None:
        return scoring.display(self.mean)

    @property
    def change(self) -> int | None:
        return scoring.change(self.baseline, self.paired)


@dataclass
class Aggregate:
    scheduled: PhaseAssessment
    cohort: Cohort | None
    cohorts: list[Cohort]
    completion: Completion
    by_cohort: list[tuple[Cohort, Completion]]
    lines: list[MeanLine]
    minimum: int

    @property
    def scores_shown(self) -> bool:
        return any(line.mean is not None for line in self.lines)


def hr_aggregate(*, actor: policy.Actor, pk: int, cohort_id: int | None = None) -> Aggregate:
    """HR's figures for one scheduled assessment, optionally one cohort: completion, completion per
    cohort, and the mean score per dimension (with the same people's baseline for a later moment), all
    from released cells. Four queries, however many people took part."""
    policy.require(actor, policy.HR_MANAGER)
    scheduled = policy.get_or_404(
        actor, PhaseAssessment, PhaseAssessment.objects.select_related("programme", "phase", "version"), pk=pk
    )
    cohorts = list(policy.scope(actor, Cohort).filter(programme_id=scheduled.programme_id).order_by("name"))
    cohort = next((c for c in cohorts if c.pk == cohort_id), None)
    cells = disclosure.released(
        actor=actor, kinds=["completion", "scores", "baseline"], programme_id=scheduled.programme_id
    )
    mine = [cell for cell in cells.cells if cell.key.split(":", 1)[0] == str(scheduled.pk)]
    per_cohort: dict[int, disclosure.Total] = {}
    for cell in mine:
        if cell.kind == "completion":
            per_cohort.setdefault(cell.cohort_id, disclosure.Total()).add(cell.contributors, cell.values)
    if cohort is not None:
        mine = [cell for cell in mine if cell.cohort_id == cohort.pk]
    completion = disclosure.Total()
    for cell in mine:
        if cell.kind == "completion":
            completion.add(cell.contributors, cell.values)
    return Aggregate(
        scheduled=scheduled,
        cohort=cohort,
        cohorts=cohorts,
        completion=Completion.of(completion),
        by_cohort=[(c, Completion.of(per_cohort.get(c.pk, disclosure.Total()))) for c in cohorts],
        lines=_mean_lines(scheduled, disclosure.Released(cells=mine, released_on=cells.released_on)),
        minimum=min_group(),
    )


def _mean_lines(scheduled: PhaseAssessment, cells: disclosure.Released) -> list[MeanLine]:
    """The mean per dimension over released cells; the baseline over the released cells of the people who
    have both scores (a change of the group, not of who happened to answer). One query for the names."""
    dimensions = list(Dimension.objects.filter(version_id=scheduled.version_id))
    lines = []
    for dimension in dimensions:
        key = f"{scheduled.pk}:{dimension.key}"
        scores, base = cells.total("scores", key), cells.total("baseline", key)
        lines.append(
            MeanLine(
                key=dimension.key,
                name=dimension.name,
                people=scores.contributors,
                mean=scores.mean("sum", "n"),
                baseline=base.mean("initial", "n"),
                baseline_people=base.contributors,
                paired=base.mean("final", "n"),
            )
        )
    return lines

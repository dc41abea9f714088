"""Reads of stakeholder feedback: rounds, their progress, and results as aggregates per rater group.

Answers are read here, as values, and leave only as the groups stakeholders.anonymity allows: a mean per
dimension and group, the comments of groups of at least three, and the employee's own self-rating beside.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Q
from django.utils.translation import gettext as _

from assessments import charts, scoring
from assessments.models import Band, Dimension, Question
from portal import policy
from stakeholders import anonymity
from stakeholders.models import MIN_RATERS, Rater, RaterAnswer, Round


def rounds_for(*, actor: policy.Actor, employee_id: int | None = None):
    """The rounds `actor` may see (optionally one employee's), with their answered and invited counts."""
    rounds = policy.scope(actor, Round).select_related("enrolment__programme", "employee", "version")
    if employee_id is not None:
        rounds = rounds.filter(employee_id=employee_id)
    return rounds.annotate(
        invited=Count("raters", filter=~Q(raters__relation=Rater.Relation.SELF)),
        answered=Count(
            "raters", filter=~Q(raters__relation=Rater.Relation.SELF) & Q(raters__submitted_at__isnull=False)
        ),
        self_done=Count("raters", filter=Q(raters__relation=Rater.Relation.SELF, raters__submitted_at__isnull=False)),
    ).order_by("enrolment__programme__starts_on", "enrolment_id", "-moment")


def round_for(*, actor: policy.Actor, pk) -> Round:
    """One round named by the request, with its counts; the ordinary 404 for anyone else's."""
    return policy.get_or_404(actor, Round, rounds_for(actor=actor), pk=pk)


def raters_of(*, actor: policy.Actor, round: Round) -> list[Rater]:
    """Whom was asked (never who answered): for the employee, and a coach the employee let invite."""
    return list(
        policy.scope(actor, Rater)
        .filter(round=round)
        .exclude(relation=Rater.Relation.SELF)
        .only("pk", "round_id", "relation", "name", "email", "invited_at")
        .order_by("relation", "pk")
    )


def is_ready(round: Round) -> bool:
    """Results appear once the round closed or everyone asked answered (with at least MIN_RATERS asked),
    never while answers trickle in: comparing the figures before and after one answer would reveal it."""
    invited, answered = getattr(round, "invited", None), getattr(round, "answered", None)
    if invited is None:
        counts = round.raters.exclude(relation=Rater.Relation.SELF).aggregate(
            invited=Count("pk"), answered=Count("pk", filter=Q(submitted_at__isnull=False))
        )
        invited, answered = counts["invited"], counts["answered"]
    return round.is_closed or (invited >= MIN_RATERS and answered == invited)


def may_see_results(actor: policy.Actor, round: Round) -> bool:
    """The employee always; their coach once the employee released the results."""
    if actor.is_employee and round.employee_id == actor.user_id:
        return True
    return actor.is_coach and round.released_at is not None


@dataclass
class Line:
    key: str
    name: str
    description: str
    values: dict[str, float | None]  # group key -> mean of its raters' scores, 0–100
    self_value: float | None
    raters_value: float | None  # the mean of every shown rater
    bands: list = field(default_factory=list)

    def shown(self, group_key: str) -> int | None:
        return scoring.display(self.values.get(group_key))

    @property
    def self_shown(self) -> int | None:
        return scoring.display(self.self_value)

    @property
    def raters_shown(self) -> int | None:
        return scoring.display(self.raters_value)


@dataclass
class Comments:
    question: str
    group: str
    texts: list[str]


@dataclass
class Results:
    round: Round
    ready: bool
    groups: tuple[anonymity.Group, ...] = ()
    withheld: int = 0
    answered: int = 0
    lines: list[Line] = field(default_factory=list)
    comments: list[Comments] = field(default_factory=list)
    self_submitted: bool = False

    def cells(self) -> list[dict]:
        """Per dimension the figures in the order of the table's columns."""
        return [
            {"line": line, "values": [line.shown(group.key) for group in self.groups], "self": line.self_shown}
            for line in self.lines
        ]


def _items(version_id: int) -> tuple[list[scoring.Item], list[Question]]:
    questions = list(Question.objects.filter(version_id=version_id).order_by("position"))
    items = [
        scoring.Item(q.pk, q.dimension_id, 1, q.scale_max, q.reverse_scored)
        for q in questions
        if q.dimension_id and q.is_scale
    ]
    return items, questions


def _mean(values: list[float]) -> float | None:
    return round(sum(values) / len(values), 1) if values else None


def results(*, actor: policy.Actor, round: Round) -> Results:
    """The round's results for `actor`, who must be allowed to see them (may_see_results); empty until
    the round is ready. A fixed number of queries. Figures shown to the coach are a read in the employee's
    access log (policy.shown, once per page or request however often the round is shown)."""
    if not may_see_results(actor, round):
        raise PermissionError("results not released to this reader")
    if not is_ready(round):
        return Results(round=round, ready=False)
    raters = list(Rater.objects.filter(round=round, submitted_at__isnull=False).values_list("pk", "relation", "named"))
    self_id = next((pk for pk, relation, _named in raters if relation == Rater.Relation.SELF), None)
    grouping = anonymity.grouping((pk, relation, named) for pk, relation, named in raters if pk != self_id)
    shown_ids = {pk for group in grouping.groups for pk in group.rater_ids}
    if self_id is not None:
        shown_ids.add(self_id)
    items, questions = _items(round.version_id)
    answers: dict[int, dict[int, int]] = defaultdict(dict)
    texts: dict[tuple[int, int], str] = {}
    for rater_id, question_id, value, text in RaterAnswer.objects.filter(rater_id__in=shown_ids).values_list(
        "rater_id", "question_id", "value", "text"
    ):
        if value is not None:
            answers[rater_id][question_id] = value
        if text.strip():
            texts[(rater_id, question_id)] = text.strip()
    per_rater = {rater_id: scoring.dimension_scores(items, answers.get(rater_id, {})) for rater_id in shown_ids}
    dimensions = list(Dimension.objects.filter(version_id=round.version_id).order_by("position", "pk"))
    bands: dict[int, list[Band]] = defaultdict(list)
    for band in Band.objects.filter(dimension__version_id=round.version_id).order_by("lower"):
        bands[band.dimension_id].append(band)

    def mean_of(rater_ids, dimension_id) -> float | None:
        scores = [per_rater[r][dimension_id].value for r in rater_ids if dimension_id in per_rater[r]]
        return _mean([score for score in scores if score is not None])

    rater_ids = [pk for group in grouping.groups for pk in group.rater_ids]
    lines = [
        Line(
            key=dimension.key,
            name=dimension.name,
            description=dimension.description,
            values={group.key: mean_of(group.rater_ids, dimension.pk) for group in grouping.groups},
            self_value=mean_of([self_id], dimension.pk) if self_id is not None else None,
            raters_value=mean_of(rater_ids, dimension.pk),
            bands=bands[dimension.pk],
        )
        for dimension in dimensions
    ]
    comments = []
    for question in questions:
        if question.kind != Question.Kind.TEXT:
            continue
        for group in grouping.groups:
            if not group.comments_shown:
                continue
            said = sorted(texts[(pk, question.pk)] for pk in group.rater_ids if (pk, question.pk) in texts)
            if said:
                comments.append(Comments(question=question.text, group=group.label, texts=said))
    policy.shown(actor, [round])
    return Results(
        round=round,
        ready=True,
        groups=grouping.groups,
        withheld=grouping.withheld,
        answered=len(raters) - (1 if self_id is not None else 0),
        lines=lines,
        comments=comments,
        self_submitted=self_id is not None,
    )


# --- change between the start and the end ---------------------------------------------------------------


@dataclass
class ChangeLine:
    name: str
    start: float | None
    end: float | None
    self_start: float | None
    self_end: float | None

    @property
    def change(self) -> int | None:
        if self.start is None or self.end is None:
            return None
        return scoring.display(self.end) - scoring.display(self.start)

    def shown(self, name: str) -> int | None:
        return scoring.display(getattr(self, name))

    @property
    def start_shown(self) -> int | None:
        return self.shown("start")

    @property
    def end_shown(self) -> int | None:
        return self.shown("end")

    @property
    def self_start_shown(self) -> int | None:
        return self.shown("self_start")

    @property
    def self_end_shown(self) -> int | None:
        return self.shown("self_end")


@dataclass
class Change:
    programme: str
    start: Results
    end: Results
    lines: list[ChangeLine]

    @property
    def chart_markup(self):
        return self.chart(f"stakeholder-change-{self.end.round.pk}")

    def chart(self, chart_id: str):
        """Where the raters saw each dimension at the start and at the end (assessments.charts)."""
        series = [
            charts.Series(key="initial", label=_("Start")),
            charts.Series(key="final", label=_("End")),
        ]
        rows = [charts.Row(label=line.name, values=(line.start, line.end)) for line in self.lines]
        parts = [
            f"{line.name} {line.shown('start') if line.start is not None else '–'} → "
            f"{line.shown('end') if line.end is not None else '–'}"
            for line in self.lines
        ]
        return charts.scores_chart(
            chart_id=chart_id,
            title=_("What the people around you saw, at the start and at the end"),
            description=_("The raters' mean per dimension from 0 to 100, the end beside the start: %s.")
            % "; ".join(parts),
            series=series,
            rows=rows,
            no_score_label=_("not shown"),
        )


def change_for(*, actor: policy.Actor, employee_id: int) -> list[Change]:
    """Per enrolment of the employee with a start and an end round whose results `actor` may see and that
    are ready: the raters' mean per dimension (every shown group together) at both, and the self-rating."""
    rounds = [r for r in rounds_for(actor=actor, employee_id=employee_id) if may_see_results(actor, r)]
    by_enrolment: dict[int, dict[str, Round]] = defaultdict(dict)
    for item in rounds:
        by_enrolment[item.enrolment_id][item.moment] = item
    changes = []
    for moments in by_enrolment.values():
        if Round.Moment.START not in moments or Round.Moment.END not in moments:
            continue
        start = results(actor=actor, round=moments[Round.Moment.START])
        end = results(actor=actor, round=moments[Round.Moment.END])
        if not (start.ready and end.ready):
            continue
        before = {line.key: line for line in start.lines}
        lines = []
        for line in end.lines:
            first = before.get(line.key)
            lines.append(
                ChangeLine(
                    name=line.name,
                    start=first.raters_value if first else None,
                    end=line.raters_value,
                    self_start=first.self_value if first else None,
                    self_end=line.self_value,
                )
            )
        changes.append(
            Change(programme=moments[Round.Moment.END].enrolment.programme.name, start=start, end=end, lines=lines)
        )
    return changes


def released_for_coach(*, actor: policy.Actor, employee_id: int) -> list[Results]:
    """The rounds of one coachee whose results the employee released to `actor` (their coach), ready."""
    return [
        result
        for result in (
            results(actor=actor, round=r)
            for r in rounds_for(actor=actor.acting_as(policy.COACH), employee_id=employee_id)
            if r.released_at is not None
        )
        if result.ready
    ]

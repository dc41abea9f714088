"""HR's dashboard: enrolment, attendance, credits, assessment completion, change per dimension, session
ratings and overdue work, for the whole organisation or a programme, cohort or department.

Enrolment, attendance and credits are HR's to see person by person (DESIGN.md), so their figures are
shown for any group. Figures made of coaching content (completion, scores, ratings, goal actions) are
read only from the cells `reports.disclosure` released: sums over whole cells of at least
MIN_AGGREGATE_GROUP_SIZE contributors, margins that leave withheld cells out, refreshed at most daily
under its change rule. That module's docstring states the rules.

The page, its htmx body, the programme PDF and the benchmark all call `dashboard()`: a fixed number of
queries however large the organisation or however many groups it has.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date

from django.db.models import Avg, Count, F, Q, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from assessments.models import Dimension, PhaseAssessment, SharedGoalProgress
from portal import policy
from programmes.models import Attendance, Cohort, CreditTransaction, EmployeeProfile, Enrolment, Programme, Session
from reports import disclosure

FILTERS = ("programme", "cohort", "department")
MOMENTS = (PhaseAssessment.Moment.INITIAL, PhaseAssessment.Moment.MIDPOINT, PhaseAssessment.Moment.FINAL)
RATINGS = (1, 2, 3, 4, 5)

WITHHELD_SMALL = gettext_lazy("Withheld: fewer than %(minimum)s people contribute to this figure.")


def minimum_group() -> int:
    return disclosure.threshold()


# --- filters --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Filters:
    programme: Programme | None = None
    cohort: Cohort | None = None
    department: str = ""

    @property
    def active(self) -> tuple[str, ...]:
        return tuple(name for name in FILTERS if getattr(self, name))

    def as_query(self) -> dict[str, str]:
        query = {}
        if self.programme:
            query["programme"] = str(self.programme.pk)
        if self.cohort:
            query["cohort"] = str(self.cohort.pk)
        if self.department:
            query["department"] = self.department
        return query


@dataclass
class FilterChoices:
    programmes: list[Programme]
    cohorts: list[Cohort]
    departments: list[str]


def filters_from(*, actor: policy.Actor, params) -> tuple[Filters, list[str]]:
    """The filters named in a request's query string, and a message for each that names nothing we know.

    Unknown and foreign ids are dropped (with a message), never looked up outside the policy.
    """
    policy.require(actor, policy.HR_MANAGER)
    problems: list[str] = []
    programme = cohort = None
    if params.get("programme"):
        programme = _one(actor, Programme, params["programme"])
        if programme is None:
            problems.append(_("The programme you chose does not exist (any more); showing all programmes."))
    if params.get("cohort"):
        cohort = _one(actor, Cohort, params["cohort"], programme=programme)
        if cohort is None:
            problems.append(_("The cohort you chose is not part of this selection; showing all cohorts."))
        elif programme is None:
            programme = cohort.programme
    department = str(params.get("department", "")).strip()[:120]
    return Filters(programme=programme, cohort=cohort, department=department), problems


def _one(actor: policy.Actor, model, raw: str, **narrow):
    try:
        pk = int(raw)
    except (TypeError, ValueError):
        return None
    rows = policy.scope(actor, model).filter(pk=pk)
    if model is Cohort:
        rows = rows.select_related("programme")
        if narrow.get("programme") is not None:
            rows = rows.filter(programme=narrow["programme"])
    return rows.first()


def filter_choices(*, actor: policy.Actor, filters: Filters) -> FilterChoices:
    """The programmes, cohorts and departments to choose from (three queries)."""
    programmes = list(policy.scope(actor, Programme).order_by("-starts_on", "name").only("pk", "name", "status"))
    cohorts = policy.scope(actor, Cohort).select_related("programme").order_by("programme__name", "name")
    if filters.programme:
        cohorts = cohorts.filter(programme=filters.programme)
    enrolled = policy.scope(actor, Enrolment).values("employee_id")
    departments = list(
        policy.scope(actor, EmployeeProfile)
        .filter(user_id__in=enrolled)
        .exclude(department="")
        .order_by("department")
        .values_list("department", flat=True)
        .distinct()
    )
    return FilterChoices(
        programmes=programmes, cohorts=list(cohorts.only("pk", "name", "programme__name")), departments=departments
    )


# --- figures --------------------------------------------------------------------------------------------


@dataclass
class Guarded:
    """An aggregate of coaching content: shown, or withheld with the reason."""

    people: int
    withheld: str = ""

    @property
    def shown(self) -> bool:
        return not self.withheld


@dataclass
class FunnelStep:
    key: str
    label: str
    count: int
    percent: int


@dataclass
class Attendance_:
    present: int = 0
    absent: int = 0
    excused: int = 0
    unmarked: int = 0

    @property
    def marked(self) -> int:
        return self.present + self.absent + self.excused

    @property
    def rate(self) -> int | None:
        """Present out of every session that counted (an excused absence does not count against)."""
        counted = self.present + self.absent
        return round(100 * self.present / counted) if counted else None


@dataclass
class Credits:
    allowance: int = 0
    used: int = 0
    adjusted: int = 0

    @property
    def left(self) -> int:
        return self.allowance + self.adjusted - self.used

    @property
    def percent_used(self) -> int | None:
        available = self.allowance + self.adjusted
        return round(100 * self.used / available) if available > 0 else None


@dataclass
class CompletionRow:
    moment: str
    label: str
    assigned: int
    submitted: int
    overdue: int

    @property
    def percent(self) -> int | None:
        return round(100 * self.submitted / self.assigned) if self.assigned else None


@dataclass
class DimensionChange(Guarded):
    instrument_id: int = 0
    key: str = ""
    name: str = ""
    initial: float | None = None
    final: float | None = None
    change: float | None = None
    effect_size: float | None = None  # paired Cohen's d (d_z): mean change / standard deviation of changes
    position: int = 0

    @property
    def effect_label(self) -> str:
        if self.effect_size is None:
            return ""
        size = abs(self.effect_size)
        if size < 0.2:
            return _("negligible")
        if size < 0.5:
            return _("small")
        if size < 0.8:
            return _("medium")
        return _("large")


@dataclass
class InstrumentChange:
    instrument_id: int
    title: str
    dimensions: list[DimensionChange]
    chart: str = ""  # drawn by reports.documents

    @property
    def shown(self) -> list[DimensionChange]:
        return [line for line in self.dimensions if line.shown]

    @property
    def people(self) -> int:
        return max((line.people for line in self.dimensions), default=0)

    @property
    def withheld(self) -> str:
        held = [line.withheld for line in self.dimensions if line.withheld]
        return held[0] if held and len(held) == len(self.dimensions) else ""


@dataclass
class Ratings(Guarded):
    count: int = 0
    mean: float | None = None
    distribution: dict[int, int] = field(default_factory=dict)


@dataclass
class PulseFigures(Guarded):
    """How the selection's people feel: the average of each person's own average per scale (1–5)."""

    feeling: float | None = None
    energy: float | None = None
    confidence: float | None = None


@dataclass
class Overdue:
    assessments: int
    actions: Guarded
    action_count: int | None  # None when withheld
    people_with_actions: int | None


@dataclass
class SharedGoals:
    goals: int
    mean_progress: float | None
    achieved: int


@dataclass
class Dashboard:
    filters: Filters
    minimum: int
    people: int
    funnel: list[FunnelStep]
    attendance: Attendance_
    credits: Credits
    completion: list[CompletionRow]
    change: list[InstrumentChange]
    ratings: Ratings
    pulse: PulseFigures
    overdue: Overdue
    shared_goals: SharedGoals
    released_on: date | None = None  # the day the content figures were last released
    cells: disclosure.Released | None = field(default=None, repr=False)  # what they were summed from
    attendance_by_group: dict = field(default_factory=dict, repr=False)  # the breakdown's attendance
    generated_at: object = field(default_factory=timezone.now)

    @property
    def is_empty(self) -> bool:
        return self.people == 0


def _selection(filters: Filters, *, programme: str, cohort: str, employee: str) -> Q:
    """The selection as a Q object; `programme`, `cohort` and `employee` name the lookups on the model."""
    condition = Q()
    if filters.programme:
        condition &= Q(**{programme: filters.programme.pk})
    if filters.cohort:
        condition &= Q(**{cohort: filters.cohort.pk})
    if filters.department:
        condition &= Q(**{f"{employee}__in": department_members(filters.department)})
    return condition


def department_members(department: str) -> QuerySet:
    return EmployeeProfile.objects.filter(department=department).values("user_id")


def dashboard(*, actor: policy.Actor, filters: Filters) -> Dashboard:
    """Every figure of the dashboard for the selection: six queries, however many people or groups."""
    policy.require(actor, policy.HR_MANAGER)
    enrolments = _enrolments(actor, filters)
    funnel, people, credits_allowance = _funnel(enrolments)  # 1: enrolment funnel
    credits = _credits(actor, enrolments, credits_allowance)  # 2: the credit ledger
    attendance = _attendance(actor, filters)  # 3: attendance, per group of the breakdown
    cells = released_of(actor=actor, filters=filters)  # 4: the released cells of content figures
    completion = _completion(cells)
    change = _change(cells)  # 5: the dimensions' names (only when a change is released)
    ratings = _ratings(cells)
    pulse = pulse_figures(cells.total("pulse"))
    overdue = _overdue(cells, completion)
    shared = _shared_goals(actor, enrolments)  # 6: goals shared with HR
    return Dashboard(
        filters=filters,
        minimum=minimum_group(),
        people=people,
        funnel=funnel,
        attendance=_attendance_total(attendance),
        attendance_by_group=attendance,
        credits=credits,
        completion=completion,
        change=change,
        ratings=ratings,
        pulse=pulse,
        overdue=overdue,
        shared_goals=shared,
        released_on=cells.released_on,
        cells=cells,
    )


def released_of(*, actor: policy.Actor, filters: Filters) -> disclosure.Released:
    """The released cells of the selection (reports.disclosure): the only source of content figures."""
    return disclosure.released(
        actor=actor,
        kinds=("completion", "change", "ratings", "actions", "pulse"),
        programme_id=filters.programme.pk if filters.programme else None,
        cohort_id=filters.cohort.pk if filters.cohort else None,
        department=filters.department or None,
    )


def _enrolments(actor: policy.Actor, filters: Filters) -> QuerySet:
    return policy.scope(actor, Enrolment).filter(
        _selection(filters, programme="programme_id", cohort="cohort_id", employee="employee_id")
    )


def _funnel(enrolments: QuerySet) -> tuple[list[FunnelStep], int, int]:
    counts = enrolments.aggregate(
        total=Count("pk"),
        people=Count("employee_id", distinct=True),
        started=Count("pk", filter=Q(status__in=[Enrolment.Status.ACTIVE, Enrolment.Status.COMPLETED])),
        completed=Count("pk", filter=Q(status=Enrolment.Status.COMPLETED)),
        withdrawn=Count("pk", filter=Q(status=Enrolment.Status.WITHDRAWN)),
        allowance=Coalesce(Sum("credit_allowance", filter=~Q(status=Enrolment.Status.WITHDRAWN)), 0),
    )
    total = counts["total"]

    def step(key: str, label: str) -> FunnelStep:
        return FunnelStep(
            key=key, label=label, count=counts[key], percent=round(100 * counts[key] / total) if total else 0
        )

    funnel = [
        step("total", _("Enrolled")),
        step("started", _("Started")),
        step("completed", _("Completed")),
        step("withdrawn", _("Withdrew")),
    ]
    return funnel, counts["people"], counts["allowance"]


def _credits(actor: policy.Actor, enrolments: QuerySet, allowance: int) -> Credits:
    ledger = (
        policy.scope(actor, CreditTransaction)
        .filter(enrolment__in=enrolments.exclude(status=Enrolment.Status.WITHDRAWN))
        .aggregate(
            spent=Coalesce(Sum("delta", filter=~Q(reason=CreditTransaction.Reason.ADJUSTMENT)), 0),
            adjusted=Coalesce(Sum("delta", filter=Q(reason=CreditTransaction.Reason.ADJUSTMENT)), 0),
        )
    )
    return Credits(allowance=allowance, used=-ledger["spent"], adjusted=ledger["adjusted"])


def attendance_of(filters: Filters) -> Q:
    """Attendance of the selection: in its programme's or cohort's sessions, by people of its department."""
    condition = _sessions_linked(filters, prefix="session__")
    if filters.department:
        condition &= Q(user_id__in=department_members(filters.department))
    return condition


def _sessions_linked(filters: Filters, *, prefix: str = "") -> Q:
    """The sessions of the selection's programme or cohort (a 1:1 belongs to its enrolment's, a group session
    to its cohort's), `prefix` naming the way to the session. Written on the session's own links rather than
    through the enrolments, so that PostgreSQL can use the foreign keys' indexes."""
    if filters.cohort:
        return Q(**{f"{prefix}cohort_id": filters.cohort.pk}) | Q(
            **{f"{prefix}enrolment__cohort_id": filters.cohort.pk}
        )
    if filters.programme:
        return Q(**{f"{prefix}cohort__programme_id": filters.programme.pk}) | Q(
            **{f"{prefix}enrolment__programme_id": filters.programme.pk}
        )
    return Q()


def _attendance(actor: policy.Actor, filters: Filters) -> dict[int | None, Attendance_]:
    """Attendance at past sessions that were not cancelled, per group of the breakdown (per cohort when a
    programme is chosen, per programme otherwise): a group session counts for its cohort, a 1:1 for its
    enrolment's. One query; the dashboard's totals are the sum of its groups."""
    rows = _attendance_of_people(actor, filters) if filters.department else _attendance_of_sessions(actor, filters)
    groups = {
        row["group"]: Attendance_(
            present=row["present"], absent=row["absent"], excused=row["excused"], unmarked=row["unmarked"]
        )
        for row in rows
    }
    # A group whose sessions have no attendance rows yet is not a group of attendance.
    return {group: counts for group, counts in groups.items() if counts.marked or counts.unmarked}


def _breakdown_group(filters: Filters, *, prefix: str = "") -> Coalesce:
    """A session's group in the breakdown, `prefix` naming the way to the session: its cohort when a
    programme is chosen, else its programme (a group session's through its cohort, a 1:1's its enrolment's)."""
    if filters.programme:
        return Coalesce(f"{prefix}cohort_id", f"{prefix}enrolment__cohort_id")
    return Coalesce(f"{prefix}cohort__programme_id", f"{prefix}enrolment__programme_id")


def _attendance_of_sessions(actor: policy.Actor, filters: Filters) -> QuerySet:
    """The sums of the counts each session keeps of its attendance (programmes.services.attendance_counts):
    a few thousand sessions rather than every attendance row."""
    return (
        policy.scope(actor, Session)
        .filter(_sessions_linked(filters), starts_at__lt=timezone.now())
        .exclude(status=Session.Status.CANCELLED)
        .annotate(group=_breakdown_group(filters))
        .order_by()
        .values("group")
        .annotate(
            present=Sum("present_count"),
            absent=Sum("absent_count"),
            excused=Sum("excused_count"),
            unmarked=Sum("expected_count"),
        )
    )


def _attendance_of_people(actor: policy.Actor, filters: Filters) -> QuerySet:
    """A department's attendance, counted from its people's rows: the sessions keep their counts for all
    their participants, not per department."""
    return (
        policy.scope(actor, Attendance)
        .filter(attendance_of(filters), session__starts_at__lt=timezone.now())
        .exclude(session__status=Session.Status.CANCELLED)
        .annotate(group=_breakdown_group(filters, prefix="session__"))
        .order_by()
        .values("group")
        .annotate(
            present=Count("pk", filter=Q(status=Attendance.Status.PRESENT)),
            absent=Count("pk", filter=Q(status=Attendance.Status.ABSENT)),
            excused=Count("pk", filter=Q(status=Attendance.Status.EXCUSED)),
            unmarked=Count("pk", filter=Q(status=Attendance.Status.EXPECTED)),
        )
    )


def _attendance_total(groups: dict[int | None, Attendance_]) -> Attendance_:
    return Attendance_(
        present=sum(group.present for group in groups.values()),
        absent=sum(group.absent for group in groups.values()),
        excused=sum(group.excused for group in groups.values()),
        unmarked=sum(group.unmarked for group in groups.values()),
    )


def _completion(cells: disclosure.Released) -> list[CompletionRow]:
    """Completion per moment over the released cells (contributors: the people who submitted)."""
    totals: dict[str, disclosure.Total] = {}
    for key, total in cells.by("completion", "key").items():
        totals.setdefault(key.split(":", 1)[1], disclosure.Total()).add(total.contributors, total.values)
    return [
        CompletionRow(
            moment=moment.value,
            label=str(moment.label),
            assigned=int(totals[moment]["assigned"]),
            submitted=int(totals[moment]["submitted"]),
            overdue=int(totals[moment]["overdue"]),
        )
        for moment in MOMENTS
        if moment in totals
    ]


def _change(cells: disclosure.Released) -> list[InstrumentChange]:
    """Mean score per dimension at the initial and the final assessment of the same people, the mean change
    and its effect size, from the released cells; one query names the dimensions."""
    totals = cells.by("change", "key")
    keys = {(int(key.split(":", 1)[0]), key.split(":", 1)[1]) for key in totals}
    names = _dimension_names(keys)
    by_instrument: dict[int, InstrumentChange] = {}
    for instrument_id, key in keys:
        total = totals[f"{instrument_id}:{key}"]
        n = total["n"]
        title, name, position = names.get((instrument_id, key), ("", key, 0))
        line = DimensionChange(
            people=total.contributors, instrument_id=instrument_id, key=key, name=name, position=position
        )
        line.initial, line.final, line.change = total["initial"] / n, total["final"] / n, total["change"] / n
        spread = math.sqrt(max(total["change2"] - n * line.change**2, 0) / (n - 1)) if n > 1 else 0
        line.effect_size = line.change / spread if spread and not math.isclose(spread, 0) else None
        group = by_instrument.setdefault(instrument_id, InstrumentChange(instrument_id, title, []))
        group.dimensions.append(line)
    for group in by_instrument.values():
        group.dimensions.sort(key=lambda line: (line.position, line.key))
    return sorted(by_instrument.values(), key=lambda group: group.title)


def _dimension_names(keys: set[tuple[int, str]]) -> dict[tuple[int, str], tuple[str, str, int]]:
    """(instrument, dimension key) -> (instrument title, dimension name, position), in the latest wording."""
    if not keys:
        return {}
    dimensions = Dimension.objects.filter(
        version__instrument_id__in={instrument for instrument, _key in keys},
        version__is_latest=True,
        key__in={key for _instrument, key in keys},
    ).select_related("version")
    return {(d.version.instrument_id, d.key): (d.version.title, d.name, d.position) for d in dimensions}


def _withheld(total: disclosure.Total) -> Guarded:
    if total.shown:
        return Guarded(people=total.contributors)
    return Guarded(people=0, withheld=str(WITHHELD_SMALL % {"minimum": minimum_group()}))


def _ratings(cells: disclosure.Released) -> Ratings:
    """How the selection's people rated their sessions: distribution, mean and how many people rated."""
    total = cells.total("ratings")
    guard = _withheld(total)
    if not guard.shown:
        return Ratings(people=guard.people, withheld=guard.withheld)
    distribution = {rating: int(total[f"r{rating}"]) for rating in RATINGS}
    return Ratings(
        people=guard.people,
        count=sum(distribution.values()),
        mean=total.mean("sum", "count"),
        distribution=distribution,
    )


def pulse_figures(total: disclosure.Total) -> PulseFigures:
    """A group's pulse from its released cells: each scale's sum of personal averages over the people."""
    guard = _withheld(total)
    if not guard.shown:
        return PulseFigures(people=guard.people, withheld=guard.withheld)
    means = {scale: total.mean(scale, "people") for scale in ("feeling", "energy", "confidence")}
    return PulseFigures(people=guard.people, **{k: round(v, 1) if v is not None else None for k, v in means.items()})


def _overdue(cells: disclosure.Released, completion: list[CompletionRow]) -> Overdue:
    """Overdue assessments and overdue goal actions, both over released cells only (contributors of the
    actions: the people who have goal actions, since even "none" says something about each of them)."""
    assessments = sum(row.overdue for row in completion)
    total = cells.total("actions")
    guard = _withheld(total)
    if not guard.shown:
        return Overdue(assessments=assessments, actions=guard, action_count=None, people_with_actions=None)
    return Overdue(
        assessments=assessments,
        actions=guard,
        action_count=int(total["overdue"]),
        people_with_actions=int(total["late_people"]),
    )


def _shared_goals(actor: policy.Actor, enrolments: QuerySet) -> SharedGoals:
    """Goals whose owners chose to share their progress with HR: HR may see each, so no minimum applies."""
    counts = (
        policy.scope(actor, SharedGoalProgress)
        .filter(employee_id__in=enrolments.values("employee_id"))
        .aggregate(goals=Count("pk"), mean=Avg("progress"), achieved=Count("pk", filter=Q(status="achieved")))
    )
    return SharedGoals(goals=counts["goals"], mean_progress=counts["mean"], achieved=counts["achieved"])


# --- breakdown: per cohort within a programme, per programme otherwise --------------------------------


@dataclass
class BreakdownRow:
    label: str
    enrolled: int
    started: int
    completed: int
    withdrawn: int
    present: int = 0
    absent: int = 0
    assigned: int = 0
    submitted: int = 0
    pulse: PulseFigures | None = None

    @property
    def attendance_rate(self) -> int | None:
        counted = self.present + self.absent
        return round(100 * self.present / counted) if counted else None

    @property
    def completion_rate(self) -> int | None:
        return round(100 * self.submitted / self.assigned) if self.assigned else None


def breakdown(*, actor: policy.Actor, filters: Filters, report: Dashboard | None = None) -> list[BreakdownRow]:
    """Enrolment and attendance (figures HR may see for any group) and assessment completion (released
    cells only) per cohort when a programme is chosen, per programme otherwise. Attendance and the cells come
    from `report` (`dashboard()` of the same selection), or are read here: one query with it, three without."""
    policy.require(actor, policy.HR_MANAGER)
    enrolments = _enrolments(actor, filters)
    by = "cohort" if filters.programme else "programme"
    key = f"{by}_id"
    rows: dict[int, BreakdownRow] = {}
    for row in (
        enrolments.order_by()
        .values(key, name=F(f"{by}__name"))
        .annotate(
            enrolled=Count("pk"),
            started=Count("pk", filter=Q(status__in=[Enrolment.Status.ACTIVE, Enrolment.Status.COMPLETED])),
            completed=Count("pk", filter=Q(status=Enrolment.Status.COMPLETED)),
            withdrawn=Count("pk", filter=Q(status=Enrolment.Status.WITHDRAWN)),
        )
        .order_by("name")
    ):
        rows[row[key]] = BreakdownRow(
            label=row["name"],
            enrolled=row["enrolled"],
            started=row["started"],
            completed=row["completed"],
            withdrawn=row["withdrawn"],
        )
    attendance = report.attendance_by_group if report is not None else _attendance(actor, filters)
    for group, counts in attendance.items():
        if group in rows:
            rows[group].present, rows[group].absent = counts.present, counts.absent
    # Completion per group: released cells only, as everywhere else (reports.disclosure).
    cells = report.cells if report is not None else released_of(actor=actor, filters=filters)
    for group, total in cells.by("completion", key).items():
        if group in rows:
            rows[group].assigned, rows[group].submitted = int(total["assigned"]), int(total["submitted"])
    # How people feel per group (per programme unless a programme is chosen): released cells only.
    pulses = cells.by("pulse", key)
    for group, row in rows.items():
        row.pulse = pulse_figures(pulses.get(group, disclosure.Total()))
    return list(rows.values())

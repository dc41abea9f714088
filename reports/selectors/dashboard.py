"""HR's dashboard: enrolment, attendance, credits, assessment completion, change per dimension, session
ratings and overdue work, for the whole organisation or a programme, cohort or department.

Enrolment, attendance and credits are HR's to see person by person (DESIGN.md), so their figures are
shown for any group. Figures made of coaching content (scores, ratings, goal actions) come from
`assessments.policies.dangerously_aggregate_over` and are shown only when

  - at least MIN_AGGREGATE_GROUP_SIZE people contribute to them, and
  - no wider selection one filter away (the same filters with one of them dropped) differs from this one
    by fewer than that many people: otherwise comparing the two would give away the figures of those few.

The page, the programme PDF and the benchmark all call `dashboard()`: a fixed number of queries however
large the organisation.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date

from django.conf import settings
from django.db import connection
from django.db.models import Avg, Count, Exists, F, Max, OuterRef, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from assessments.models import ActionItem, Assignment, Dimension, PhaseAssessment, Score, SessionFeedback
from assessments.models import SharedGoalProgress
from assessments.policies import dangerously_aggregate_over
from portal import policy
from programmes.models import Attendance, Cohort, CreditTransaction, EmployeeProfile, Enrolment, Programme, Session

FILTERS = ("programme", "cohort", "department")
MOMENTS = (PhaseAssessment.Moment.INITIAL, PhaseAssessment.Moment.MIDPOINT, PhaseAssessment.Moment.FINAL)
RATINGS = (1, 2, 3, 4, 5)

WITHHELD_SMALL = gettext_lazy("Withheld: fewer than %(minimum)s people contribute to this figure.")
WITHHELD_DIFFERENCE = gettext_lazy(
    "Withheld: comparing it with a wider selection would reveal the figures of fewer than %(minimum)s people.")


def minimum_group() -> int:
    return settings.MIN_AGGREGATE_GROUP_SIZE


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
    departments = list(policy.scope(actor, EmployeeProfile).filter(user_id__in=enrolled).exclude(department="")
                       .order_by("department").values_list("department", flat=True).distinct())
    return FilterChoices(programmes=programmes, cohorts=list(cohorts.only("pk", "name", "programme__name")),
                         departments=departments)


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
    overdue: Overdue
    shared_goals: SharedGoals
    generated_at: object = field(default_factory=timezone.now)

    @property
    def is_empty(self) -> bool:
        return self.people == 0


def _conditions(filters: Filters, *, programme: str, cohort: str, employee: str) -> dict[str, Q]:
    """Q objects for the selection ("group") and each wider selection with one filter dropped.

    `programme`, `cohort` and `employee` name the lookups of those on the queried model.
    """
    parts = {}
    if filters.programme:
        parts["programme"] = Q(**{programme: filters.programme.pk})
    if filters.cohort:
        parts["cohort"] = Q(**{cohort: filters.cohort.pk})
    if filters.department:
        parts["department"] = Q(**{f"{employee}__in": department_members(filters.department)})
    group = Q()
    for condition in parts.values():
        group &= condition
    wider = {}
    for dropped in parts:
        if dropped == "programme" and "cohort" in parts:
            continue  # a cohort lies in one programme: dropping the programme selects the same people
        condition = Q()
        for name, part in parts.items():
            if name != dropped:
                condition &= part
        wider[dropped] = condition
    return {"group": group, **{f"wider_{name}": condition for name, condition in wider.items()}}


def department_members(department: str) -> QuerySet:
    return EmployeeProfile.objects.filter(department=department).values("user_id")


def _guard(counts: dict[str, int]) -> Guarded:
    """Shown when the group is big enough and differs from every wider selection by zero or enough people."""
    minimum = minimum_group()
    people = counts.get("group") or 0
    if people < minimum:
        return Guarded(people=people, withheld=str(WITHHELD_SMALL % {"minimum": minimum}))
    for name, wider in counts.items():
        if name != "group" and 0 < (wider or 0) - people < minimum:
            return Guarded(people=people, withheld=str(WITHHELD_DIFFERENCE % {"minimum": minimum}))
    return Guarded(people=people)


def dashboard(*, actor: policy.Actor, filters: Filters) -> Dashboard:
    """Every figure of the dashboard for the selection: eleven queries, however many people."""
    policy.require(actor, policy.HR_MANAGER)
    today = timezone.localdate()
    enrolments = _enrolments(actor, filters)
    funnel, people, credits_allowance = _funnel(enrolments)  # 1
    credits = _credits(actor, enrolments, credits_allowance)  # 2
    attendance = _attendance(actor, filters)  # 3
    completion = _completion(actor, enrolments, today)  # 4
    change = _change(actor, filters)  # 5, 6
    ratings = _ratings(actor, filters)  # 7
    overdue = _overdue(actor, filters, completion)  # 8, 9
    shared = _shared_goals(actor, enrolments)  # 10
    return Dashboard(filters=filters, minimum=minimum_group(), people=people, funnel=funnel,
                     attendance=attendance, credits=credits, completion=completion, change=change,
                     ratings=ratings, overdue=overdue, shared_goals=shared)


def _enrolments(actor: policy.Actor, filters: Filters) -> QuerySet:
    conditions = _conditions(filters, programme="programme_id", cohort="cohort_id", employee="employee_id")
    return policy.scope(actor, Enrolment).filter(conditions["group"])


def _funnel(enrolments: QuerySet) -> tuple[list[FunnelStep], int, int]:
    counts = enrolments.aggregate(
        total=Count("pk"), people=Count("employee_id", distinct=True),
        started=Count("pk", filter=Q(status__in=[Enrolment.Status.ACTIVE, Enrolment.Status.COMPLETED])),
        completed=Count("pk", filter=Q(status=Enrolment.Status.COMPLETED)),
        withdrawn=Count("pk", filter=Q(status=Enrolment.Status.WITHDRAWN)),
        allowance=Coalesce(Sum("credit_allowance", filter=~Q(status=Enrolment.Status.WITHDRAWN)), 0))
    total = counts["total"]

    def step(key: str, label: str) -> FunnelStep:
        return FunnelStep(key=key, label=label, count=counts[key],
                          percent=round(100 * counts[key] / total) if total else 0)

    funnel = [step("total", _("Enrolled")), step("started", _("Started")), step("completed", _("Completed")),
              step("withdrawn", _("Withdrew"))]
    return funnel, counts["people"], counts["allowance"]


def _credits(actor: policy.Actor, enrolments: QuerySet, allowance: int) -> Credits:
    ledger = policy.scope(actor, CreditTransaction).filter(
        enrolment__in=enrolments.exclude(status=Enrolment.Status.WITHDRAWN)).aggregate(
        spent=Coalesce(Sum("delta", filter=~Q(reason=CreditTransaction.Reason.ADJUSTMENT)), 0),
        adjusted=Coalesce(Sum("delta", filter=Q(reason=CreditTransaction.Reason.ADJUSTMENT)), 0))
    return Credits(allowance=allowance, used=-ledger["spent"], adjusted=ledger["adjusted"])


def attendance_of(filters: Filters) -> Q:
    """Attendance of the selection: in its programme's or cohort's sessions (a 1:1 belongs to its
    enrolment, a group session to its cohort), by people of its department. Written on the session's own
    links rather than through the enrolments, so that PostgreSQL can use the foreign keys' indexes."""
    condition = Q()
    if filters.cohort:
        condition &= Q(session__cohort_id=filters.cohort.pk) | Q(session__enrolment__cohort_id=filters.cohort.pk)
    elif filters.programme:
        condition &= (Q(session__cohort__programme_id=filters.programme.pk)
                      | Q(session__enrolment__programme_id=filters.programme.pk))
    if filters.department:
        condition &= Q(user_id__in=department_members(filters.department))
    return condition


def _attendance(actor: policy.Actor, filters: Filters) -> Attendance_:
    counts = dict(policy.scope(actor, Attendance).filter(attendance_of(filters), session__starts_at__lt=timezone.now())
                  .exclude(session__status=Session.Status.CANCELLED)
                  .order_by().values_list("status").annotate(n=Count("pk")))
    return Attendance_(present=counts.get(Attendance.Status.PRESENT, 0),
                       absent=counts.get(Attendance.Status.ABSENT, 0),
                       excused=counts.get(Attendance.Status.EXCUSED, 0),
                       unmarked=counts.get(Attendance.Status.EXPECTED, 0))


def _completion(actor: policy.Actor, enrolments: QuerySet, today: date) -> list[CompletionRow]:
    # Completion is a count HR may see for any group (DESIGN.md): no minimum applies.
    rows = {row["phase_assessment__moment"]: row for row in dangerously_aggregate_over(actor, Assignment)
            .filter(enrolment__in=enrolments.exclude(status=Enrolment.Status.WITHDRAWN))
            .order_by().values("phase_assessment__moment")
            .annotate(assigned=Count("pk"), submitted=Count("pk", filter=Q(submitted_at__isnull=False)),
                      overdue=Count("pk", filter=Q(submitted_at__isnull=True, phase_assessment__due_on__lt=today)))}
    return [CompletionRow(moment=moment.value, label=str(moment.label), assigned=rows[moment]["assigned"],
                          submitted=rows[moment]["submitted"], overdue=rows[moment]["overdue"])
            for moment in MOMENTS if moment in rows]


def _change(actor: policy.Actor, filters: Filters) -> list[InstrumentChange]:
    """Mean score per dimension at the initial and the final assessment of the same people, the mean change
    and its effect size. One query pairs every person's initial and final scores and aggregates them for
    the selection and each wider selection; one more names the dimensions."""
    dept = Exists(department_members(filters.department).filter(user_id=OuterRef("assignment__employee_id"))) \
        if filters.department else Value(False)
    pairs = (dangerously_aggregate_over(actor, Score)
             .filter(assignment__submitted_at__isnull=False, value__isnull=False,
                     assignment__phase_assessment__moment__in=[PhaseAssessment.Moment.INITIAL,
                                                               PhaseAssessment.Moment.FINAL])
             .exclude(assignment__enrolment__status=Enrolment.Status.WITHDRAWN)
             .order_by()
             .values(instrument_id=F("assignment__phase_assessment__instrument_id"), key=F("dimension_key"),
                     enrolment=F("assignment__enrolment_id"), programme=F("assignment__enrolment__programme_id"),
                     cohort=F("assignment__enrolment__cohort_id"), in_department=dept)
             .annotate(initial=Max("value", filter=Q(assignment__phase_assessment__moment="initial")),
                       final=Max("value", filter=Q(assignment__phase_assessment__moment="final"))))
    inner_sql, params = pairs.query.sql_with_params()
    selections = _sql_selections(filters)
    columns = ["p.instrument_id", "p.key"]
    aggregates = []
    for name, condition in selections.items():
        aggregates.append(f"COUNT(*) FILTER (WHERE {condition})")
    aggregates += [
        f"AVG(p.initial) FILTER (WHERE {selections['group']})",
        f"AVG(p.final) FILTER (WHERE {selections['group']})",
        f"AVG(p.final - p.initial) FILTER (WHERE {selections['group']})",
        f"STDDEV_SAMP(p.final - p.initial) FILTER (WHERE {selections['group']})",
    ]
    sql = (f"SELECT {', '.join(columns + aggregates)} FROM ({inner_sql}) p "
           f"WHERE p.initial IS NOT NULL AND p.final IS NOT NULL GROUP BY 1, 2 ORDER BY 1, 2")
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    names = _dimension_names({(row[0], row[1]) for row in rows})
    by_instrument: dict[int, InstrumentChange] = {}
    for row in rows:
        instrument_id, key = row[0], row[1]
        counts = dict(zip(selections, row[2:2 + len(selections)]))
        initial, final, mean_change, spread = row[2 + len(selections):]
        guard = _guard(counts)
        title, name, position = names.get((instrument_id, key), ("", key, 0))
        line = DimensionChange(people=guard.people, withheld=guard.withheld, instrument_id=instrument_id, key=key,
                               name=name, position=position)
        if guard.shown:
            line.initial, line.final, line.change = initial, final, mean_change
            line.effect_size = mean_change / spread if spread and not math.isclose(spread, 0) else None
        group = by_instrument.setdefault(instrument_id, InstrumentChange(instrument_id, title, []))
        group.dimensions.append(line)
    for group in by_instrument.values():
        group.dimensions.sort(key=lambda line: (line.position, line.key))
    return sorted(by_instrument.values(), key=lambda group: group.title)


def _sql_selections(filters: Filters) -> dict[str, str]:
    """SQL conditions on the paired rows `p` for the selection and each wider one (values are ids and
    booleans computed in the inner query, so no user input is written into the SQL)."""
    parts = {}
    if filters.programme:
        parts["programme"] = f"p.programme = {int(filters.programme.pk)}"
    if filters.cohort:
        parts["cohort"] = f"p.cohort = {int(filters.cohort.pk)}"
    if filters.department:
        parts["department"] = "p.in_department"
    group = " AND ".join(parts.values()) or "TRUE"
    selections = {"group": group}
    for dropped in parts:
        if dropped == "programme" and "cohort" in parts:
            continue
        selections[f"wider_{dropped}"] = " AND ".join(v for k, v in parts.items() if k != dropped) or "TRUE"
    return selections


def _dimension_names(keys: set[tuple[int, str]]) -> dict[tuple[int, str], tuple[str, str, int]]:
    """(instrument, dimension key) -> (instrument title, dimension name, position), in the latest wording."""
    if not keys:
        return {}
    dimensions = (Dimension.objects.filter(version__instrument_id__in={instrument for instrument, _key in keys},
                                           version__is_latest=True, key__in={key for _instrument, key in keys})
                  .select_related("version"))
    return {(d.version.instrument_id, d.key): (d.version.title, d.name, d.position) for d in dimensions}


def _ratings(actor: policy.Actor, filters: Filters) -> Ratings:
    """How the selection's people rated their sessions: distribution, mean and how many people rated."""
    conditions = _conditions(filters, programme="programme", cohort="cohort", employee="employee_id")
    feedback = (dangerously_aggregate_over(actor, SessionFeedback)
                .exclude(session__status=Session.Status.CANCELLED)
                .annotate(cohort=Coalesce("session__cohort_id", "session__enrolment__cohort_id"),
                          programme=Coalesce("session__cohort__programme_id", "session__enrolment__programme_id")))
    group = conditions["group"]
    aggregates = {name: Count("employee_id", distinct=True, filter=condition)
                  for name, condition in conditions.items()}
    aggregates.update({f"r{rating}": Count("pk", filter=group & Q(rating=rating)) for rating in RATINGS})
    aggregates["mean"] = Avg("rating", filter=group)
    counts = feedback.aggregate(**aggregates)
    guard = _guard({name: counts[name] for name in conditions})
    if not guard.shown:
        return Ratings(people=guard.people, withheld=guard.withheld)
    distribution = {rating: counts[f"r{rating}"] for rating in RATINGS}
    return Ratings(people=guard.people, count=sum(distribution.values()), mean=counts["mean"],
                   distribution=distribution)


def _overdue(actor: policy.Actor, filters: Filters, completion: list[CompletionRow]) -> Overdue:
    """Overdue assessments (a count HR may see) and overdue goal actions (content: guarded by the size of
    the selection, since even "none" says something about everyone in it). Two queries."""
    conditions = _conditions(filters, programme="programme_id", cohort="cohort_id", employee="employee_id")
    live = dangerously_aggregate_over(actor, Enrolment).exclude(status=Enrolment.Status.WITHDRAWN)
    sizes = live.aggregate(**{name: Count("employee_id", distinct=True, filter=condition)
                              for name, condition in conditions.items()})
    late = dangerously_aggregate_over(actor, ActionItem).filter(
        goal__employee_id__in=live.filter(conditions["group"]).values("employee_id"), done_at__isnull=True,
        due_on__lt=timezone.localdate()).exclude(goal__status__in=["achieved", "dropped"]).aggregate(
        actions=Count("pk"), people=Count("goal__employee_id", distinct=True))
    guard = _guard(sizes)
    assessments = sum(row.overdue for row in completion)
    if not guard.shown:  # (counted all the same, so the page's queries do not depend on the data)
        return Overdue(assessments=assessments, actions=guard, action_count=None, people_with_actions=None)
    return Overdue(assessments=assessments, actions=guard, action_count=late["actions"],
                   people_with_actions=late["people"])


def _shared_goals(actor: policy.Actor, enrolments: QuerySet) -> SharedGoals:
    """Goals whose owners chose to share their progress with HR: HR may see each, so no minimum applies."""
    counts = policy.scope(actor, SharedGoalProgress).filter(
        employee_id__in=enrolments.values("employee_id")).aggregate(
        goals=Count("pk"), mean=Avg("progress"), achieved=Count("pk", filter=Q(status="achieved")))
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

    @property
    def attendance_rate(self) -> int | None:
        counted = self.present + self.absent
        return round(100 * self.present / counted) if counted else None

    @property
    def completion_rate(self) -> int | None:
        return round(100 * self.submitted / self.assigned) if self.assigned else None


def breakdown(*, actor: policy.Actor, filters: Filters) -> list[BreakdownRow]:
    """Enrolment, attendance and assessment completion per cohort (when a programme is chosen) or per
    programme: figures HR may see for any group. Three queries."""
    policy.require(actor, policy.HR_MANAGER)
    enrolments = _enrolments(actor, filters)
    by = "cohort" if filters.programme else "programme"
    key = f"{by}_id"
    rows: dict[int, BreakdownRow] = {}
    for row in (enrolments.order_by().values(key, name=F(f"{by}__name"))
                .annotate(enrolled=Count("pk"),
                          started=Count("pk", filter=Q(status__in=[Enrolment.Status.ACTIVE,
                                                                   Enrolment.Status.COMPLETED])),
                          completed=Count("pk", filter=Q(status=Enrolment.Status.COMPLETED)),
                          withdrawn=Count("pk", filter=Q(status=Enrolment.Status.WITHDRAWN)))
                .order_by("name")):
        rows[row[key]] = BreakdownRow(label=row["name"], enrolled=row["enrolled"], started=row["started"],
                                      completed=row["completed"], withdrawn=row["withdrawn"])
    # Attendance per group: a group session counts for its cohort, a 1:1 for its enrolment's.
    group = (Coalesce("session__cohort__programme_id", "session__enrolment__programme_id") if by == "programme"
             else Coalesce("session__cohort_id", "session__enrolment__cohort_id"))
    attendance = (policy.scope(actor, Attendance)
                  .filter(attendance_of(filters), session__starts_at__lt=timezone.now())
                  .exclude(session__status=Session.Status.CANCELLED)
                  .annotate(group=group).order_by().values("group")
                  .annotate(present=Count("pk", filter=Q(status=Attendance.Status.PRESENT)),
                            absent=Count("pk", filter=Q(status=Attendance.Status.ABSENT))))
    for row in attendance:
        if row["group"] in rows:
            rows[row["group"]].present, rows[row["group"]].absent = row["present"], row["absent"]
    completion = (dangerously_aggregate_over(actor, Assignment)
                  .filter(enrolment__in=enrolments.exclude(status=Enrolment.Status.WITHDRAWN))
                  .order_by().values(group=F(f"enrolment__{key}"))
                  .annotate(assigned=Count("pk"), submitted=Count("pk", filter=Q(submitted_at__isnull=False))))
    for row in completion:
        if row["group"] in rows:
            rows[row["group"]].assigned, rows[row["group"]].submitted = row["assigned"], row["submitted"]
    return list(rows.values())

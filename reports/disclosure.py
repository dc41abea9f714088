"""Disclosure control: the one way an aggregate of coaching content reaches HR.

Every HR-facing figure made of what people did in their coaching (assessment completion and scores, the
change per dimension, session ratings, reflections written, goals and their progress, goal actions done
and overdue, how people feel: the pulse) is read from the released cells kept here, by the dashboard and its htmx body, the programme
PDF, the assessment overview, the engagement page, HR's home panels and the engagement API alike. No
selector reads that content for HR in any other way. Figures HR may see person by person anyway
(enrolment, attendance, credits, goals an employee chose to share with HR) are not aggregates of content
and are not controlled here (DESIGN.md, the confidentiality table).

The rules, in the order they apply:

1. **The cell.** Every figure is a sum over cells: the people of one cohort (and so one programme) in one
   department (EmployeeProfile.department; people without one form the department ""). Every filter HR
   can choose (organisation, programme, cohort, department and their combinations) and every breakdown
   (per programme, per cohort, per scheduled assessment) is a union of whole cells, so all figures HR can
   obtain are margins of one table: CELL_DIMENSIONS.

2. **Threshold on contributors.** A cell is released only when at least `MIN_AGGREGATE_GROUP_SIZE`
   (THRESHOLD_SETTING; 5 by default) people *contribute* to it: for each kind of figure, the people who
   stand behind it (CONTRIBUTORS: who submitted the assessment, had both scores, rated a session, wrote a
   reflection, set a goal, had goal actions). Enrolments never count: a cohort padded with people who
   never sign in releases nothing.

3. **Complementary suppression** (COMPLEMENTARY_RULE). Within a cohort, the departments with fewer than
   the threshold of contributors are pooled into one cell, "the rest of the cohort", which belongs to no
   department: a department filter never shows it. When that pool holds some but fewer than the threshold
   of contributors (exactly one small department beside large ones, or several that together are still
   too few), the smallest other department joins the pool, and so on, until the pool reaches the
   threshold or holds the whole cohort (the classic rule: withhold the smallest sibling too, and more
   while "whole minus the shown parts" is under the threshold). Margins are sums of *released* cells
   only: a cell that is withheld (a pool or a cohort under the threshold) is part of no figure HR sees.
   So for any whole and its parts (programme → cohorts, organisation → programmes, any selection →
   departments, programme + department, department across cohorts), "whole − Σ shown parts" is itself a
   sum of released cells of at least the threshold, A + B against A gives B's released cells, and no
   addition or subtraction of shown figures reaches a withheld department or counts its people.

4. **Change over time** (CHANGE_RULE, REFRESH_PERIOD). HR sees the cells as last *released*, never the
   live data. `refresh()` runs at most once a day (reports.tasks.disclosure_refresh, nightly, organisation
   by organisation) and recomputes every cell. A cell keeps, per participant, a fingerprint of what they
   contributed at its last release. The new figures are released only when the number of people whose
   contribution changed since that release (who joined, left, moved cohort or department, or whose own
   figures changed) is zero or at least the threshold; otherwise the cell keeps its last released figures
   (or stays withheld). One person moving between cohorts therefore changes neither cohort's figures, and
   comparing two days' figures never isolates fewer than the threshold. A cell whose contributors fall
   below the threshold is withheld at once (withholding reveals nothing), and is released again only
   under the same rule, measured against its last release.

Figures are released with the date of their refresh; the pages say so ("figures as of").
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Avg, Count, F, Max, Q, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from assessments.models import (
    ActionItem,
    Assignment,
    Goal,
    PhaseAssessment,
    Pulse,
    Reflection,
    Score,
    SessionFeedback,
)
from matching.models import Rematch
from portal import policy
from programmes.models import EmployeeProfile, Enrolment, Session
from reports.models import ReleasedCell, ReleasedTotal
from stakeholders.models import Rater, Round

THRESHOLD_SETTING = "MIN_AGGREGATE_GROUP_SIZE"
CELL_DIMENSIONS = ("cohort", "department")  # a cohort lies in one programme, so a cell lies in one too
COMPLEMENTARY_RULE = (
    "small departments of a cohort are pooled, the smallest other department joining the pool "
    "while it holds some but fewer than the threshold; margins hold released cells only"
)
CHANGE_RULE = (
    "release when the people whose contribution changed since the last release are none or at least the threshold"
)
REFRESH_PERIOD = timedelta(days=1)

# What each kind of figure sums per cell, and who contributes to it.
CONTRIBUTORS = {
    "completion": "people who submitted the scheduled assessment",
    "scores": "people with a score for the dimension at the scheduled assessment",
    "baseline": "people with a score for the dimension both at the scheduled assessment and at the initial one",
    "change": "people with an initial and a final score for the dimension",
    "ratings": "people who rated a session",
    "reflections": "people who wrote a reflection",
    "goals": "people who set a goal",
    "actions": "people with goal actions",
    "pulse": "people who gave a pulse (each person's own average counts once)",
    "rematches": "people who changed coach",
    "stakeholders": "people who asked for stakeholder feedback in a round (counts of raters asked and answered)",
}
KINDS = tuple(CONTRIBUTORS)

WITHHOLD, HOLD, RELEASE = "withhold", "hold", "release"


def threshold() -> int:
    """The smallest number of contributors a released figure may stand on."""
    return getattr(settings, THRESHOLD_SETTING)


def release_decision(
    *, last_released: dict[str, str], current: dict[str, str], contributors: int, minimum: int | None = None
) -> str:
    """WITHHOLD, HOLD (keep the last release) or RELEASE a cell's new figures.

    `last_released` and `current` map each participant to the fingerprint of their contribution at the
    cell's last release and now; `contributors` counts the current contributors."""
    minimum = threshold() if minimum is None else minimum
    if contributors < minimum:
        return WITHHOLD
    changed = sum(
        1 for person in last_released.keys() | current.keys() if last_released.get(person) != current.get(person)
    )
    return RELEASE if changed == 0 or changed >= minimum else HOLD


# --- reading: what HR sees --------------------------------------------------------------------------------


@dataclass
class Total:
    """The sum of released cells: the contributors behind it and each summed value."""

    contributors: int = 0
    values: dict[str, float] = field(default_factory=dict)

    @property
    def shown(self) -> bool:
        return self.contributors > 0

    def __getitem__(self, name: str) -> float:
        return self.values.get(name, 0)

    def add(self, contributors: int, values: dict) -> None:
        self.contributors += contributors
        for name, value in values.items():
            self.values[name] = self.values.get(name, 0) + value

    def mean(self, total: str, count: str) -> float | None:
        return self[total] / self[count] if self.shown and self[count] else None


@dataclass(frozen=True)
class Cell:
    """The released figures of one kind for one cohort: its released cells summed over departments (or
    over the one department the selection names)."""

    kind: str
    key: str
    programme_id: int
    cohort_id: int
    contributors: int
    values: dict


@dataclass
class Released:
    """The released cells of a selection, read once; the figures are sums over them."""

    cells: list[Cell]
    released_on: date | None

    def of(self, kind: str, key: str | None = None) -> Iterator[Cell]:
        return (cell for cell in self.cells if cell.kind == kind and (key is None or cell.key == key))

    def total(self, kind: str, key: str | None = None, **where) -> Total:
        total = Total()
        for cell in self.of(kind, key):
            if all(getattr(cell, name) == value for name, value in where.items()):
                total.add(cell.contributors, cell.values)
        return total

    def by(self, kind: str, attribute: str, key: str | None = None) -> dict:
        """Totals per value of a cell attribute (cohort_id, programme_id, key)."""
        totals: dict = {}
        for cell in self.of(kind, key):
            totals.setdefault(getattr(cell, attribute), Total()).add(cell.contributors, cell.values)
        return totals


_CONTRIBUTORS = "__contributors"


def _sums(where: str) -> str:
    """SQL summing the released cells that meet `where` per kind, key, cohort and value name (the contributors
    under the name _CONTRIBUTORS), with the latest day among them: what every figure is a sum of. Summed as
    exact decimals, so that a sum does not depend on the order in which PostgreSQL happens to read the cells."""
    return (
        f"SELECT c.kind, c.key, c.programme_id, c.cohort_id, v.key AS name, SUM(v.value::numeric) AS total, "
        f"MAX(c.released_on) AS released_on FROM {ReleasedCell._meta.db_table} c CROSS JOIN LATERAL jsonb_each_text("
        f"c.\"values\" || jsonb_build_object('{_CONTRIBUTORS}', c.contributors)) v "
        f"WHERE {where} GROUP BY 1, 2, 3, 4, 5"
    )


def released(
    *,
    actor: policy.Actor,
    kinds: Iterable[str],
    programme_id: int | None = None,
    cohort_id: int | None = None,
    department: str | None = None,
) -> Released:
    """The released cells of the selection for these kinds of figure, summed per cohort (one query, a row
    per kind, key and cohort however many departments).

    Without a department the sums are read as the release wrote them (ReleasedTotal, a row per cohort);
    with one, from that department's own cells, which leave out the cohort's pool of small departments."""

    policy.require(actor, policy.HR_MANAGER)
    kinds = list(kinds)
    if department:
        return summed_cells(kinds=kinds, programme_id=programme_id, cohort_id=cohort_id, department=department)
    rows = ReleasedTotal.objects.filter(kind__in=kinds)
    if programme_id is not None and programme_id != "":
        rows = rows.filter(programme_id=programme_id)
    if cohort_id is not None and cohort_id != "":
        rows = rows.filter(cohort_id=cohort_id)
    cells, last = [], None
    for kind, key, programme, cohort, contributors, values, on in rows.order_by("kind", "key", "cohort_id").values_list(
        "kind", "key", "programme_id", "cohort_id", "contributors", "values", "released_on"
    ):
        cells.append(
            Cell(kind, key, programme, cohort, contributors, {name: float(value) for name, value in values.items()})
        )
        last = on if last is None or (on and on > last) else last
    return Released(cells=cells, released_on=last)


def summed_cells(
    *,
    kinds: Iterable[str],
    programme_id: int | None = None,
    cohort_id: int | None = None,
    department: str | None = None,
) -> Released:
    """The released cells of the selection summed per cohort from the cells themselves (one query). For a
    department, its own cells; without one, every released cell of each cohort, as ReleasedTotal holds them."""

    where, params = ["c.shown", "c.kind = ANY(%s)"], [list(kinds)]
    for column, value in (("programme_id", programme_id), ("cohort_id", cohort_id), ("department", department)):
        if value is not None and value != "":
            where.append(f"c.{column} = %s")
            params.append(value)
    if department:
        where.append("NOT c.pooled")  # a pool of small departments is no department's figure
    sums: dict[tuple, dict] = {}
    last = None
    with connection.cursor() as cursor:
        cursor.execute(_sums(" AND ".join(where)), params)
        for kind, key, programme, cohort, name, value, on in cursor.fetchall():
            sums.setdefault((kind, key, programme, cohort), {})[name] = float(value)
            last = on if last is None or (on and on > last) else last
    cells = [
        Cell(kind, key, programme, cohort, int(values.pop(_CONTRIBUTORS, 0)), values)
        for (kind, key, programme, cohort), values in sums.items()
    ]
    return Released(cells=cells, released_on=last)


def _write_totals() -> None:
    """Every cohort's released cells summed per kind and key into ReleasedTotal, by the same SQL as
    `summed_cells` (part of the release's transaction, so the totals never lag the cells)."""
    table = ReleasedTotal._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table}")
        cursor.execute(
            f'INSERT INTO {table} (kind, key, programme_id, cohort_id, contributors, "values", released_on) '
            f"SELECT kind, key, programme_id, cohort_id, COALESCE(SUM(total) FILTER (WHERE name = %s), 0)::integer, "
            f"COALESCE(jsonb_object_agg(name, total) FILTER (WHERE name <> %s), '{{}}'::jsonb), MAX(released_on) "
            f"FROM ({_sums('c.shown')}) sums GROUP BY 1, 2, 3, 4",
            [_CONTRIBUTORS, _CONTRIBUTORS],
        )


# --- refreshing: the nightly release ----------------------------------------------------------------------


@dataclass
class _Building:
    programme_id: int
    members: dict[str, str] = field(default_factory=dict)
    contributors: int = 0
    values: dict[str, float] = field(default_factory=dict)


def _fingerprint(values: dict) -> str:
    return hashlib.sha256(json.dumps(values, sort_keys=True, default=str).encode()).hexdigest()[:16]


def current_cells(*, today: date | None = None) -> dict[tuple[str, str, int, str, bool], _Building]:
    """Every cell as the data stands now, with each participant's fingerprint (never shown to HR)."""

    today = today or timezone.localdate()
    departments = dict(EmployeeProfile.objects.values_list("user_id", "department"))
    cells: dict[tuple[str, str, int, str], _Building] = {}
    for kind, key, programme_id, cohort_id, person, contributes, values in _contributions(today):
        department = departments.get(person) or ""
        cell = cells.setdefault((kind, key, cohort_id, department), _Building(programme_id))
        cell.members[str(person)] = _fingerprint(values)
        cell.contributors += 1 if contributes else 0
        for name, value in values.items():
            cell.values[name] = cell.values.get(name, 0) + value
    return _pool_small_departments(cells, threshold())


def _pool_small_departments(cells: dict, minimum: int) -> dict[tuple[str, str, int, str, bool], _Building]:
    """Per kind, key and cohort: the departments of fewer than `minimum` contributors pooled into one cell
    (the rest of the cohort); while that pool holds some but fewer than `minimum` contributors, the
    smallest other department joins it (the complementary rule). Addresses gain `pooled`."""
    cohorts: dict[tuple[str, str, int], dict[str, _Building]] = {}
    for (kind, key, cohort, department), cell in cells.items():
        cohorts.setdefault((kind, key, cohort), {})[department] = cell
    pooled_cells: dict[tuple[str, str, int, str, bool], _Building] = {}
    for (kind, key, cohort), by_department in cohorts.items():
        ordered = sorted(by_department, key=lambda name: (by_department[name].contributors, name))
        pool = [name for name in ordered if by_department[name].contributors < minimum]
        while 0 < sum(by_department[name].contributors for name in pool) < minimum and len(pool) < len(ordered):
            pool.append(next(name for name in ordered if name not in pool))
        for name in ordered:
            if name not in pool:
                pooled_cells[(kind, key, cohort, name, False)] = by_department[name]
        if pool:
            rest = _Building(by_department[pool[0]].programme_id)
            for name in pool:
                part = by_department[name]
                rest.members.update(part.members)
                rest.contributors += part.contributors
                for value_name, value in part.values.items():
                    rest.values[value_name] = rest.values.get(value_name, 0) + value
            pooled_cells[(kind, key, cohort, "", True)] = rest
    return pooled_cells


def refresh(*, today: date | None = None, force: bool = False) -> dict[str, int] | None:
    """Release this organisation's cells for today under the change rule; None when already done today
    (at most once per REFRESH_PERIOD, unless forced). Counts of cells released, held and withheld."""

    today = today or timezone.localdate()
    if not force and ReleasedCell.objects.filter(refreshed_on__gt=today - REFRESH_PERIOD).exists():
        return None
    minimum = threshold()
    counts = {RELEASE: 0, HOLD: 0, WITHHOLD: 0}
    with transaction.atomic():
        existing = {
            (row.kind, row.key, row.cohort_id, row.department, row.pooled): row
            for row in ReleasedCell.objects.select_for_update()
        }
        current = current_cells(today=today)
        changed, created, gone = [], [], []
        for address in existing.keys() | current.keys():
            row = existing.get(address)
            cell = current.get(address) or _Building(row.programme_id)
            decision = release_decision(
                last_released=row.members if row else {},
                current=cell.members,
                contributors=cell.contributors,
                minimum=minimum,
            )
            counts[decision] += 1
            if row is None:
                row = ReleasedCell(
                    kind=address[0],
                    key=address[1],
                    cohort_id=address[2],
                    department=address[3],
                    pooled=address[4],
                    programme_id=cell.programme_id,
                    refreshed_on=today,
                )
                created.append(row)
            else:
                changed.append(row)
            row.refreshed_on, row.programme_id = today, cell.programme_id
            if decision == RELEASE:
                row.shown, row.contributors, row.values = True, cell.contributors, cell.values
                row.members, row.released_on = cell.members, today
            elif decision == WITHHOLD:
                # The reference stays the last release, so that a later release is measured against it.
                row.shown, row.contributors, row.values = False, 0, {}
                if not row.members and address not in current:
                    gone.append(row)
        ReleasedCell.objects.filter(pk__in=[row.pk for row in gone if row.pk]).delete()
        gone_ids = {id(row) for row in gone}
        ReleasedCell.objects.bulk_create([row for row in created if id(row) not in gone_ids], batch_size=2000)
        ReleasedCell.objects.bulk_update(
            [row for row in changed if id(row) not in gone_ids],
            ["shown", "contributors", "values", "members", "released_on", "refreshed_on", "programme_id"],
            batch_size=2000,
        )
        _write_totals()
    return counts


# --- what each person contributes to each cell ------------------------------------------------------------


def _contributions(today: date) -> Iterator[tuple[str, str, int, int, int, bool, dict]]:
    """(kind, key, programme, cohort, person, contributes, values) for every participant of every cell.
    The one place that reads coaching content for HR's figures; nothing leaves it but sums per cell."""
    yield from _completion_and_scores(today)
    yield from _change()
    yield from _ratings()
    yield from _journal(today)
    yield from _pulse()
    yield from _rematches()
    yield from _stakeholder_rounds()


def _rematches():
    """Per person who changed coach, in the cohort of that enrolment: a count, never the reason."""

    for programme, cohort, person in (
        Rematch.objects.exclude(enrolment__status=Enrolment.Status.WITHDRAWN)
        .order_by()
        .values_list("enrolment__programme_id", "enrolment__cohort_id", "enrolment__employee_id")
    ):
        yield "rematches", "", programme, cohort, person, True, {"rematches": 1}


def _live_enrolments():

    return Enrolment.objects.exclude(status=Enrolment.Status.WITHDRAWN)


def _completion_and_scores(today: date):

    live = ~Q(enrolment__status=Enrolment.Status.WITHDRAWN)
    for row in (
        Assignment.objects.filter(live)
        .order_by()
        .values(
            "phase_assessment_id",
            "phase_assessment__moment",
            "enrolment__programme_id",
            "enrolment__cohort_id",
            "employee_id",
        )
        .annotate(
            assigned=Count("pk"),
            started=Count("pk", filter=Q(started_at__isnull=False, submitted_at__isnull=True)),
            submitted=Count("pk", filter=Q(submitted_at__isnull=False)),
            overdue=Count("pk", filter=Q(submitted_at__isnull=True, phase_assessment__due_on__lt=today)),
        )
    ):
        values = {name: row[name] for name in ("assigned", "started", "submitted", "overdue")}
        yield (
            "completion",
            f"{row['phase_assessment_id']}:{row['phase_assessment__moment']}",
            row["enrolment__programme_id"],
            row["enrolment__cohort_id"],
            row["employee_id"],
            row["submitted"] > 0,
            values,
        )
    scores = (
        Score.objects.filter(live_assignment(), value__isnull=False)
        .order_by()
        .values_list(
            "assignment__phase_assessment_id",
            "assignment__phase_assessment__moment",
            "assignment__phase_assessment__programme_id",
            "assignment__phase_assessment__instrument_id",
            "dimension_key",
            "assignment__enrolment_id",
            "assignment__enrolment__programme_id",
            "assignment__enrolment__cohort_id",
            "assignment__employee_id",
            "value",
        )
    )
    scores = list(scores)
    initial = {
        (programme, instrument, key, enrolment): value
        for _pa, moment, programme, instrument, key, enrolment, _p, _c, _e, value in scores
        if moment == PhaseAssessment.Moment.INITIAL
    }
    for pa, moment, programme, instrument, key, enrolment, e_programme, cohort, person, value in scores:
        yield "scores", f"{pa}:{key}", e_programme, cohort, person, True, {"n": 1, "sum": value}
        base = initial.get((programme, instrument, key, enrolment))
        if moment != PhaseAssessment.Moment.INITIAL and base is not None:
            yield (
                "baseline",
                f"{pa}:{key}",
                e_programme,
                cohort,
                person,
                True,
                {"n": 1, "initial": base, "final": value},
            )


def live_assignment() -> Q:

    return Q(assignment__submitted_at__isnull=False) & ~Q(assignment__enrolment__status=Enrolment.Status.WITHDRAWN)


def _change():
    """Per person, dimension and programme: the initial and the final score (the dashboard's change)."""

    pairs = (
        Score.objects.filter(
            live_assignment(),
            value__isnull=False,
            assignment__phase_assessment__moment__in=[PhaseAssessment.Moment.INITIAL, PhaseAssessment.Moment.FINAL],
        )
        .order_by()
        .values(
            instrument=F("assignment__phase_assessment__instrument_id"),
            key=F("dimension_key"),
            enrolment=F("assignment__enrolment_id"),
            programme=F("assignment__enrolment__programme_id"),
            cohort=F("assignment__enrolment__cohort_id"),
            person=F("assignment__employee_id"),
        )
        .annotate(
            initial=Max("value", filter=Q(assignment__phase_assessment__moment="initial")),
            final=Max("value", filter=Q(assignment__phase_assessment__moment="final")),
        )
    )
    for row in pairs:
        if row["initial"] is None or row["final"] is None:
            continue
        change = row["final"] - row["initial"]
        yield (
            "change",
            f"{row['instrument']}:{row['key']}",
            row["programme"],
            row["cohort"],
            row["person"],
            True,
            {"n": 1, "initial": row["initial"], "final": row["final"], "change": change, "change2": change * change},
        )


def _ratings():
    """Per person and cohort: how they rated sessions (a group session belongs to its cohort, a 1:1 to its
    enrolment's)."""

    rows = (
        SessionFeedback.objects.exclude(session__status=Session.Status.CANCELLED)
        .annotate(
            cohort=Coalesce("session__cohort_id", "session__enrolment__cohort_id"),
            programme=Coalesce("session__cohort__programme_id", "session__enrolment__programme_id"),
        )
        .filter(cohort__isnull=False)
        .order_by()
        .values("programme", "cohort", "employee_id")
        .annotate(sum=Sum("rating"), **{f"r{rating}": Count("pk", filter=Q(rating=rating)) for rating in range(1, 6)})
    )
    for row in rows:
        values = {name: row[name] for name in ("sum", "r1", "r2", "r3", "r4", "r5")}
        values["count"] = sum(row[f"r{rating}"] for rating in range(1, 6))
        yield "ratings", "", row["programme"], row["cohort"], row["employee_id"], True, values


def _journal(today: date):
    """Per person, in each cohort they take part in: reflections, goals and goal actions."""

    enrolments = list(_live_enrolments().values_list("employee_id", "programme_id", "cohort_id").distinct())
    people = {person for person, _programme, _cohort in enrolments}
    reflections = dict(
        Reflection.objects.filter(employee_id__in=people)
        .order_by()
        .values("employee_id")
        .annotate(n=Count("pk"))
        .values_list("employee_id", "n")
    )
    goals = {
        row["employee_id"]: row
        for row in Goal.objects.filter(employee_id__in=people)
        .order_by()
        .values("employee_id")
        .annotate(goals=Count("pk"), progress=Sum("progress"))
    }
    actions = {
        row["goal__employee_id"]: row
        for row in ActionItem.objects.filter(goal__employee_id__in=people)
        .order_by()
        .values("goal__employee_id")
        .annotate(
            actions=Count("pk"),
            done=Count("pk", filter=Q(done_at__isnull=False)),
            overdue=Count("pk", filter=Q(done_at__isnull=True, due_on__lt=today, goal__status=Goal.Status.ACTIVE)),
        )
    }
    for person, programme, cohort in enrolments:
        if reflections.get(person):
            yield "reflections", "", programme, cohort, person, True, {"reflections": reflections[person]}
        if person in goals:
            row = goals[person]
            yield (
                "goals",
                "",
                programme,
                cohort,
                person,
                True,
                {"goals": row["goals"], "progress": row["progress"] or 0},
            )
        if person in actions:
            row = actions[person]
            yield (
                "actions",
                "",
                programme,
                cohort,
                person,
                True,
                {"done": row["done"], "overdue": row["overdue"], "late_people": 1 if row["overdue"] else 0},
            )


def _pulse():
    """Per person and enrolment: the average of their pulses on each scale, so that every person weighs
    the same in their cohort's average however often they gave one."""

    rows = (
        Pulse.objects.exclude(enrolment__status=Enrolment.Status.WITHDRAWN)
        .order_by()
        .values("enrolment__programme_id", "enrolment__cohort_id", "employee_id")
        .annotate(feeling=Avg("feeling"), energy=Avg("energy"), confidence=Avg("confidence"))
    )
    for row in rows:
        values = {"people": 1, **{name: round(float(row[name]), 3) for name in ("feeling", "energy", "confidence")}}
        yield "pulse", "", row["enrolment__programme_id"], row["enrolment__cohort_id"], row["employee_id"], True, values


def _stakeholder_rounds():
    """Per person and round moment: that they asked for feedback, how many raters they asked and how many
    answered. Counts only: what anyone answered never reaches HR."""

    rows = (
        Round.objects.exclude(enrolment__status=Enrolment.Status.WITHDRAWN)
        .order_by()
        .values("moment", "enrolment__programme_id", "enrolment__cohort_id", "employee_id")
        .annotate(
            invited=Count("raters", filter=~Q(raters__relation=Rater.Relation.SELF)),
            answered=Count(
                "raters", filter=~Q(raters__relation=Rater.Relation.SELF) & Q(raters__submitted_at__isnull=False)
            ),
        )
    )
    for row in rows:
        yield (
            "stakeholders",
            row["moment"],
            row["enrolment__programme_id"],
            row["enrolment__cohort_id"],
            row["employee_id"],
            True,
            {"rounds": 1, "invited": row["invited"], "answered": row["answered"]},
        )

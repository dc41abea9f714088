"""Differencing attack on every aggregate HR can see (reports.disclosure).

On an organisation seeded with small groups (cohorts of 2, 3, 4, 5, 6 and 8 people, a cohort padded with
enrolments of people who never take part, three departments cut across the cohorts), the test asks every
HR-facing aggregate endpoint for every filter combination it offers, collects each figure shown (counts,
and sums as mean × count) together with the people the figure says it covers, and tries every addition
and subtraction an attacker would: each figure alone, a selection minus a nested one, two disjoint ones
added, and a whole minus every subset of its parts (cohorts of a programme, programmes and cohorts of the
organisation, departments of any selection). It fails when any result equals the true figure of a group
with fewer than MIN_AGGREGATE_GROUP_SIZE contributors. The endpoints: the dashboard page, its htmx body and
the programme PDF (the context its text is rendered from) for every programme × cohort × department
combination, the three CSV exports for the same (administrative rows only: checked to hold no content),
the assessment overview, every scheduled assessment's results page and htmx body for every cohort, the
engagement page and API, HR's home panels, and HR's stakeholder feedback completion counts (page and
API: rounds asked for, raters asked and raters who answered, per programme and moment).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import timedelta
from itertools import combinations
from types import SimpleNamespace

from django.db.models import Count, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from assessments.models import (
    ActionItem,
    Assignment,
    Goal,
    Instrument,
    PhaseAssessment,
    Pulse,
    Reflection,
    Score,
    SessionFeedback,
)
from programmes.models import Cohort, EmployeeProfile, Enrolment, Phase, Programme, Session
from reports import disclosure, pdf
from stakeholders.models import Rater, Round
from stakeholders.services import default_version
from tenants.models import User
from tests.world import employee_ensure, user_ensure
from tests.world.assessments import assessment_handed_in, assessment_schedule, scores_record
from tests.world.programmes import enrol

DEPARTMENTS = ("Sales", "Ops", "Legal")
SIZES = {"Small": (2, 3, 4, 5, 6, 8), "Second": (6,)}
PADDED = ("Padded", 6, 1)  # a cohort of six enrolled, of whom one takes part


@dataclass
class Seeded:
    programmes: dict[str, Programme]
    cohorts: list[Cohort]
    scheduled: list[PhaseAssessment]
    dimension_keys: list[str]


def _person(org, tag: str, index: int, department: str) -> User:
    user = user_ensure(f"dc-{tag}-{index}@{org.organisation.slug}.test", f"DC{tag}{index}", "Person")
    return employee_ensure(org, user, department=department)


def seed(org) -> Seeded:
    today, now = timezone.localdate(), timezone.now()
    instrument = Instrument.objects.get(key="self-confidence-at-work")
    version = instrument.versions.get(is_latest=True)
    dimensions = list(version.dimensions.order_by("position"))[:2]
    programmes, cohorts, scheduled = {}, [], []
    serial = 0
    layout = [(name, sizes, None) for name, sizes in SIZES.items()]
    layout[1] = ("Second", SIZES["Second"] + (PADDED[1],), PADDED)
    for name, sizes, padded in layout:
        programme = Programme.objects.create(
            name=name,
            starts_on=today - timedelta(days=100),
            ends_on=today + timedelta(days=30),
            status=Programme.Status.ACTIVE,
        )
        programmes[name] = programme
        moments = {}
        for position, (moment, kind) in enumerate((("initial", Phase.Kind.INTAKE), ("final", Phase.Kind.FINAL))):
            phase = Phase.objects.create(programme=programme, position=position + 1, kind=kind, name=moment)
            moments[moment] = assessment_schedule(
                phase,
                version,
                moment,
                opens_on=today - timedelta(days=60),
                due_on=today - timedelta(days=10 if moment == "initial" else 1),
            )
            scheduled.append(moments[moment])
        for number, size in enumerate(sizes):
            is_padded = padded is not None and number == len(sizes) - 1
            cohort = Cohort.objects.create(
                programme=programme, name=padded[0] if is_padded else f"{name} {size}", capacity=50
            )
            cohorts.append(cohort)
            for member in range(size):
                serial += 1
                # Most of a cohort in Sales, the rest alone in Ops or Legal: cells of every size.
                user = _person(org, name, serial, DEPARTMENTS[{5: 1, 6: 2}.get(member, 0)])
                enrolment = enrol(user, cohort, credits=4)
                takes_part = not is_padded or member < padded[2]
                for moment, item in moments.items():
                    assignment = assessment_handed_in(
                        item, enrolment, version, submitted_at=now - timedelta(days=20) if takes_part else None
                    )
                    if takes_part:
                        values = [
                            round(30 + (serial * 7.3 + position * 3.1) % 40 + (11.7 if moment == "final" else 0), 2)
                            for position in range(len(dimensions))
                        ]
                        scores_record(assignment, dimensions, values)
                if not takes_part:
                    continue
                session = Session.objects.create(
                    kind=Session.Kind.INDIVIDUAL,
                    enrolment=enrolment,
                    coach=org.coach,
                    starts_at=now - timedelta(days=5 + serial % 9),
                    status=Session.Status.COMPLETED,
                )
                SessionFeedback.objects.create(session=session, employee=user, rating=1 + serial * 3 % 5)
                for count in range(1 + serial % 3):
                    Reflection.objects.create(employee=user, body=f"private {serial} {count}")
                Pulse.objects.create(
                    employee=user, enrolment=enrolment, feeling=1 + serial % 5, energy=3, confidence=2 + serial % 3
                )
                goal = Goal.objects.create(employee=user, title="goal", progress=(serial * 13) % 100)
                ActionItem.objects.create(goal=goal, title="step", due_on=today - timedelta(days=1 + serial % 2))
                _stakeholder_rounds(enrolment, serial, end=member < size - 1)  # cells of 1 to 7 at the end
    return Seeded(
        programmes=programmes,
        cohorts=cohorts,
        scheduled=scheduled,
        dimension_keys=[dimension.key for dimension in dimensions],
    )


def _stakeholder_rounds(enrolment: Enrolment, serial: int, *, end: bool) -> None:
    """A finished start round (and for some an end round) with 3 to 6 raters asked, some of whom answered:
    the counts differ from person to person, so a figure about one person would show as theirs."""
    for moment in (Round.Moment.START, Round.Moment.END) if end else (Round.Moment.START,):
        round = Round.objects.create(
            enrolment=enrolment,
            employee_id=enrolment.employee_id,
            moment=moment,
            version=default_version(),
            closes_on=timezone.localdate() - timedelta(days=2),
        )
        asked = 3 + serial % 4
        Rater.objects.bulk_create(
            Rater(
                round=round,
                relation=Rater.Relation.PEER,
                email=f"dc-rater{number}-{serial}-{moment}@example.test",
                submitted_at=timezone.now() if number < (serial * 5 + len(moment)) % (asked + 1) else None,
            )
            for number in range(asked)
        )


# --- the truth: each unit (person, cohort) and what it contributes --------------------------------------


def truth_of_units():
    """{unit: {figure kind: (contributes, vector)}} straight from the data, and each unit's department."""
    units, departments = {}, dict(EmployeeProfile.objects.values_list("user_id", "department"))
    for person, programme, cohort in Enrolment.objects.exclude(status=Enrolment.Status.WITHDRAWN).values_list(
        "employee_id", "programme_id", "cohort_id"
    ):
        units[(person, cohort)] = {"programme": programme, "department": departments.get(person, "")}
    figures = defaultdict(dict)
    ratings = defaultdict(list)
    for session in SessionFeedback.objects.exclude(session__status=Session.Status.CANCELLED).select_related(
        "session", "session__enrolment"
    ):
        cohort = session.session.cohort_id or session.session.enrolment.cohort_id
        ratings[(session.employee_id, cohort)].append(session.rating)
    pulses = defaultdict(list)
    for person, cohort, feeling in Pulse.objects.values_list("employee_id", "enrolment__cohort_id", "feeling"):
        pulses[(person, cohort)].append(feeling)
    reflections = defaultdict(int)
    for person in Reflection.objects.values_list("employee_id", flat=True):
        reflections[person] += 1
    assignments = defaultdict(lambda: [0, 0])
    moments = defaultdict(lambda: [0, 0])
    for pa, moment, person, cohort, submitted in Assignment.objects.values_list(
        "phase_assessment_id", "phase_assessment__moment", "employee_id", "enrolment__cohort_id", "submitted_at"
    ):
        assignments[(pa, person, cohort)][0] += 1 if submitted else 0
        assignments[(pa, person, cohort)][1] += 1
        moments[(moment, person, cohort)][0] += 1 if submitted else 0
        moments[(moment, person, cohort)][1] += 1
    scores = defaultdict(dict)
    for pa, moment, person, cohort, key, value in Score.objects.filter(
        assignment__submitted_at__isnull=False, value__isnull=False
    ).values_list(
        "assignment__phase_assessment_id",
        "assignment__phase_assessment__moment",
        "assignment__employee_id",
        "assignment__enrolment__cohort_id",
        "dimension_key",
        "value",
    ):
        scores[(person, cohort)][(pa, key)] = value
        scores[(person, cohort)][(moment, key)] = value
    for row in (
        Round.objects.exclude(enrolment__status=Enrolment.Status.WITHDRAWN)
        .values("moment", "employee_id", "enrolment__cohort_id")
        .annotate(
            invited=Count("raters", filter=~Q(raters__relation=Rater.Relation.SELF)),
            answered=Count(
                "raters", filter=~Q(raters__relation=Rater.Relation.SELF) & Q(raters__submitted_at__isnull=False)
            ),
        )
    ):
        unit = (row["employee_id"], row["enrolment__cohort_id"])
        figures[unit][f"stakeholders@{row['moment']}"] = (True, (1, row["invited"], row["answered"]))
    for unit in units:
        person, cohort = unit
        given = ratings.get(unit, [])
        figures[unit]["ratings"] = (bool(given), (len(given), sum(given)))
        figures[unit]["reflections"] = (reflections[person] > 0, (reflections[person],))
        felt = pulses.get(unit, [])
        figures[unit]["pulse"] = (bool(felt), (len(felt) and 1, sum(felt) / len(felt) if felt else 0))
        for (pa, who, where), (submitted, assigned) in assignments.items():
            if (who, where) == unit:
                figures[unit][f"completion:{pa}"] = (submitted > 0, (submitted, assigned))
                all_moments = figures[unit].get("completion", (False, (0, 0)))[1]
                figures[unit]["completion"] = (
                    bool(all_moments[0] + submitted),
                    (all_moments[0] + submitted, all_moments[1] + assigned),
                )
        for (moment, who, where), (submitted, assigned) in moments.items():
            if (who, where) == unit:
                figures[unit][f"completion@{moment}"] = (submitted > 0, (submitted, assigned))
        for (pa, key), value in scores.get(unit, {}).items():
            if isinstance(pa, int):
                figures[unit][f"scores:{pa}:{key}"] = (True, (1, value))
        for key in {key for (_m, key) in scores.get(unit, {})}:
            initial, final = scores[unit].get(("initial", key)), scores[unit].get(("final", key))
            if initial is not None and final is not None:
                figures[unit][f"change:{key}"] = (True, (1, initial))
    return units, figures


def truth(figures, units: frozenset, kind: str) -> tuple[int, tuple]:
    contributors, total = set(), None
    for unit in units:
        contributes, vector = figures[unit].get(kind, (False, None))
        if vector is None:
            continue
        total = vector if total is None else tuple(a + b for a, b in zip(total, vector))
        if contributes:
            contributors.add(unit[0])
    return len(contributors), total


# --- what HR sees -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Shown:
    endpoint: str
    selection: tuple  # (programme, cohort, department)
    kind: str
    vector: tuple
    tolerance: float = 0.01


def selection_units(units, programme=None, cohort=None, department=None) -> frozenset:
    return frozenset(
        unit
        for unit, about in units.items()
        if (programme is None or about["programme"] == programme)
        and (cohort is None or unit[1] == cohort)
        and (department is None or about["department"] == department)
    )


def dashboard_figures(endpoint: str, report, breakdown, selection) -> list[Shown]:
    shown = []
    if report.ratings.shown:
        vector = (report.ratings.count, sum(r * n for r, n in report.ratings.distribution.items()))
        shown.append(Shown(endpoint, selection, "ratings", vector))
    if report.pulse.shown:
        # The average is rounded to one decimal: its sum is known to within half a tenth per person.
        people = report.pulse.people
        shown.append(Shown(endpoint, selection, "pulse", (people, report.pulse.feeling * people), 0.05 * people + 0.01))
    for row in report.completion:
        shown.append(Shown(endpoint, selection, f"completion@{row.moment}", (row.submitted, row.assigned)))
    for group in report.change:
        for line in group.dimensions:
            if line.shown:
                shown.append(
                    Shown(endpoint, selection, f"change:{line.key}", (line.people, line.initial * line.people))
                )
    programme, cohort, department = selection
    for row_selection, row in breakdown:
        if row.assigned:
            shown.append(Shown(endpoint, row_selection, "completion", (row.submitted, row.assigned)))
        if row.pulse.shown:
            people = row.pulse.people
            shown.append(
                Shown(endpoint, row_selection, "pulse", (people, row.pulse.feeling * people), 0.05 * people + 0.01)
            )
    return shown


def _breakdown_selections(seeded, selection, breakdown):
    programme, cohort, department = selection
    if programme:
        by_label = {c.name: (c.programme_id, c.pk, department) for c in seeded.cohorts}
    else:
        by_label = {p.name: (p.pk, None, department) for p in seeded.programmes.values()}
    return [(by_label[row.label], row) for row in breakdown if row.label in by_label]


def collect(world, client, seeded, monkeypatch) -> tuple[list[Shown], dict[str, int]]:
    shown: list[Shown] = []
    tried: dict[str, int] = defaultdict(int)
    captured = {}

    def fake_render(template, context, *, progress=None):
        captured["context"] = context

        render_to_string(template, context)  # the PDF's text is made from this HTML
        return pdf.Rendered(content=b"%PDF-1.7", pages=1)

    monkeypatch.setattr(pdf, "render", fake_render)
    selections = [(None, None, None)]
    for programme in seeded.programmes.values():
        selections.append((programme.pk, None, None))
        selections += [
            (programme.pk, cohort.pk, None) for cohort in seeded.cohorts if cohort.programme_id == programme.pk
        ]
    selections += [(p, c, department) for (p, c, _d) in list(selections) for department in DEPARTMENTS]
    for selection in selections:
        params = {name: value for name, value in zip(("programme", "cohort", "department"), selection) if value}
        for endpoint, headers in (("dashboard page", {}), ("dashboard fragment", {"HTTP_HX_REQUEST": "true"})):
            context = client.get(reverse("reports_dashboard"), params, **headers).context
            tried[endpoint] += 1
            shown += dashboard_figures(
                endpoint, context["report"], _breakdown_selections(seeded, selection, context["breakdown"]), selection
            )
        body = client.get("/api/v1/reports/dashboard/", params).json()
        tried["dashboard API"] += 1
        report, rows = _api_dashboard(body)
        shown += dashboard_figures("dashboard API", report, _breakdown_selections(seeded, selection, rows), selection)
        assert client.get(reverse("reports_pdf"), params).status_code == 200
        tried["programme PDF"] += 1
        context = captured["context"]
        shown += dashboard_figures(
            "programme PDF",
            context["report"],
            _breakdown_selections(seeded, selection, context["breakdown"]),
            selection,
        )
        for kind in ("enrolments", "attendance", "credits"):
            # Administrative rows only (HR's to see person by person): no aggregate of content to collect.
            body = b"".join(client.get(reverse("reports_csv", args=[kind]), params).streaming_content).decode()
            assert "private" not in body
            tried[f"CSV {kind}"] += 1
    by_name = {cohort.name: cohort for cohort in seeded.cohorts}
    for row in client.get(reverse("assignment_overview")).context["rows"]:
        if row.completion.shown:
            shown.append(
                Shown(
                    "assessment overview",
                    (None, None, None),
                    f"completion:{row.scheduled.pk}",
                    (row.completion.submitted, row.completion.assigned),
                )
            )
    tried["assessment overview"] += 1
    for scheduled in seeded.scheduled:
        cohorts = [cohort for cohort in seeded.cohorts if cohort.programme_id == scheduled.programme_id]
        for cohort in [None] + cohorts:
            for endpoint, headers in (
                ("assessment results page", {}),
                ("assessment results fragment", {"HTTP_HX_REQUEST": "true"}),
            ):
                params = {"cohort": cohort.pk} if cohort else {}
                aggregate = client.get(reverse("result_aggregate", args=[scheduled.pk]), params, **headers).context[
                    "aggregate"
                ]
                tried[endpoint] += 1
                selection = (scheduled.programme_id, cohort.pk if cohort else None, None)
                if aggregate.completion.shown:
                    shown.append(
                        Shown(
                            endpoint,
                            selection,
                            f"completion:{scheduled.pk}",
                            (aggregate.completion.submitted, aggregate.completion.assigned),
                        )
                    )
                for each, completion in aggregate.by_cohort:
                    if completion.shown:
                        shown.append(
                            Shown(
                                endpoint,
                                (scheduled.programme_id, each.pk, None),
                                f"completion:{scheduled.pk}",
                                (completion.submitted, completion.assigned),
                            )
                        )
                for line in aggregate.lines:
                    if line.mean is not None:
                        shown.append(
                            Shown(
                                endpoint,
                                selection,
                                f"scores:{scheduled.pk}:{line.key}",
                                (line.people, line.mean * line.people),
                            )
                        )
    for panel in client.get("/").context["panels"]:  # HR's home: engagement and completion panels
        if panel["template"] == "assessments/feedback_home_hr.html":
            figures = _figures(panel["figures"])
            if figures["reflections"] is not None:
                shown.append(Shown("HR home", (None, None, None), "reflections", (figures["reflections"],)))
        for row in panel.get("rows", []) if panel["template"] == "assessments/assignment_home_hr.html" else []:
            if row.completion.shown:
                shown.append(
                    Shown(
                        "HR home",
                        (None, None, None),
                        f"completion:{row.scheduled.pk}",
                        (row.completion.submitted, row.completion.assigned),
                    )
                )
    tried["HR home"] += 1
    engagement = client.get(reverse("journal_engagement")).context
    api = client.get("/api/v1/engagement/").json()
    tried["engagement page"] += 1
    tried["engagement API"] += 1
    for endpoint, org, groups in (
        ("engagement page", _figures(engagement["organisation"]), [_figures(g) for g in engagement["cohorts"]]),
        ("engagement API", _api_figures(api["organisation"]), [_api_figures(g) for g in api["cohorts"]]),
    ):
        for label, figures in [(None, org)] + [(g["label"], g) for g in groups]:
            cohort = by_name.get(label)
            if label is not None and cohort is None:
                continue  # the world's own cohorts
            selection = (cohort.programme_id, cohort.pk, None) if cohort else (None, None, None)
            if figures["reflections"] is not None:
                shown.append(Shown(endpoint, selection, "reflections", (figures["reflections"],)))
            if figures["ratings"] is not None and figures["average_rating"] is not None:
                shown.append(
                    Shown(
                        endpoint,
                        selection,
                        "ratings",
                        (figures["ratings"], figures["average_rating"] * figures["ratings"]),
                        tolerance=0.05 * figures["ratings"] + 0.01,
                    )
                )
    programme_of = {programme.name: programme.pk for programme in seeded.programmes.values()}
    moment_of = {str(label): key for key, label in Round.Moment.choices}
    for endpoint, rows in (
        ("stakeholder completion page", client.get(reverse("stakeholder_overview")).context["report"].rows),
        (
            "stakeholder completion API",
            [SimpleNamespace(**row) for row in client.get("/api/v1/stakeholder-completion/").json()],
        ),
    ):
        tried[endpoint] += 1
        for row in rows:
            if row.programme in programme_of:  # the world's own programme aside
                shown.append(
                    Shown(
                        endpoint,
                        (programme_of[row.programme], None, None),
                        f"stakeholders@{moment_of[row.moment]}",
                        (row.people, row.invited, row.answered),
                    )
                )
    return shown, dict(tried)


def _api_dashboard(body: dict) -> tuple[SimpleNamespace, list[SimpleNamespace]]:
    """The dashboard API's answer in the shape of the page's report and breakdown rows."""
    ratings = body["ratings"]

    def pulse(figures: dict) -> SimpleNamespace:
        return SimpleNamespace(shown=not figures["withheld"], people=figures["people"], feeling=figures["feeling"])

    report = SimpleNamespace(
        pulse=pulse(body["pulse"]),
        ratings=SimpleNamespace(
            shown=not ratings["withheld"],
            count=ratings["count"],
            distribution={line["rating"]: line["count"] for line in ratings["distribution"]},
        ),
        completion=[SimpleNamespace(**row) for row in body["completion"]],
        change=[
            SimpleNamespace(
                dimensions=[SimpleNamespace(shown=not line["withheld"], **line) for line in group["dimensions"]]
            )
            for group in body["change"]
        ],
    )
    return report, [SimpleNamespace(**{**row, "pulse": pulse(row["pulse"])}) for row in body["breakdown"]]


def _figures(group) -> dict:
    return {
        "label": group.label or None,
        "reflections": group.reflections.value,
        "ratings": group.ratings.value,
        "average_rating": group.average_rating.value,
    }


def _api_figures(group) -> dict:
    return {
        "label": group["cohort"] or None,
        "reflections": group["reflections"]["value"],
        "ratings": group["ratings"]["value"],
        "average_rating": group["average_rating"]["value"],
    }


# --- the attack -------------------------------------------------------------------------------------------


def attack(shown: list[Shown], units, figures, minimum: int) -> tuple[list[str], int]:
    """Every single figure, nested difference, disjoint sum and whole minus a subset of its parts, per
    kind of figure; the breaches found and the number of combinations tried."""
    breaches, tried = [], 0
    by_kind: dict[str, dict[frozenset, Shown]] = defaultdict(dict)
    for item in shown:
        by_kind[item.kind][selection_units(units, *item.selection)] = item

    def check(kind, covered: frozenset, vector, tolerance, how: str):
        nonlocal tried
        tried += 1
        contributors, real = truth(figures, covered, kind)
        if real is None or not 0 < contributors < minimum:
            return
        if all(abs(a - b) <= tolerance for a, b in zip(vector, real)):
            breaches.append(f"{kind}: {how} gives the figure of {contributors} contributor(s)")

    for kind, figures_of in by_kind.items():
        items = list(figures_of.items())
        for covered, item in items:
            check(kind, covered, item.vector, item.tolerance, f"{item.endpoint} {item.selection} alone")
        for (a, first), (b, second) in combinations(items, 2):
            tolerance = first.tolerance + second.tolerance
            if b < a or a < b:
                (big, whole), (small, part) = ((a, first), (b, second)) if b < a else ((b, second), (a, first))
                check(
                    kind,
                    big - small,
                    tuple(x - y for x, y in zip(whole.vector, part.vector)),
                    tolerance,
                    f"{whole.endpoint} {whole.selection} minus {part.endpoint} {part.selection}",
                )
            elif not a & b:
                check(
                    kind,
                    a | b,
                    tuple(x + y for x, y in zip(first.vector, second.vector)),
                    tolerance,
                    f"{first.endpoint} {first.selection} plus {second.selection}",
                )
        for whole_units, whole in items:
            parts = [(units_, item) for units_, item in items if units_ < whole_units]
            for family in _families(parts):
                for size in range(1, len(family) + 1):
                    for subset in combinations(family, size):
                        covered = whole_units - frozenset().union(*(u for u, _i in subset))
                        vector = tuple(
                            w - sum(item.vector[index] for _u, item in subset) for index, w in enumerate(whole.vector)
                        )
                        check(
                            kind,
                            covered,
                            vector,
                            whole.tolerance + sum(i.tolerance for _u, i in subset),
                            f"{whole.endpoint} {whole.selection} minus {[i.selection for _u, i in subset]}",
                        )
    return breaches, tried


def _families(parts):
    """Groups of pairwise disjoint parts (siblings): greedy by size, smallest groups first."""
    families = []
    for units_, item in sorted(parts, key=lambda part: len(part[0])):
        for family in families:
            if all(not units_ & other for other, _i in family):
                family.append((units_, item))
                break
        else:
            families.append([(units_, item)])
    return [family[:10] for family in families]


def _per_kind(breaches: list[str]) -> dict[str, tuple[int, str]]:
    kinds: dict[str, tuple[int, str]] = {}
    for breach in breaches:
        kind = breach.split(":")[0]
        count, example = kinds.get(kind, (0, breach))
        kinds[kind] = (count + 1, example)
    return kinds


def test_no_aggregate_or_combination_of_aggregates_reveals_a_small_group(
    world, in_tenant, client_for, monkeypatch, capsys
):
    with in_tenant(world.acme):
        seeded = seed(world.acme)
        disclosure.refresh(force=True)
        units, figures = truth_of_units()
    client = client_for(world.acme.hr, world.acme.host)
    shown, tried = collect(world, client, seeded, monkeypatch)
    breaches, combinations_tried = attack(shown, units, figures, disclosure.threshold())
    with capsys.disabled():
        print(
            f"\ndifferencing: {len(tried)} endpoints, {sum(tried.values())} endpoint × filter requests "
            f"({', '.join(f'{name} {count}' for name, count in sorted(tried.items()))}); "
            f"{len(shown)} figures shown; {combinations_tried} sums and differences tried; "
            f"{len(breaches)} breaches"
            + "".join(
                f"\n  {kind}: {count} breaches, e.g. {example}"
                for kind, (count, example) in _per_kind(breaches).items()
            )
        )
    assert shown, "the seeded world must release some figures, or the test proves nothing"
    kinds = {item.kind for item in shown}
    assert {"ratings", "pulse", "stakeholders@start", "stakeholders@end"} <= kinds, "every kind must be attacked"
    assert not breaches, "\n".join(sorted(set(breaches))[:40])

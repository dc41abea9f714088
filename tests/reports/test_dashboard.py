"""HR's dashboard: the figures, the minimum group size and the margins built from released cells only,
filters, htmx and the number of queries. Content figures come from the cells reports.disclosure released:
each test releases them as the nightly task would."""

from __future__ import annotations

import statistics

import pytest
from django.urls import reverse

from assessments.models import Score
from portal import policy
from programmes.models import EmployeeProfile
from reports import disclosure
from reports.selectors import dashboard as selectors
from tests.world import statements
from tests.world.reports import all_canaries, build


def background(org) -> None:
    """Another programme of 5 people, so that the organisation as a whole differs from the programme under
    test by enough people for its figures to be shown (the world's own people are in the organisation too)."""
    build(org, people=5, tag="BG", name="Background programme")


def release(org) -> None:
    """Release the organisation's cells now, as the nightly task does (inside its schema)."""
    disclosure.refresh(force=True)


def _dashboard(world, org, **params):
    actor = policy.actor_for(org.hr, org.organisation)
    filters, problems = selectors.filters_from(actor=actor, params={k: str(v) for k, v in params.items()})
    return selectors.dashboard(actor=actor, filters=filters), problems


def test_it_shows_the_figures_of_a_programme(world, in_tenant, client_for):
    with in_tenant(world.acme):
        built = build(world.acme, people=10)  # two cohorts of 5, each in one department: two cells of 5
        background(world.acme)
        release(world.acme)
    response = client_for(world.acme.hr, world.acme.host).get(
        reverse("reports_dashboard"), {"programme": built.programme.pk}
    )
    assert response.status_code == 200
    report = response.context["report"]
    assert report.people == 10
    assert [step.count for step in report.funnel] == [10, 10, 0, 0]
    # 3 group sessions per cohort and one 1:1 each, a fifth of the group ones missed (see data.build).
    assert report.attendance.present + report.attendance.absent == 10 * 4
    assert report.credits.allowance == 60 and report.credits.used == 10
    assert [(row.moment, row.assigned, row.submitted) for row in report.completion] == [
        ("initial", 10, 10),
        ("final", 10, 10),
    ]
    assert report.ratings.shown and report.ratings.count == 10
    assert sum(report.ratings.distribution.values()) == 10
    assert report.released_on is not None
    content = response.content.decode()
    assert "Self-confidence at work" in content and 'class="chart chart--change" role="img"' in content


def test_the_change_per_dimension_is_the_paired_mean_and_effect_size(world, in_tenant):
    with in_tenant(world.acme):
        built = build(world.acme, people=10)
        background(world.acme)
        release(world.acme)
        report, _problems = _dashboard(world, world.acme, programme=built.programme.pk)
        key = built.dimension_keys[0]
        pairs = {}
        for score in Score.objects.filter(assignment__phase_assessment__programme=built.programme, dimension_key=key):
            pairs.setdefault(score.assignment.employee_id, {})[score.assignment.phase_assessment.moment] = score.value
    changes = [pair["final"] - pair["initial"] for pair in pairs.values()]
    line = next(line for line in report.change[0].dimensions if line.key == key)
    assert line.shown and line.people == 10
    assert line.initial == pytest.approx(statistics.mean(pair["initial"] for pair in pairs.values()))
    assert line.change == pytest.approx(statistics.mean(changes))
    assert line.effect_size == pytest.approx(statistics.mean(changes) / statistics.stdev(changes))


def test_it_withholds_content_figures_of_fewer_people_than_the_minimum(world, in_tenant, client_for):
    with in_tenant(world.acme):
        built = build(world.acme, people=4)
        release(world.acme)
    response = client_for(world.acme.hr, world.acme.host).get(
        reverse("reports_dashboard"), {"programme": built.programme.pk}
    )
    report = response.context["report"]
    assert not report.ratings.shown and report.ratings.mean is None and report.ratings.distribution == {}
    assert all(not line.shown and line.change is None for group in report.change for line in group.dimensions)
    assert report.overdue.action_count is None
    assert "fewer than 5 people" in response.content.decode()
    # Counts HR may see person by person are still shown; completion is content and is withheld too.
    assert report.people == 4 and report.funnel[0].count == 4 and report.completion == []


def test_small_departments_are_pooled_and_margins_leave_out_what_is_withheld(world, in_tenant):
    """Cohort A: Sales 5, Finance 3, Legal 2: Finance and Legal pooled (5), Sales its own cell. Cohort B:
    Operations 8 and Finance 2: a pool of 2 would be given away by B minus Operations, so Operations
    joins the pool (the complementary rule) and no department of B is shown on its own."""
    with in_tenant(world.acme):
        built = build(world.acme, people=20)  # cohort A all in Sales, cohort B all in Operations
        a = [person.user for person in built.people if person.enrolment.cohort_id == built.cohorts[0].pk]
        b = [person.user for person in built.people if person.enrolment.cohort_id == built.cohorts[1].pk]
        EmployeeProfile.objects.filter(user__in=a[:3] + b[:2]).update(department="Finance")
        EmployeeProfile.objects.filter(user__in=a[3:5]).update(department="Legal")
        release(world.acme)
        figures = {
            name: _dashboard(world, world.acme, programme=built.programme.pk, **extra)[0].ratings
            for name, extra in (
                ("programme", {}),
                ("Sales", {"department": "Sales"}),
                ("Operations", {"department": "Operations"}),
                ("Finance", {"department": "Finance"}),
                ("Legal", {"department": "Legal"}),
                ("B", {"cohort": built.cohorts[1].pk}),
            )
        }
    for name in ("Finance", "Legal", "Operations"):
        assert not figures[name].shown and "fewer than 5 people" in figures[name].withheld
    assert figures["Sales"].people == 5 and figures["B"].people == 10
    assert figures["programme"].people == 20
    # Programme minus Sales minus cohort B: A's pool of five, never fewer.
    assert figures["programme"].count - figures["Sales"].count - figures["B"].count == 5


def test_a_programme_of_another_organisation_is_ignored_with_a_message(world, in_tenant, client_for):
    with in_tenant(world.globex):
        foreign = build(world.globex, people=5, tag="G")
    response = client_for(world.acme.hr, world.acme.host).get(
        reverse("reports_dashboard"), {"programme": foreign.programme.pk, "cohort": "nonsense"}
    )
    assert response.status_code == 200
    assert response.context["filters"].programme is None
    assert "does not exist" in response.content.decode()
    assert foreign.programme.name not in response.content.decode()


def test_htmx_swaps_only_the_dashboard(world, in_tenant, client_for):
    with in_tenant(world.acme):
        built = build(world.acme, people=5)
    response = client_for(world.acme.hr, world.acme.host).get(
        reverse("reports_dashboard"), {"programme": built.programme.pk}, HTTP_HX_REQUEST="true"
    )
    content = response.content.decode()
    assert "<html" not in content and 'hx-target="#dashboard"' in content


def test_the_dashboard_holds_no_coaching_content(world, in_tenant, client_for):
    with in_tenant(world.acme):
        built = build(world.acme, people=6)
    client = client_for(world.acme.hr, world.acme.host)
    for params in ({}, {"programme": built.programme.pk}, {"programme": built.programme.pk, "department": "Sales"}):
        content = client.get(reverse("reports_dashboard"), params).content.decode()
        assert not [canary for canary in all_canaries(built) if canary in content]


def _count_queries(client, params, django_assert_num_queries):
    # 1 domain (tenant middleware), 2 session, 3 user, 4 membership roles (MembershipMiddleware)
    # 5 the chosen programme
    # 6 funnel and credit allowance, 7 credit ledger, 8 attendance per cohort (the totals are its sum): the
    #   counts each session keeps, summed (a department's: its people's attendance rows, counted)
    # 9 the released cells of every content figure (completion, change, ratings, overdue actions), a row per
    #   cohort however many departments (the release's totals; a department's own cells summed when one is chosen)
    # 10 dimension names (of the released changes), 11 shared goals
    # 12 breakdown: enrolment per cohort (attendance from 8, completion from the cells of 9)
    # 13-15 filter choices: programmes, departments, cohorts
    # django-tenants sets the search path before each statement: twice as many in all.
    with django_assert_num_queries(statements(15)):
        response = client.get(reverse("reports_dashboard"), params)
    assert response.status_code == 200


def test_the_number_of_queries_does_not_grow_with_the_organisation(
    world, in_tenant, client_for, django_assert_num_queries
):
    with in_tenant(world.acme):
        small = build(world.acme, people=10)
        background(world.acme)
        release(world.acme)
    client = client_for(world.acme.hr, world.acme.host)
    _count_queries(client, {"programme": small.programme.pk}, django_assert_num_queries)
    with in_tenant(world.acme):
        large = build(world.acme, people=30, tag="L")
        release(world.acme)
    _count_queries(client, {"programme": large.programme.pk}, django_assert_num_queries)
    _count_queries(client, {"programme": large.programme.pk, "department": "Sales"}, django_assert_num_queries)

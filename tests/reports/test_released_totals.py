"""The release's per-cohort totals (reports.models.ReleasedTotal): a selection without a department reads
them instead of summing its cells at every request. They must give exactly the figures the cells give,
never hold a withheld cell, and follow every release."""

from __future__ import annotations

import dataclasses
import importlib
from collections import defaultdict

import pytest
from django.db import connection

from portal import policy
from programmes.models import EmployeeProfile
from reports import disclosure
from reports.models import ReleasedCell, ReleasedTotal
from reports.selectors import dashboard as selectors
from tests.world.reports import build

MIGRATION = importlib.import_module("reports.migrations.0004_released_totals")


def _pooled_world(org):
    """Cohort A: Sales 5, Finance 3, Legal 2 (Finance and Legal pooled); cohort B: Operations 8 and Finance 2
    (all pooled, the complementary rule); another programme of four people, withheld whole."""
    built = build(org, people=20)
    a = [person.user for person in built.people if person.enrolment.cohort_id == built.cohorts[0].pk]
    b = [person.user for person in built.people if person.enrolment.cohort_id == built.cohorts[1].pk]
    EmployeeProfile.objects.filter(user__in=a[:3] + b[:2]).update(department="Finance")
    EmployeeProfile.objects.filter(user__in=a[3:5]).update(department="Legal")
    small = build(org, people=4, tag="S", name="Small programme")
    disclosure.refresh(force=True)
    return built, small


def _selections(*builds) -> list[dict]:
    selections = [{}]
    for built in builds:
        selections.append({"programme_id": built.programme.pk})
        selections += [{"programme_id": built.programme.pk, "cohort_id": cohort.pk} for cohort in built.cohorts]
    return selections


def _by_address(released: disclosure.Released) -> dict:
    cells = {(cell.kind, cell.key, cell.programme_id, cell.cohort_id): cell for cell in released.cells}
    assert len(cells) == len(released.cells)
    return {address: (cell.contributors, cell.values) for address, cell in cells.items()}


def _plain_sums(**where) -> dict:
    """The shown cells of the selection summed per cohort in Python, from the rows themselves."""
    sums: dict = defaultdict(lambda: [0, defaultdict(float)])
    for cell in ReleasedCell.objects.filter(shown=True, **where):
        total = sums[(cell.kind, cell.key, cell.programme_id, cell.cohort_id)]
        total[0] += cell.contributors
        for name, value in cell.values.items():
            total[1][name] += value
    return {address: (contributors, dict(values)) for address, (contributors, values) in sums.items()}


def _hr(org):
    return policy.actor_for(org.hr, org.organisation)


def test_the_totals_give_exactly_what_summing_the_cells_gives(world, in_tenant):
    with in_tenant(world.acme):
        built, small = _pooled_world(world.acme)
        actor = _hr(world.acme)
        for selection in _selections(built, small):
            read = disclosure.released(actor=actor, kinds=disclosure.KINDS, **selection)
            summed = disclosure.summed_cells(kinds=disclosure.KINDS, **selection)
            assert _by_address(read) == _by_address(summed), selection
            assert read.released_on == summed.released_on
            assert (read.released_on is None) == (selection.get("programme_id") == small.programme.pk)
            plain = _plain_sums(**selection)
            assert _by_address(read).keys() == plain.keys()
            for address, (contributors, values) in _by_address(read).items():
                assert contributors == plain[address][0]
                assert values == pytest.approx(plain[address][1], rel=1e-12)


def test_the_dashboard_shows_the_figures_it_showed_when_it_summed_the_cells(world, in_tenant, monkeypatch):
    """The whole dashboard, once from the totals and once from the cells summed at read time (as before the
    totals), for the organisation, each programme, each cohort and each department."""
    with in_tenant(world.acme):
        built, small = _pooled_world(world.acme)
        actor = _hr(world.acme)
        params = [{}, {"department": "Sales"}, {"department": "Finance"}]
        for selection in _selections(built, small):
            query = {"programme": selection.get("programme_id"), "cohort": selection.get("cohort_id")}
            params += [
                {k: v for k, v in query.items() if v},
                {**{k: v for k, v in query.items() if v}, "department": "Sales"},
            ]

        def figures() -> list:
            shown = []
            for raw in params:
                filters, _problems = selectors.filters_from(actor=actor, params={k: str(v) for k, v in raw.items()})
                report = selectors.dashboard(actor=actor, filters=filters)
                rows = selectors.breakdown(actor=actor, filters=filters, report=report)
                shown.append(({**dataclasses.asdict(report), "generated_at": None, "cells": None}, rows))
            return shown

        from_totals = figures()
        monkeypatch.setattr(
            disclosure,
            "released",
            lambda *, actor, kinds, programme_id=None, cohort_id=None, department=None: disclosure.summed_cells(
                kinds=kinds, programme_id=programme_id, cohort_id=cohort_id, department=department
            ),
        )
        from_cells = figures()
    assert from_totals == from_cells
    shown = [report for report, _rows in from_totals]
    assert any(report["ratings"]["withheld"] for report in shown) and any(
        report["ratings"]["count"] for report in shown
    )


def test_a_withheld_cell_is_part_of_no_total(world, in_tenant):
    with in_tenant(world.acme):
        built, small = _pooled_world(world.acme)
        assert ReleasedCell.objects.filter(programme_id=small.programme.pk).exists()
        assert not ReleasedCell.objects.filter(programme_id=small.programme.pk, shown=True).exists()
        assert not ReleasedTotal.objects.filter(programme_id=small.programme.pk).exists()
        read = disclosure.released(actor=_hr(world.acme), kinds=disclosure.KINDS, programme_id=small.programme.pk)
    assert read.cells == [] and read.released_on is None


def test_the_totals_follow_every_release(world, in_tenant):
    """People leaving (a cell withheld at once) and joining (released under the change rule): after each
    release the totals are the cells' sums again, and nothing of the former release lingers."""
    with in_tenant(world.acme):
        built, _small = _pooled_world(world.acme)
        actor = _hr(world.acme)
        before = _by_address(disclosure.released(actor=actor, kinds=disclosure.KINDS))
        sales = [p for p in built.people if p.enrolment.cohort_id == built.cohorts[0].pk][5:]
        assert len(sales) == 5
        sales[0].enrolment.delete()  # Sales of cohort A falls to four people: withheld
        disclosure.refresh(force=True)
        after = _by_address(disclosure.released(actor=actor, kinds=disclosure.KINDS))
        assert after != before
        assert after == _by_address(disclosure.summed_cells(kinds=disclosure.KINDS))
        assert after == {address: (c, pytest.approx(v, rel=1e-12)) for address, (c, v) in _plain_sums().items()}
        ratings = after[("ratings", "", built.programme.pk, built.cohorts[0].pk)]
        assert ratings[0] == before[("ratings", "", built.programme.pk, built.cohorts[0].pk)][0] - 5
        assert not disclosure.released(actor=actor, kinds=["ratings"], department="Sales").cells


def test_the_migration_writes_the_totals_the_release_writes(world, in_tenant):
    with in_tenant(world.acme):
        _pooled_world(world.acme)
        columns = ("kind", "key", "programme_id", "cohort_id", "contributors", "values", "released_on")
        written = sorted(ReleasedTotal.objects.values_list(*columns))
        ReleasedTotal.objects.all().delete()
        with connection.cursor() as cursor:
            cursor.execute(MIGRATION.TOTALS_FROM_CELLS)
        assert sorted(ReleasedTotal.objects.values_list(*columns)) == written
        assert written

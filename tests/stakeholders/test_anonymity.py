"""Anonymity by construction: which groups are shown, merged or withheld, and when comments appear."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from programmes.models import Enrolment
from stakeholders import selectors
from stakeholders.anonymity import grouping
from stakeholders.demo import Given, round_answered
from stakeholders.models import Rater

PEER, REPORT, MANAGER, OTHER = "peer", "report", "manager", "other"


def keys(result) -> dict[str, int]:
    return {group.key: group.size for group in result.groups}


def test_a_group_of_two_is_merged_into_others_when_that_makes_three():
    result = grouping(
        [(1, PEER, False), (2, PEER, False), (3, OTHER, False), (4, REPORT, False)] + [(5, REPORT, False)]
    )
    assert keys(result) == {OTHER: 5} and result.withheld == 0


def test_a_group_of_two_is_withheld_when_others_stay_under_three():
    result = grouping([(1, PEER, False), (2, PEER, False), (3, PEER, False), (4, REPORT, False), (5, REPORT, False)])
    assert keys(result) == {PEER: 3} and result.withheld == 2


def test_a_named_manager_is_shown_alone_and_an_unnamed_one_is_pooled():
    named = grouping([(1, MANAGER, True), (2, PEER, False), (3, PEER, False), (4, PEER, False)])
    assert keys(named) == {MANAGER: 1, PEER: 3}
    assert named.groups[0].named and not named.groups[0].comments_shown
    unnamed = grouping([(1, MANAGER, False), (2, PEER, False), (3, PEER, False), (4, PEER, False)])
    assert keys(unnamed) == {PEER: 3} and unnamed.withheld == 1


def _enrolment(world):
    return Enrolment.objects.get(pk=world.acme.people["enrolment2"])


def _results(world, actor, raters, **kwargs):
    enrolment = _enrolment(world)
    round = round_answered(enrolment, "end", raters, closes_on=timezone.localdate() - timedelta(days=1), **kwargs)
    employee = actor(world.acme.employee2, world.acme)
    return selectors.results(actor=employee, round=selectors.round_for(actor=employee, pk=round.pk))


def test_the_employee_sees_groups_comments_of_three_and_their_self_rating_beside(world, in_tenant, actor):
    with in_tenant(world.acme):
        results = _results(
            world,
            actor,
            [
                Given(PEER, 4, "peer one"),
                Given(PEER, 4, "peer two"),
                Given(PEER, 2, "peer three"),
                Given(REPORT, 5, "report secret"),
                Given(REPORT, 5, "report secret too"),
                Given(MANAGER, 1, "manager words", named=True),
            ],
            self_value=3,
        )
    assert keys(results) == {MANAGER: 1, PEER: 3}
    assert results.withheld == 2
    texts = [text for item in results.comments for text in item.texts]
    # Peers' comments (a group of three) in alphabetical order; the withheld reports' and the named
    # manager's (a group of one) never.
    assert texts == ["peer one", "peer three", "peer two"]
    line = results.lines[0]
    assert line.shown(MANAGER) == 0 and line.shown(PEER) == round((75 + 75 + 25) / 3)
    assert line.self_shown == 50


def test_a_manager_who_did_not_agree_is_not_shown_alone(world, in_tenant, actor):
    with in_tenant(world.acme):
        results = _results(
            world, actor, [Given(MANAGER, 1), Given(PEER, 4), Given(PEER, 4), Given(PEER, 4), Given(OTHER, 2)]
        )
    assert keys(results) == {PEER: 3} and results.withheld == 2


def test_results_wait_until_the_round_closes_or_everyone_answered(world, in_tenant, actor):
    with in_tenant(world.acme):
        employee = actor(world.acme.employee2, world.acme)
        round = selectors.round_for(actor=employee, pk=world.acme.people["s_open"])
        assert not selectors.results(actor=employee, round=round).ready
        Rater.objects.filter(round=round, submitted_at__isnull=True).update(submitted_at=timezone.now())
        round = selectors.round_for(actor=employee, pk=round.pk)
        assert selectors.results(actor=employee, round=round).ready

"""Scoring: items on one footing, reverse items, missing answers, bands and change."""

from types import SimpleNamespace

import pytest

from assessments.scoring import Item, band_for, change, dimension_scores, display, item_fraction


def test_it_puts_an_item_on_a_zero_to_one_footing():
    item = Item(question_id=1, dimension_id=1, low=1, high=5)
    assert [item_fraction(item, raw) for raw in (1, 3, 5)] == [0, 0.5, 1]


def test_a_reverse_item_counts_the_other_way_round():
    item = Item(question_id=1, dimension_id=1, low=1, high=7, reverse=True)
    assert item_fraction(item, 7) == 0
    assert item_fraction(item, 1) == 1
    assert item_fraction(item, 4) == 0.5


def test_it_refuses_a_value_outside_the_range():
    with pytest.raises(ValueError):
        item_fraction(Item(1, 1, 1, 5), 6)


def test_the_dimension_score_is_the_mean_of_its_items_on_0_to_100():
    items = [Item(1, 10, 1, 5), Item(2, 10, 1, 5), Item(3, 10, 1, 5, reverse=True), Item(4, 20, 1, 10)]
    # 4 -> .75, 2 -> .25, reversed 2 -> .75: mean .5833; dimension 20: 10 -> 1.
    result = dimension_scores(items, {1: 4, 2: 2, 3: 2, 4: 10})
    assert result[10].value == 58.3
    assert (result[10].answered, result[10].items) == (3, 3)
    assert result[20].value == 100.0


def test_a_dimension_mixing_scale_lengths_weighs_each_item_alike():
    result = dimension_scores([Item(1, 1, 1, 5), Item(2, 1, 1, 10)], {1: 5, 2: 1})
    assert result[1].value == 50.0


def test_missing_answers_leave_the_mean_of_the_answered_items():
    items = [Item(q, 1, 1, 5) for q in range(1, 5)]
    result = dimension_scores(items, {1: 5, 2: 5})  # two of four answered: enough
    assert result[1].value == 100.0
    assert (result[1].answered, result[1].items) == (2, 4)


def test_fewer_than_half_answered_gives_no_score():
    items = [Item(q, 1, 1, 5) for q in range(1, 6)]
    result = dimension_scores(items, {1: 5, 2: 5})  # two of five
    assert result[1].value is None
    assert result[1].answered == 2


def test_a_dimension_nobody_answered_has_no_score():
    assert dimension_scores([Item(1, 1, 1, 5)], {})[1].value is None


def test_displayed_scores_round_halves_up():
    assert [display(v) for v in (39.5, 40.5, 0.0, 99.6, None)] == [40, 41, 0, 100, None]


def test_the_band_is_found_by_the_displayed_score():
    bands = [SimpleNamespace(lower=0, upper=39, label="low"), SimpleNamespace(lower=40, upper=100, label="high")]
    assert band_for(39.4, bands).label == "low"
    assert band_for(39.5, bands).label == "high"  # shown as 40, so read as 40
    assert band_for(None, bands) is None
    assert band_for(50, [SimpleNamespace(lower=0, upper=10)]) is None


def test_change_is_in_displayed_points_and_needs_both_scores():
    assert change(40.4, 62.6) == 23
    assert change(70, 55) == -15
    assert change(None, 50) is None

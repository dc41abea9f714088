"""The server-rendered chart: an image named by its title and description, every number written out as
text (so a contrast checker can measure it), names escaped."""

from xml.etree import ElementTree

from assessments.charts import Row, Series, scores_chart


def chart(rows=None):
    return scores_chart(
        chart_id="c1",
        title="Self-confidence",
        description="Speaking up 40 → 62",
        series=[Series("initial", "Initial"), Series("final", "Final")],
        rows=rows or [Row("Speaking up", (40.4, 62.5)), Row("Boundaries", (None, 80))],
        no_score_label="not enough answers",
    )


def parsed(markup):
    return ElementTree.fromstring(str(markup))


def with_class(root, name):
    return [element for element in root.iter() if name in (element.get("class") or "").split()]


def test_it_is_an_image_named_by_a_title_and_a_description():
    root = parsed(chart())
    assert root.tag == "div" and root.get("role") == "img" and root.get("aria-labelledby") == "c1-title c1-desc"
    named = {element.get("id"): element for element in root.iter() if element.get("id")}
    assert named["c1-title"].text == "Self-confidence" and named["c1-title"].get("hidden") is not None
    assert named["c1-desc"].text == "Speaking up 40 → 62"


def test_it_draws_no_svg_so_every_word_is_text_on_the_page():
    assert "<svg" not in str(chart()) and "<text" not in str(chart())


def test_every_bar_carries_its_number_and_a_missing_score_says_so():
    root = parsed(chart())
    assert [value.text for value in with_class(root, "chart__value")] == [
        "40",
        "63",
        "Initial: not enough answers",
        "80",
    ]
    bars = with_class(root, "chart__bar")
    assert [bar.get("title") for bar in bars] == ["Initial: 40", "Final: 63", "Final: 80"]
    assert [bar.get("style") for bar in bars] == ["width: 40.4%", "width: 62.5%", "width: 80.0%"]
    assert ["".join(key.itertext()) for key in with_class(root, "chart__key")] == ["Initial", "Final"]


def test_scores_outside_0_to_100_stay_inside_the_plot():
    root = parsed(chart([Row("A", (-5, 130))]))
    assert [bar.get("style") for bar in with_class(root, "chart__bar")] == ["width: 0.0%", "width: 100.0%"]


def test_names_are_escaped():
    markup = str(chart([Row('<script>alert("x")</script>', (50, 60))]))
    assert "<script>" not in markup and "&lt;script&gt;" in markup


def test_one_name_per_row():
    three = parsed(chart([Row("A", (1, 2)), Row("B", (1, 2)), Row("C", (1, 2))]))
    assert [name.text for name in with_class(three, "chart__name")] == ["A", "B", "C"]

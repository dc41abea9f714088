"""The report charts: HTML, not SVG, so every word is real text a contrast checker can measure; each chart an
image named by its title and a description that carries every figure; bars sized in per cent; names escaped."""

from xml.etree import ElementTree

import pytest

from reports import charts


def parsed(markup):
    return ElementTree.fromstring(str(markup))


def with_class(root, name):
    return [element for element in root.iter() if name in (element.get("class") or "").split()]


ALL = {
    "bars": lambda: charts.horizontal_bars(
        [charts.Bar("Enrolled", 10), charts.Bar("Started", 4), charts.Bar("Withdrew", None, "withheld")],
        title="Enrolment funnel",
        maximum=10,
    ),
    "change": lambda: charts.change(
        [("Speaking up", 40, 62.5), ("Boundaries", None, 80)], title="Change", before="Initial", after="Final"
    ),
    "distribution": lambda: charts.distribution({1: 0, 2: 1, 3: 1, 4: 2}, title="Ratings", axis_label="Rating"),
    "columns": lambda: charts.columns([("Jan 26", 0), ("Feb 26", 2.5), ("Mar 26", 5)], title="Hours", unit="h"),
}


@pytest.mark.parametrize("kind", ALL)
def test_each_chart_is_an_image_named_by_its_title_and_description_without_svg(kind):
    markup = str(ALL[kind]())
    root = parsed(markup)
    assert root.tag == "div" and root.get("role") == "img" and f"chart--{kind}" in root.get("class")
    title_id, desc_id = root.get("aria-labelledby").split()
    named = {element.get("id"): element for element in root.iter() if element.get("id")}
    assert named[title_id].get("hidden") is not None and named[desc_id].text
    assert "<svg" not in markup and "<text" not in markup


def test_bars_carry_their_figures_as_text_and_a_withheld_row_says_so():
    root = parsed(ALL["bars"]())
    assert [value.text for value in with_class(root, "chart__value")] == ["10", "4", "withheld"]
    assert [fill.get("style") for fill in with_class(root, "chart__fill")] == ["width: 100.0%", "width: 40.0%"]
    assert "Withdrew: withheld" in "".join(root.itertext())


def test_columns_scale_to_the_highest_and_write_each_figure_over_its_bar():
    root = parsed(ALL["columns"]())
    heights = [fill.get("style") for fill in with_class(root, "chart__fill")]
    assert heights == ["height: 0.00em", f"height: {charts.COLUMN_EM / 2:.2f}em", f"height: {charts.COLUMN_EM:.2f}em"]
    assert [figure.text for figure in with_class(root, "chart__figure")] == [None, "2.5h", "5.0h"]
    assert [label.text for label in with_class(root, "chart__label")] == ["Jan 26", "Feb 26", "Mar 26"]


def test_the_distribution_gives_each_share_and_its_axis_label():
    root = parsed(ALL["distribution"]())
    assert [figure.text for figure in with_class(root, "chart__figure")] == ["0%", "25%", "25%", "50%"]
    assert [caption.text for caption in with_class(root, "chart__caption")] == ["Rating"]


def test_change_puts_each_dot_where_its_score_is_and_says_so_in_words():
    root = parsed(ALL["change"]())
    assert [dot.get("style") for dot in with_class(root, "chart__dot") if dot.get("style")] == [
        "left: 40.0%",
        "left: 62.5%",
        "left: 80.0%",
    ]
    assert [span.get("style") for span in with_class(root, "chart__span")] == ["left: 40.0%; width: 22.5%"]
    desc = root.get("aria-labelledby").split()[1]
    assert next(e for e in root.iter() if e.get("id") == desc).text == "Speaking up: 40 to 62; Boundaries: — to 80"


def test_names_are_escaped():
    markup = str(charts.horizontal_bars([charts.Bar('<script>alert("x")</script>', 1)], title="<b>", maximum=1))
    assert "<script>" not in markup and "&lt;script&gt;" in markup and "<b>" not in markup

"""The server-rendered SVG chart: accessible, every number written out, names escaped."""

from xml.etree import ElementTree

from assessments.charts import Row, Series, scores_chart

SVG = "{http://www.w3.org/2000/svg}"


def chart(rows=None):
    return scores_chart(
        chart_id="c1",
        title="Self-confidence",
        description="Speaking up 40 → 62",
        series=[Series("initial", "Initial"), Series("final", "Final")],
        rows=rows or [Row("Speaking up", (40.4, 62.5)), Row("Boundaries", (None, 80))],
        no_score_label="not enough answers",
    )


def test_it_is_an_image_with_a_title_and_a_description():
    svg = ElementTree.fromstring(str(chart()))
    assert svg.get("role") == "img" and svg.get("aria-labelledby") == "c1-title c1-desc"
    assert svg.find(f"{SVG}title").text == "Self-confidence"
    assert svg.find(f"{SVG}desc").text == "Speaking up 40 → 62"


def test_every_bar_carries_its_number_and_a_missing_score_says_so():
    svg = ElementTree.fromstring(str(chart()))
    values = [t.text for t in svg.iter(f"{SVG}text") if "chart__value" in (t.get("class") or "")]
    assert values == ["40", "63", "Initial: not enough answers", "80"]
    bars = [r for r in svg.iter(f"{SVG}rect") if r.find(f"{SVG}title") is not None]
    assert [bar.find(f"{SVG}title").text for bar in bars] == ["Initial: 40", "Final: 63", "Final: 80"]
    widths = [float(bar.get("width")) for bar in bars]
    assert widths[2] > widths[1] > widths[0]  # 80 > 62.5 > 40.4


def test_names_are_escaped():
    markup = str(chart([Row('<script>alert("x")</script>', (50, 60))]))
    assert "<script>" not in markup and "&lt;script&gt;" in markup


def test_the_height_grows_with_the_rows():
    one = ElementTree.fromstring(str(chart([Row("A", (1, 2))])))
    three = ElementTree.fromstring(str(chart([Row("A", (1, 2)), Row("B", (1, 2)), Row("C", (1, 2))])))
    assert int(three.get("height")) > int(one.get("height"))

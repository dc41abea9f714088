"""Server-rendered chart: scores per dimension on 0–100, one bar per assessment moment; the same drawing
on another scale (a pulse's 1–5 per week, `PULSE_SCALE`).

The chart is an image with a title and a description (role="img", aria-labelledby); every figure it shows
is also in the table the page prints beside it. It is HTML, not SVG, so its words are real text that zooms
and reflows with the page and whose contrast a checker can measure. Colours come from classes in portal.css;
nothing relies on colour alone: each bar carries its number, the legend names each series in the order of
the bars, and the three series differ in fill (grey, outlined light, solid).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

from assessments.scoring import display

TICKS = (0, 25, 50, 75, 100)


@dataclass(frozen=True)
class Scale:
    """What a bar's length is measured against, where the axis is marked, and how a value is written."""

    maximum: float
    ticks: tuple[float, ...]
    shown: Callable[[float], object]


def _one_decimal(value: float) -> str:
    return f"{value:.1f}"


SCORE_SCALE = Scale(100, TICKS, display)
PULSE_SCALE = Scale(5, (0, 1, 2, 3, 4, 5), _one_decimal)


@dataclass(frozen=True)
class Series:
    key: str  # "initial", "midpoint" or "final": the bar's class
    label: str


@dataclass(frozen=True)
class Row:
    label: str
    values: tuple[float | None, ...]  # one per series, 0–100 or None


def scores_chart(
    *,
    chart_id: str,
    title: str,
    description: str,
    series: list[Series],
    rows: list[Row],
    no_score_label: str,
    scale: Scale = SCORE_SCALE,
) -> SafeString:
    """A horizontal bar chart: per row its name, then one labelled bar per series (lengths on `scale`)."""
    legend = format_html_join(
        "",
        '<span class="chart__key"><span class="chart__swatch chart__bar--{}"></span>{}</span>',
        ((item.key, item.label) for item in series),
    )
    at = [(f"{tick / scale.maximum * 100:g}", tick) for tick in scale.ticks]
    grid = format_html_join("", '<span class="chart__grid" style="left: {}%"></span>', ((left,) for left, _t in at))
    body = [grid]
    for row in rows:
        body.append(format_html('<span class="chart__name">{}</span>', row.label))
        body.extend(_bar(item, value, no_score_label, scale) for item, value in zip(series, row.values))
    ticks = format_html_join("", '<span class="chart__tick" style="left: {}%">{}</span>', at)
    return format_html(
        '<div class="chart chart--scores" role="img" aria-labelledby="{}-title {}-desc">'
        '<span id="{}-title" hidden="">{}</span><span id="{}-desc" hidden="">{}</span>'
        '<span class="chart__legend">{}</span><span class="chart__scale">{}</span>'
        '<span class="chart__axis">{}</span></div>',
        chart_id,
        chart_id,
        chart_id,
        title,
        chart_id,
        description,
        legend,
        mark_safe("".join(body)),
        ticks,
    )


def _bar(item: Series, value: float | None, no_score_label: str, scale: Scale) -> SafeString:
    if value is None:
        return format_html(
            '<span class="chart__series"><span class="chart__value chart__value--none">{}: {}</span></span>',
            item.label,
            no_score_label,
        )
    shown = scale.shown(value)
    return format_html(
        '<span class="chart__series"><span class="chart__bar chart__bar--{}" style="width: {}%" title="{}: {}">'
        '</span><span class="chart__value">{}</span></span>',
        item.key,
        f"{max(0.0, min(100.0, value / scale.maximum * 100)):.1f}",
        item.label,
        shown,
        shown,
    )

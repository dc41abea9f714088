"""Server-rendered SVG charts: scores per dimension on 0–100, one bar per assessment moment.

The SVG is an image with a title and a description (role="img", aria-labelledby); every figure it shows
is also in the table the page prints beside it. Colours come from classes in portal.css (with fill
attributes as a fallback where the stylesheet is absent, e.g. in a PDF); nothing relies on colour alone:
each bar carries its number and the legend names each series in order.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from assessments.scoring import display

WIDTH = 640
LEFT = 8
RIGHT = 56  # room for the number after a full bar
BAR = 16
BAR_GAP = 4
NAME_HEIGHT = 22
GROUP_GAP = 18
TOP = 40  # legend
AXIS = 26
TICKS = (0, 25, 50, 75, 100)
FALLBACK_FILL = {"initial": "#8a94a6", "midpoint": "#6f9fce", "final": "#2f5d8a"}


@dataclass(frozen=True)
class Series:
    key: str  # "initial", "midpoint" or "final": the bar's class
    label: str


@dataclass(frozen=True)
class Row:
    label: str
    values: tuple[float | None, ...]  # one per series, 0–100 or None


def _x(value: float) -> float:
    return LEFT + (WIDTH - LEFT - RIGHT) * value / 100


def scores_chart(
    *, chart_id: str, title: str, description: str, series: list[Series], rows: list[Row], no_score_label: str
) -> SafeString:
    """A horizontal bar chart: per row its name, then one labelled bar per series."""
    group_height = NAME_HEIGHT + len(series) * (BAR + BAR_GAP) + GROUP_GAP
    height = TOP + len(rows) * group_height + AXIS
    plot_bottom = height - AXIS
    parts = [
        f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" '
        f'width="{WIDTH}" height="{height}" role="img" aria-labelledby="{chart_id}-title {chart_id}-desc" '
        f'font-family="system-ui, sans-serif" font-size="13">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(description)}</desc>',
    ]
    parts.extend(_legend(series))
    for tick in TICKS:
        x = _x(tick)
        parts.append(
            f'<line class="chart__grid" x1="{x:.1f}" y1="{TOP - 6}" x2="{x:.1f}" y2="{plot_bottom}" '
            f'stroke="#e2e5ea" stroke-width="1"/>'
        )
        parts.append(
            f'<text class="chart__tick" x="{x:.1f}" y="{plot_bottom + 18}" text-anchor="middle" '
            f'fill="#5b6677">{tick}</text>'
        )
    y = TOP
    for row in rows:
        parts.append(
            f'<text class="chart__label" x="{LEFT}" y="{y + 15}" fill="#18212d" '
            f'font-weight="600">{escape(row.label)}</text>'
        )
        bar_y = y + NAME_HEIGHT
        for item, value in zip(series, row.values):
            parts.extend(_bar(item, value, bar_y, no_score_label))
            bar_y += BAR + BAR_GAP
        y += group_height
    parts.append("</svg>")
    return mark_safe("".join(parts))


def _legend(series: list[Series]) -> list[str]:
    parts, x = [], LEFT
    for item in series:
        parts.append(
            f'<rect class="chart__bar chart__bar--{item.key}" x="{x}" y="8" width="14" height="14" '
            f'rx="2" fill="{FALLBACK_FILL.get(item.key, "#2f5d8a")}"/>'
        )
        parts.append(f'<text class="chart__legend" x="{x + 20}" y="20" fill="#465263">{escape(item.label)}</text>')
        x += 28 + 8 * len(item.label)
    return parts


def _bar(item: Series, value: float | None, y: float, no_score_label: str) -> list[str]:
    if value is None:
        return [
            f'<text class="chart__value chart__value--none" x="{LEFT}" y="{y + 12}" fill="#5b6677" '
            f'font-style="italic">{escape(item.label)}: {escape(no_score_label)}</text>'
        ]
    shown = display(value)
    width = max(_x(value) - LEFT, 2)
    return [
        f'<rect class="chart__bar chart__bar--{item.key}" x="{LEFT}" y="{y}" width="{width:.1f}" height="{BAR}" '
        f'rx="2" fill="{FALLBACK_FILL.get(item.key, "#2f5d8a")}"><title>{escape(item.label)}: {shown}</title></rect>',
        f'<text class="chart__value" x="{LEFT + width + 6:.1f}" y="{y + 12.5}" fill="#18212d" '
        f'font-weight="600">{shown}</text>',
    ]

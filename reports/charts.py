"""Server-rendered charts for the dashboard pages and the PDF reports (one drawing serves both).

Each function returns markup safe to put in a template: a `<div class="chart" role="img">` named by a title
and a description that says in words what the bars say, so a screen reader gets the figures too; the pages
also show the numbers as a table next to each chart. The chart is HTML, not SVG: its words are real text on
a painted background, so they zoom and reflow with the page and a contrast checker can measure them. Bars
and dots are boxes sized in per cent (or em, for column heights); colours come from portal.css and
report.css (the organisation's accent colour for the bars, kept dark enough on white); every text is
escaped.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import count

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

COLUMN_EM = 7.0  # the tallest column's height; the plot is a little taller for the figure above it
TICKS = (0, 25, 50, 75, 100)

_ids = count(1)


@dataclass(frozen=True)
class Bar:
    label: str
    value: float | None  # None: withheld or no data, drawn as an empty track
    note: str = ""  # shown after the bar instead of the value, e.g. "withheld"


def _number(value: float, decimals: int = 0) -> str:
    return f"{value:.{decimals}f}"


def _share(value: float, maximum: float) -> float:
    """`value` as a per cent of `maximum`, kept within 0–100."""
    return max(0.0, min(1.0, value / maximum)) * 100 if maximum > 0 else 0.0


def _chart(kind: str, title: str, desc: str, body: SafeString) -> SafeString:
    uid = next(_ids)
    return format_html(
        '<div class="chart chart--{}" role="img" aria-labelledby="chart-t{} chart-d{}">'
        '<span id="chart-t{}" hidden="">{}</span><span id="chart-d{}" hidden="">{}</span>{}</div>',
        kind,
        uid,
        uid,
        uid,
        title,
        uid,
        desc,
        body,
    )


def horizontal_bars(bars: list[Bar], *, title: str, maximum: float, unit: str = "", decimals: int = 0) -> SafeString:
    """One labelled bar per row, e.g. an enrolment funnel or completion per assessment."""
    rows = []
    for bar in bars:
        fill = (
            format_html('<span class="chart__fill" style="width: {}%"></span>', f"{_share(bar.value, maximum):.1f}")
            if bar.value is not None and maximum > 0
            else ""
        )
        shown = bar.note or ("—" if bar.value is None else f"{_number(bar.value, decimals)}{unit}")
        rows.append(
            format_html(
                '<span class="chart__row"><span class="chart__label">{}</span><span class="chart__track">{}</span>'
                '<span class="chart__value{}">{}</span></span>',
                bar.label,
                fill,
                " chart__value--note" if bar.note else "",
                shown,
            )
        )
    desc = "; ".join(
        f"{bar.label}: {bar.note or ('no data' if bar.value is None else _number(bar.value, decimals) + unit)}"
        for bar in bars
    )
    return _chart("bars", title, desc, mark_safe("".join(rows)))


def _columns(kind: str, items: list[tuple[str, float, str]], *, title: str, desc: str, caption: str = "") -> SafeString:
    """Vertical bars: (label under the bar, value, figure over the bar or "")."""
    highest = max((value for _label, value, _shown in items), default=0) or 1
    bars = format_html_join(
        "",
        '<span class="chart__column"><span class="chart__figure">{}</span>'
        '<span class="chart__fill" style="height: {}em"></span></span>',
        ((shown, f"{max(0.0, value) / highest * COLUMN_EM:.2f}") for _label, value, shown in items),
    )
    labels = format_html_join("", '<span class="chart__label">{}</span>', ((label,) for label, _v, _s in items))
    body = format_html('<span class="chart__plot">{}</span><span class="chart__labels">{}</span>', bars, labels)
    if caption:
        body += format_html('<span class="chart__caption">{}</span>', caption)
    return _chart(kind, title, desc, body)


def distribution(counts: dict[int, int], *, title: str, axis_label: str = "") -> SafeString:
    """Vertical bars of how often each value (e.g. a rating of 1 to 5) was given."""
    keys = sorted(counts)
    total = sum(counts.values()) or 1
    items = [(str(key), counts[key], f"{counts[key] / total * 100:.0f}%") for key in keys]
    desc = "; ".join(f"{key}: {counts[key]}" for key in keys)
    return _columns("distribution", items, title=title, desc=desc, caption=axis_label)


def columns(values: list[tuple[str, float]], *, title: str, unit: str = "", decimals: int = 1) -> SafeString:
    """Vertical bars over time, e.g. coaching hours per month."""
    items = [(label, value, f"{_number(value, decimals)}{unit}" if value else "") for label, value in values]
    desc = "; ".join(f"{label}: {_number(value, decimals)}{unit}" for label, value in values)
    return _columns("columns", items, title=title, desc=desc)


def change(rows: list[tuple[str, float | None, float | None]], *, title: str, before: str, after: str) -> SafeString:
    """Where each dimension stood at the start (hollow dot) and at the end (filled dot) on 0–100."""
    legend = format_html(
        '<span class="chart__legend"><span class="chart__key"><span class="chart__dot chart__dot--before"></span>{}'
        '</span><span class="chart__key"><span class="chart__dot chart__dot--after"></span>{}</span></span>',
        before,
        after,
    )
    grid = format_html_join("", '<span class="chart__grid" style="left: {}%"></span>', ((tick,) for tick in TICKS))
    parts = [legend]
    described = []
    for label, start, end in rows:
        marks = [grid]
        if start is not None and end is not None:
            low, high = sorted((start, end))
            marks.append(
                format_html(
                    '<span class="chart__span" style="left: {}%; width: {}%"></span>',
                    f"{_share(low, 100):.1f}",
                    f"{_share(high, 100) - _share(low, 100):.1f}",
                )
            )
        if start is not None:
            marks.append(
                format_html(
                    '<span class="chart__dot chart__dot--before" style="left: {}%"></span>', f"{_share(start, 100):.1f}"
                )
            )
        if end is not None:
            marks.append(
                format_html(
                    '<span class="chart__dot chart__dot--after" style="left: {}%"></span>', f"{_share(end, 100):.1f}"
                )
            )
        parts.append(
            format_html(
                '<span class="chart__row"><span class="chart__label">{}</span><span class="chart__track">{}</span>'
                "</span>",
                label,
                mark_safe("".join(marks)),
            )
        )
        described.append(f"{label}: {_maybe(start)} to {_maybe(end)}")
    ticks = format_html_join("", '<span class="chart__tick" style="left: {}%">{}</span>', ((t, t) for t in TICKS))
    parts.append(format_html('<span class="chart__row"><span></span><span class="chart__axis">{}</span></span>', ticks))
    return _chart("change", title, "; ".join(described), mark_safe("".join(parts)))


def _maybe(value: float | None) -> str:
    return "—" if value is None else f"{value:.0f}"

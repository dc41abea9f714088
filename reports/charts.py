"""Server-rendered SVG charts for the dashboard pages and the PDF reports (one drawing serves both).

Each function returns markup safe to put in a template: an <svg role="img"> with a <title> and a <desc>
that says in words what the bars say, so a screen reader gets the figures too; the pages also show the
numbers as a table next to each chart. Colours come from the organisation's accent colour (validated
#rrggbb) and neutral greys; every text is escaped.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import count

from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe

INK = "#18212d"
INK_SOFT = "#5b6677"
GRID = "#e2e5ea"
TRACK = "#eef0f3"
NEUTRAL = "#9aa5b4"
FONT = 'font-family="DejaVu Sans, Liberation Sans, Arial, sans-serif"'

_ids = count(1)


@dataclass(frozen=True)
class Bar:
    label: str
    value: float | None  # None: withheld or no data, drawn as an empty track
    note: str = ""  # shown after the bar instead of the value, e.g. "withheld"


def _number(value: float, decimals: int = 0) -> str:
    return f"{value:.{decimals}f}"


def _svg(width: int, height: int, title: str, desc: str, body: str) -> SafeString:
    uid = next(_ids)
    return mark_safe(
        f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-labelledby="chart-t{uid} chart-d{uid}" {FONT}>'
        f'<title id="chart-t{uid}">{escape(title)}</title><desc id="chart-d{uid}">{escape(desc)}</desc>'
        f"{body}</svg>"
    )


def horizontal_bars(
    bars: list[Bar], *, title: str, maximum: float, colour: str, unit: str = "", decimals: int = 0, width: int = 560
) -> SafeString:
    """One labelled bar per row, e.g. an enrolment funnel or completion per assessment."""
    label_w, row_h, value_w = max(170, int(width * 0.34)), 30, 70
    track_w = width - label_w - value_w
    height = max(row_h * len(bars) + 8, 38)
    parts = []
    for index, bar in enumerate(bars):
        y = 4 + index * row_h
        parts.append(
            format_html(
                '<text x="{}" y="{}" fill="{}" font-size="13" text-anchor="end">{}</text>',
                label_w - 10,
                y + 19,
                INK,
                _clip(bar.label, int((label_w - 12) / 7.3)),
            )
        )
        parts.append(f'<rect x="{label_w}" y="{y + 6}" width="{track_w}" height="18" rx="3" fill="{TRACK}"/>')
        if bar.value is not None and maximum > 0:
            length = max(0.0, min(1.0, bar.value / maximum)) * track_w
            parts.append(f'<rect x="{label_w}" y="{y + 6}" width="{length:.1f}" height="18" rx="3" fill="{colour}"/>')
        shown = bar.note or ("—" if bar.value is None else f"{_number(bar.value, decimals)}{unit}")
        parts.append(
            format_html(
                '<text x="{}" y="{}" fill="{}" font-size="13">{}</text>',
                label_w + track_w + 8,
                y + 19,
                INK_SOFT if bar.note else INK,
                shown,
            )
        )
    desc = "; ".join(
        f"{bar.label}: {bar.note or ('no data' if bar.value is None else _number(bar.value, decimals) + unit)}"
        for bar in bars
    )
    return _svg(width, height, title, desc, "".join(parts))


def distribution(
    counts: dict[int, int], *, title: str, colour: str, width: int = 360, axis_label: str = ""
) -> SafeString:
    """Vertical bars of how often each value (e.g. a rating of 1 to 5) was given."""
    keys = sorted(counts)
    total = sum(counts.values()) or 1
    highest = max(counts.values(), default=0) or 1
    plot_h, base_y, slot = 120, 150, (width - 20) / max(len(keys), 1)
    parts = [f'<line x1="10" y1="{base_y}" x2="{width - 10}" y2="{base_y}" stroke="{GRID}"/>']
    for index, key in enumerate(keys):
        x = 10 + index * slot
        h = counts[key] / highest * plot_h
        parts.append(
            f'<rect x="{x + slot * 0.2:.1f}" y="{base_y - h:.1f}" width="{slot * 0.6:.1f}" '
            f'height="{h:.1f}" rx="2" fill="{colour}"/>'
        )
        share = f"{counts[key] / total * 100:.0f}%"
        parts.append(
            format_html(
                '<text x="{}" y="{}" fill="{}" font-size="12" text-anchor="middle">{}</text>',
                f"{x + slot / 2:.1f}",
                f"{base_y - h - 5:.1f}",
                INK_SOFT,
                share,
            )
        )
        parts.append(
            format_html(
                '<text x="{}" y="{}" fill="{}" font-size="13" text-anchor="middle">{}</text>',
                f"{x + slot / 2:.1f}",
                base_y + 17,
                INK,
                key,
            )
        )
    if axis_label:
        parts.append(
            format_html(
                '<text x="{}" y="{}" fill="{}" font-size="11" text-anchor="middle">{}</text>',
                width / 2,
                base_y + 33,
                INK_SOFT,
                axis_label,
            )
        )
    desc = "; ".join(f"{key}: {counts[key]}" for key in keys)
    return _svg(width, base_y + (38 if axis_label else 24), title, desc, "".join(parts))


def change(
    rows: list[tuple[str, float | None, float | None]],
    *,
    title: str,
    colour: str,
    before: str,
    after: str,
    width: int = 560,
) -> SafeString:
    """Where each dimension stood at the start (hollow dot) and at the end (filled dot) on 0–100."""
    label_w, row_h, right = 170, 30, 20
    track_w = width - label_w - right
    top = 26
    height = top + row_h * len(rows) + 26
    scale = track_w / 100
    parts = []
    for tick in (0, 25, 50, 75, 100):
        x = label_w + tick * scale
        parts.append(f'<line x1="{x:.1f}" y1="{top - 4}" x2="{x:.1f}" y2="{top + row_h * len(rows)}" stroke="{GRID}"/>')
        parts.append(
            f'<text x="{x:.1f}" y="{top + row_h * len(rows) + 16}" fill="{INK_SOFT}" font-size="11" '
            f'text-anchor="middle">{tick}</text>'
        )
    # Legend
    parts.append(f'<circle cx="{label_w + 6}" cy="10" r="5" fill="#fff" stroke="{NEUTRAL}" stroke-width="2"/>')
    parts.append(format_html('<text x="{}" y="14" fill="{}" font-size="12">{}</text>', label_w + 16, INK_SOFT, before))
    parts.append(f'<circle cx="{label_w + 130}" cy="10" r="5" fill="{colour}"/>')
    parts.append(format_html('<text x="{}" y="14" fill="{}" font-size="12">{}</text>', label_w + 140, INK_SOFT, after))
    described = []
    for index, (label, start, end) in enumerate(rows):
        y = top + index * row_h + row_h / 2
        parts.append(
            format_html(
                '<text x="{}" y="{}" fill="{}" font-size="13" text-anchor="end">{}</text>',
                label_w - 10,
                f"{y + 4:.1f}",
                INK,
                _clip(label, 24),
            )
        )
        if start is not None and end is not None:
            parts.append(
                f'<line x1="{label_w + start * scale:.1f}" y1="{y:.1f}" x2="{label_w + end * scale:.1f}" '
                f'y2="{y:.1f}" stroke="{colour}" stroke-width="3" stroke-opacity="0.45"/>'
            )
        if start is not None:
            parts.append(
                f'<circle cx="{label_w + start * scale:.1f}" cy="{y:.1f}" r="6" fill="#fff" '
                f'stroke="{NEUTRAL}" stroke-width="2"/>'
            )
        if end is not None:
            parts.append(f'<circle cx="{label_w + end * scale:.1f}" cy="{y:.1f}" r="6" fill="{colour}"/>')
        described.append(f"{label}: {_maybe(start)} to {_maybe(end)}")
    return _svg(width, height, title, "; ".join(described), "".join(parts))


def columns(
    values: list[tuple[str, float]], *, title: str, colour: str, unit: str = "", decimals: int = 1, width: int = 560
) -> SafeString:
    """Vertical bars over time, e.g. coaching hours per month."""
    highest = max((value for _label, value in values), default=0) or 1
    plot_h, base_y = 130, 156
    slot = (width - 20) / max(len(values), 1)
    parts = [f'<line x1="10" y1="{base_y}" x2="{width - 10}" y2="{base_y}" stroke="{GRID}"/>']
    for index, (label, value) in enumerate(values):
        x = 10 + index * slot
        h = value / highest * plot_h
        parts.append(
            f'<rect x="{x + slot * 0.18:.1f}" y="{base_y - h:.1f}" width="{slot * 0.64:.1f}" '
            f'height="{h:.1f}" rx="2" fill="{colour}"/>'
        )
        if value:
            parts.append(
                format_html(
                    '<text x="{}" y="{}" fill="{}" font-size="11" text-anchor="middle">{}</text>',
                    f"{x + slot / 2:.1f}",
                    f"{base_y - h - 5:.1f}",
                    INK_SOFT,
                    f"{_number(value, decimals)}{unit}",
                )
            )
        parts.append(
            format_html(
                '<text x="{}" y="{}" fill="{}" font-size="11" text-anchor="middle">{}</text>',
                f"{x + slot / 2:.1f}",
                base_y + 16,
                INK,
                label,
            )
        )
    desc = "; ".join(f"{label}: {_number(value, decimals)}{unit}" for label, value in values)
    return _svg(width, base_y + 24, title, desc, "".join(parts))


def _clip(text: str, length: int) -> str:
    text = str(text)
    return text if len(text) <= length else text[: length - 1] + "…"


def _maybe(value: float | None) -> str:
    return "—" if value is None else f"{value:.0f}"

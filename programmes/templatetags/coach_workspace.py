"""The long parts of the coach's workspace, written in one pass: `{{ day.sessions|coach_session_rows:open_label }}`
(the rows of one day) and `{{ row.cells|coach_hour_cells }}` (one organisation's months of hours).

A coach's list can hold hundreds of sessions and the hours table 25 organisations × 6 months; a template
loop costs a node per field and row, so these are written here, every value escaped as `{{ }}` would (the
view has made the words and links).
"""

from html import escape

from django import template
from django.utils.safestring import SafeString, mark_safe

register = template.Library()

ROW = (
    '<li class="coach-session"><span class="coach-session__time">{time}</span> '
    '<span class="org-tag" style="--org: {colour}">{organisation}</span> '
    '<span class="coach-session__what">{what}<span class="cell-sub">{detail}</span></span> '
    '<a class="btn btn--small btn--secondary" href="{link}">{open}<span class="visually-hidden"> {label}</span></a>'
    "</li>"
)


@register.filter
def coach_session_rows(sessions: list[dict], open_label: str) -> SafeString:
    opening = escape(str(open_label))
    return mark_safe(  # every value is escaped
        "\n".join(
            ROW.format(
                time=escape(item["time"]),
                colour=escape(item["colour"]),
                organisation=escape(item["organisation"]),
                what=escape(item["what"]),
                detail=escape(item["detail"]),
                link=escape(item["link"]),
                open=opening,
                label=escape(item["label"]),
            )
            for item in sessions
        )
    )


HOURS = '<td class="num">{hours} h<span class="cell-sub">{sessions}</span></td>'
NO_HOURS = '<td class="num"><span class="muted">–</span></td>'


@register.filter
def coach_hour_cells(cells: list[dict]) -> SafeString:
    return mark_safe(  # every value is escaped
        "".join(
            HOURS.format(hours=escape(cell["hours"]), sessions=escape(cell["sessions"])) if cell["hours"] else NO_HOURS
            for cell in cells
        )
    )

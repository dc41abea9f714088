"""`{{ day.sessions|coach_session_rows:open_label }}`: the rows of one day of the coach's workspace.

A coach's list can hold hundreds of sessions; a template loop costs a node per field and row, so the rows
are written here in one pass, every value escaped as `{{ }}` would (the view has made the words and links).
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

"""`{% slot_grid day %}` and `{% slot_grid day action="move" %}`: one day's free times as buttons, written in
one pass.

A coach may offer dozens of times a day and the booking page shows two weeks at once. As a template loop
each time cost three URL reversals, two translations and three date formats, which made the booking page
the slowest an employee sees; here the URLs are reversed once per page, the translations and labels made
once per day or kind of slot, and each time costs one string. The times are `availability.selectors.FreeTime`
rows (already in the reader's time zone), not Slot instances. The markup is what the loop wrote."""

from __future__ import annotations

from django import template
from django.urls import reverse
from django.utils import dateformat
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

register = template.Library()

_PLACEHOLDER = 987654321


def _url_for(name: str):
    """The URL of `name` for any slot, escaped: reversed and escaped once with a placeholder key, completed
    per slot (a key is a number)."""
    head, tail = escape(reverse(name, args=[_PLACEHOLDER])).split(str(_PLACEHOLDER))
    return lambda pk: f"{head}{pk}{tail}"


def _csrf_input(context) -> str:
    token = context.get("csrf_token")
    if not token or token == "NOTPROVIDED":
        return ""
    return format_html('<input type="hidden" name="csrfmiddlewaretoken" value="{}">', token)


def _page_parts(context) -> dict:
    """What every day of the page shares, made and escaped once per page (kept in the render context)."""
    parts = context.render_context.get(_page_parts)
    if parts is None:
        parts = {
            "csrf": _csrf_input(context),
            "book": _url_for("booking_book"),
            "series": _url_for("booking_series"),
            "as_series": escape(_("As a series")),
            "subs": {},
            "coaches": {},
        }
        context.render_context[_page_parts] = parts
    return parts


def _sub(parts: dict, slot) -> str:
    """How and how long, escaped: "Video · 60 min"."""
    key = (slot.mode, slot.duration_minutes)
    if key not in parts["subs"]:
        minutes = _("%(minutes)s min") % {"minutes": slot.duration_minutes}
        parts["subs"][key] = escape(f"{slot.get_mode_display()} · {minutes}")
    return parts["subs"][key]


def _with_coach(parts: dict, slot) -> str:
    if slot.coach_id not in parts["coaches"]:
        parts["coaches"][slot.coach_id] = escape(_("with %(coach)s") % {"coach": slot.coach_name})
    return parts["coaches"][slot.coach_id]


@register.simple_tag(takes_context=True)
def slot_grid(context, day, action: str = "") -> SafeString:
    """Every piece is escaped where it is made (once per page, day or kind of slot); keys and times are
    numbers."""
    parts = _page_parts(context)
    day_label = escape(dateformat.format(day.day, "j F"))
    csrf = parts["csrf"]
    rows = []
    for slot in day.slots:
        pk = int(slot.pk)
        time = slot.starts_at.strftime("%H:%M")
        sub = _sub(parts, slot)
        if action == "move":
            rows.append(
                f'<li>\n<form method="post">{csrf}<input type="hidden" name="slot" value="{pk}">\n'
                f'<button type="submit" class="slot">{time}<span class="slot__sub">{sub}</span>'
                f'<span class="visually-hidden"> {day_label}</span></button>\n</form>\n</li>'
            )
            continue
        book = parts["book"](pk)
        rows.append(
            f'<li>\n<form method="post" action="{book}" hx-post="{book}" hx-target="#booking-slots" '
            f'hx-swap="outerHTML" hx-disabled-elt="find button">{csrf}\n'
            f'<button type="submit" class="slot">{time}<span class="slot__sub">{sub}</span>'
            f'<span class="visually-hidden"> {day_label}, {_with_coach(parts, slot)}</span></button>\n</form>\n'
            f'<a class="slot__series" href="{parts["series"](pk)}">{parts["as_series"]}'
            f'<span class="visually-hidden"> {day_label} {time}</span></a>\n</li>'
        )
    return mark_safe("\n".join(rows))  # noqa: S308 (every piece escaped above)

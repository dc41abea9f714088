"""Panels on an organisation's home page. Each app registers a panel per role it serves.

A panel is a function (request) -> dict with "template" and its context, or None to show nothing. A panel
that shows rows names their querysets in `reads`, a function (actor) -> {name: queryset}: the reads of
every panel the person sees are kept across requests (portal.kept) and run together in one round trip, and
such a panel is called as (request, rows) with each read's rows by name. Panels that show the same rows
name the same `reads` function, which runs once.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db.models import QuerySet
from django.http import HttpRequest

from portal import kept, policy

Panel = Callable[..., "dict | None"]
Reads = Callable[[policy.Actor], dict[str, QuerySet]]
_panels: list[tuple[int, str, Panel, Reads | None]] = []


def register(role: str, order: int = 50, reads: Reads | None = None) -> Callable[[Panel], Panel]:
    def decorate(panel: Panel) -> Panel:
        _panels.append((order, role, panel, reads))
        _panels.sort(key=lambda item: item[0])
        return panel

    return decorate


def panels_for(request: HttpRequest) -> list[dict]:
    actor = policy.current_actor(request)
    chosen = [(panel, reads) for _order, role, panel, reads in _panels if role in actor.roles]
    rows = kept.read(actor, "home", reads_for) if any(reads for _panel, reads in chosen) else {}
    shown = []
    for panel, reads in chosen:
        result = panel(request) if reads is None else panel(request, rows)
        if result:
            shown.append(result)
    return shown


def panel_alone(request: HttpRequest, panel: Panel) -> dict | None:
    """One panel as the home shows it, with its own reads only."""
    reads = next(reads for _order, _role, registered, reads in _panels if registered is panel)
    if reads is None:
        return panel(request)
    actor = policy.current_actor(request)
    return panel(request, kept.read(actor, f"home:{panel.__module__}.{panel.__qualname__}", reads))


def reads_for(actor: policy.Actor) -> dict[str, QuerySet]:
    """The querysets of every panel `actor` sees on the home, by name."""
    readers = dict.fromkeys(reads for _order, role, _panel, reads in _panels if role in actor.roles and reads)
    querysets: dict[str, QuerySet] = {}
    for reads in readers:
        for name, queryset in reads(actor).items():
            if name in querysets:
                raise ValueError(f"two home panels' reads are both named {name!r}")
            querysets[name] = queryset
    return querysets

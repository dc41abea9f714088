"""Panels on an organisation's home page. Each app registers a panel per role it serves.

A panel is a function (request) -> dict with "template" and its context, or None to show nothing.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest

from portal import policy

Panel = Callable[[HttpRequest], "dict | None"]
_panels: list[tuple[int, str, Panel]] = []


def register(role: str, order: int = 50) -> Callable[[Panel], Panel]:
    def decorate(panel: Panel) -> Panel:
        _panels.append((order, role, panel))
        _panels.sort(key=lambda item: item[0])
        return panel

    return decorate


def panels_for(request: HttpRequest) -> list[dict]:
    actor = policy.current_actor(request)
    shown = []
    for _order, role, panel in _panels:
        if role in actor.roles:
            result = panel(request)
            if result:
                shown.append(result)
    return shown

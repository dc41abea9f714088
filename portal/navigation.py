"""Role-aware navigation. Apps add entries with `register`; each entry names the roles that see it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse

from portal import policy


@dataclass(frozen=True)
class Entry:
    label: Callable[[], str] | str
    url_name: str
    roles: tuple[str, ...]  # empty: everyone signed in on this kind of host
    public_host: bool = False  # shown on the public host instead of organisation hosts
    platform_staff: bool = False
    order: int = 50


_entries: list[Entry] = []


def register(entry: Entry) -> None:
    _entries.append(entry)
    _entries.sort(key=lambda e: e.order)


def items_for(request: HttpRequest, actor: policy.Actor) -> list[dict]:
    if not actor.is_authenticated:
        return []
    on_public = actor.organisation is None
    items = []
    for entry in _entries:
        if entry.public_host != on_public:
            continue
        if entry.platform_staff and not actor.is_platform_staff:
            continue
        if entry.roles and not actor.has_any(*entry.roles):
            continue
        try:
            url = reverse(entry.url_name)
        except NoReverseMatch:
            continue
        active = request.path == url if url == "/" else request.path.startswith(url)
        items.append({"label": str(entry.label), "url": url, "active": active})
    return items

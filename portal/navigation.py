"""Role-aware navigation. Apps add entries with `register`; each entry names the roles that see it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse

from portal import policy
from tenants.selectors import my_memberships

ROLES_ANYWHERE_KEY = "portal_roles_anywhere"


@dataclass(frozen=True)
class Entry:
    label: Callable[[], str] | str
    url_name: str
    # Who sees the entry; empty: everyone signed in on this kind of host. On an organisation host: the
    # roles held there. On the public host (which knows no roles of its own): the roles held in at least
    # one organisation, e.g. (COACH,) for the coach's workspace.
    roles: tuple[str, ...]
    public_host: bool = False  # shown on the public host instead of organisation hosts
    platform_staff: bool = False
    order: int = 50
    # Shown as a button at the end of the header instead of in the menu, so it is never scrolled out of
    # sight on a narrow screen (the urgent route for employees).
    prominent: bool = False


_entries: list[Entry] = []


def register(entry: Entry) -> None:
    _entries.append(entry)
    _entries.sort(key=lambda e: e.order)


def roles_anywhere(request: HttpRequest) -> frozenset[str]:
    """The roles the signed-in person holds in any active organisation: for the public host's menu only
    (each page decides for itself what it shows). Read once per session (one query), then refreshed for
    free by pages that read the memberships anyway (`remember_roles_anywhere`)."""
    session = getattr(request, "session", None)
    stored = session.get(ROLES_ANYWHERE_KEY) if session is not None else None
    if stored is not None:
        return frozenset(stored)

    roles = frozenset(my_memberships(user=request.user).order_by().values_list("role", flat=True).distinct())
    remember_roles_anywhere(request, roles)
    return roles


def remember_roles_anywhere(request: HttpRequest, roles) -> None:
    """Keep the roles someone holds across organisations for the menu (written only when they change)."""
    session = getattr(request, "session", None)
    value = sorted(set(roles))
    if session is not None and session.get(ROLES_ANYWHERE_KEY) != value:
        session[ROLES_ANYWHERE_KEY] = value


def items_for(request: HttpRequest, actor: policy.Actor) -> list[dict]:
    if not actor.is_authenticated:
        return []
    on_public = actor.organisation is None
    held: frozenset[str] | None = None if on_public else actor.roles  # on the public host: when asked
    items = []
    for entry in _entries:
        if entry.public_host != on_public:
            continue
        if entry.platform_staff and not actor.is_platform_staff:
            continue
        if entry.roles:
            if held is None:
                held = roles_anywhere(request)
            if not held.intersection(entry.roles):
                continue
        try:
            url = reverse(entry.url_name)
        except NoReverseMatch:
            continue
        active = request.path == url if url == "/" else request.path.startswith(url)
        items.append({"label": str(entry.label), "url": url, "active": active, "prominent": entry.prominent})
    return items

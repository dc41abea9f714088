from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest

from portal import navigation, policy


def portal(request: HttpRequest) -> dict:
    actor = policy.current_actor(request)
    return {
        "current_organisation": actor.organisation,
        "actor": actor,
        "nav_items": navigation.items_for(request, actor),
        "languages": settings.LANGUAGES,
    }

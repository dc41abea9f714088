from __future__ import annotations

from portal import policy
from webhooks import events, services


def endpoint_make(org, url: str, event_types=None, description: str = ""):
    """An endpoint of `org` made by its HR manager (call inside the organisation's schema): (endpoint, secret)."""
    return services.endpoint_create(
        actor=policy.actor_for(org.hr, org.organisation),
        url=url,
        events=list(event_types or events.EVENTS),
        description=description,
    )

"""Calendars: every session as an .ics file, and a private feed URL per person with a revocable secret.

The feed lives on the public host and needs no sign-in: its secret is the key. Renewing makes a new
secret and retires the old one at once, so a leaked address stops working.
"""

from __future__ import annotations

from datetime import datetime

import icalendar
from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from programmes.availability.models import CalendarFeed
from programmes.models import Session
from tenants.models import Organisation, User
from tenants.services import host_url, organisation_host, public_url

PRODUCT_ID = "-//Coaching portal//Sessions//EN"


# --- feeds ------------------------------------------------------------------------------------------


@transaction.atomic
def calendar_feed_renew(*, user: User) -> CalendarFeed:
    """A new private feed address; any earlier one stops working."""
    calendar_feed_revoke(user=user)
    return CalendarFeed.objects.create(user=user)


def calendar_feed_revoke(*, user: User, feed: CalendarFeed | None = None) -> int:
    """Stop `feed`, or every feed address of `user`. Returns how many were live."""
    feeds = CalendarFeed.objects.filter(user=user, revoked_at__isnull=True)
    if feed is not None:
        feeds = feeds.filter(pk=feed.pk)
    return feeds.update(revoked_at=timezone.now())


def calendar_feed_url(feed: CalendarFeed, *, request=None) -> str:
    return public_url(f"/calendar/feed/{feed.secret}.ics", request=request)


def organisation_address(organisation: Organisation) -> str:
    """The organisation's primary address, read from its prefetched domains when the caller has them
    (a feed over many organisations then looks each address up once, not once per session)."""
    primary = [domain.domain for domain in organisation.domains.all() if domain.is_primary]
    return host_url(primary[0] if primary else organisation_host(organisation.slug), "")


# --- .ics -------------------------------------------------------------------------------------------


def session_title(session: Session, *, for_coach: bool) -> str:
    """What a calendar shows as the event's name (in the active language)."""
    if session.title:
        return session.title
    if session.kind == Session.Kind.GROUP:
        return _("Group session: %(cohort)s") % {"cohort": session.cohort.name}
    if for_coach:
        employee = session.enrolment.employee
        return _("1:1 coaching with %(name)s") % {"name": employee.get_full_name() or employee.email}
    return _("1:1 coaching with %(name)s") % {"name": session.coach.get_full_name() or session.coach.email}


def where(session: Session) -> str:
    """The one detail of how the session takes place: the address, the link or the dial-in. Sessions reach
    here as the policy shows them to the reader (through `policy.scope`, or `policy.redact` for email):
    blank for someone who may not join."""
    return {
        Session.Mode.IN_PERSON: session.location,
        Session.Mode.VIDEO: session.video_url,
        Session.Mode.PHONE: session.dial_in,
    }.get(session.mode, "")


def _event(session: Session, organisation: Organisation, *, for_coach: bool, stamp: datetime) -> icalendar.Event:
    event = icalendar.Event()
    event.add("uid", f"session-{session.pk}-{organisation.schema_name}@{settings.PORTAL_DOMAIN}")
    event.add("dtstamp", stamp)
    event.add("dtstart", session.starts_at)
    event.add("dtend", session.ends_at)
    title = session_title(session, for_coach=for_coach)
    event.add("summary", f"{title} ({organisation.name})" if for_coach else title)
    detail = where(session)
    if detail:
        event.add("location", detail)
    link = f"{organisation_address(organisation)}/sessions/{session.pk}/"
    event.add("url", link)
    lines = [
        _("%(mode)s with %(coach)s")
        % {"mode": session.get_mode_display(), "coach": session.coach.get_full_name() or session.coach.email}
    ]
    if detail:
        lines.append(detail)
    lines.append(_("Details and changes: %(link)s") % {"link": link})
    event.add("description", "\n".join(lines))
    cancelled = session.status == Session.Status.CANCELLED
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    return event


def calendar_ics(entries: list[tuple[Session, Organisation, bool]], *, name: str, language: str) -> bytes:
    """An iCalendar file of (session, its organisation, seen as the coach?) entries."""
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODUCT_ID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    calendar.add("x-wr-timezone", settings.TIME_ZONE)
    stamp = timezone.now()
    with translation.override(language):
        for session, organisation, for_coach in entries:
            calendar.add_component(_event(session, organisation, for_coach=for_coach, stamp=stamp))
    return calendar.to_ical()

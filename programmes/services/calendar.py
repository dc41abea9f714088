"""Calendars: every session as an .ics file, and a private feed URL per person with a revocable secret.

The feed lives on the public host and needs no sign-in: its secret is the key. Renewing makes a new
secret and retires the old one at once, so a leaked address stops working.

Emails carry iTIP invitations (RFC 5546): METHOD:REQUEST on booking, moving and changing, METHOD:CANCEL on
cancellation, always under the session's one UID and its SEQUENCE (raised by every change calendars must
follow), so Outlook, Gmail and Apple Calendar update or remove the event they already hold. The portal is
the ORGANIZER (it sends every change); each recipient's copy names that recipient as the one ATTENDEE, so
no one's address travels to other participants. Feeds publish (METHOD:PUBLISH) with the same UIDs and
sequences.
"""

from __future__ import annotations

from datetime import datetime
from email.utils import parseaddr

import icalendar
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.core.mail.message import SafeMIMEText
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from programmes.availability.models import CalendarFeed
from programmes.models import Session
from tenants.models import Organisation, User
from tenants.services import host_url, organisation_host, public_url

PRODUCT_ID = "-//Coaching portal//Sessions//EN"

# The iTIP methods: a feed publishes, an email asks the recipient's calendar to add/update or to remove.
PUBLISH, REQUEST, CANCEL = "PUBLISH", "REQUEST", "CANCEL"


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


def session_uid(session: Session, organisation: Organisation) -> str:
    """The event's UID for the whole life of the session, in emails and feeds alike."""
    return f"session-{session.pk}-{organisation.schema_name}@{settings.PORTAL_DOMAIN}"


def _organizer(organisation: Organisation) -> icalendar.vCalAddress:
    """The portal, which sends every invitation and every change, on behalf of the organisation."""
    address = parseaddr(settings.DEFAULT_FROM_EMAIL)[1] or f"no-reply@{settings.PORTAL_DOMAIN}"
    organizer = icalendar.vCalAddress(f"mailto:{address}")
    organizer.params["CN"] = icalendar.vText(organisation.name)
    return organizer


def _attendee(user: User, *, for_coach: bool) -> icalendar.vCalAddress:
    attendee = icalendar.vCalAddress(f"mailto:{user.email}")
    attendee.params["CN"] = icalendar.vText(user.get_full_name() or user.email)
    attendee.params["ROLE"] = icalendar.vText("CHAIR" if for_coach else "REQ-PARTICIPANT")
    attendee.params["CUTYPE"] = icalendar.vText("INDIVIDUAL")
    # The portal takes no replies by email: changes go through the portal's pages.
    attendee.params["RSVP"] = icalendar.vText("FALSE")
    return attendee


def _event(
    session: Session,
    organisation: Organisation,
    *,
    for_coach: bool,
    stamp: datetime,
    method: str = PUBLISH,
    recipient: User | None = None,
) -> icalendar.Event:
    event = icalendar.Event()
    event.add("uid", session_uid(session, organisation))
    event.add("sequence", session.sequence)
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
    event.add("organizer", _organizer(organisation))
    if method != PUBLISH and recipient is not None and recipient.email:
        event.add("attendee", _attendee(recipient, for_coach=for_coach))
    cancelled = method == CANCEL or session.status == Session.Status.CANCELLED
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    event.add("transp", "TRANSPARENT" if cancelled else "OPAQUE")
    return event


def _calendar(*, name: str, method: str) -> icalendar.Calendar:
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODUCT_ID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", method)
    calendar.add("x-wr-calname", name)
    calendar.add("x-wr-timezone", settings.TIME_ZONE)
    return calendar


def calendar_ics(entries: list[tuple[Session, Organisation, bool]], *, name: str, language: str) -> bytes:
    """An iCalendar file (METHOD:PUBLISH) of (session, its organisation, seen as the coach?) entries."""
    calendar = _calendar(name=name, method=PUBLISH)
    stamp = timezone.now()
    with translation.override(language):
        for session, organisation, for_coach in entries:
            calendar.add_component(_event(session, organisation, for_coach=for_coach, stamp=stamp))
    return calendar.to_ical()


def invitation_ics(
    session: Session, organisation: Organisation, *, recipient: User, for_coach: bool, method: str, language: str
) -> bytes:
    """The iTIP message for one recipient: METHOD:REQUEST (add or update) or METHOD:CANCEL (remove)."""
    if method not in (REQUEST, CANCEL):
        raise ValueError(f"not an invitation method: {method!r}")
    calendar = _calendar(name=organisation.name, method=method)
    with translation.override(language):
        calendar.add_component(
            _event(
                session,
                organisation,
                for_coach=for_coach,
                stamp=timezone.now(),
                method=method,
                recipient=recipient,
            )
        )
    return calendar.to_ical()


def invitation_content_type(method: str) -> str:
    return f"text/calendar; method={method}; charset=UTF-8"


class InvitationEmail(EmailMultiAlternatives):
    """An email whose calendar parts say their iTIP method in the Content-Type, as calendar programs need
    to treat them as an invitation (Django's own parts take the subtype only)."""

    def _create_mime_attachment(self, content, mimetype):
        if not mimetype.startswith("text/calendar;"):
            return super()._create_mime_attachment(content, mimetype)
        part = SafeMIMEText(content, "calendar", "utf-8")
        # Written as calendar programs expect it (unquoted method first), in place of the library's own.
        part.replace_header("Content-Type", mimetype)
        return part


def invitation_attach(message: InvitationEmail, ics: bytes, *, method: str) -> None:
    """The invitation as the calendar alternative of the text (what Outlook and Gmail act on) and as a
    session.ics file (what other programs open)."""
    message.attach_alternative(ics.decode(), invitation_content_type(method))
    message.attach("session.ics", ics, "application/ics")

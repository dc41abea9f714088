"""Calendars: the private feed address (on every host) and the feed itself (public host, by its secret)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from portal import policy
from programmes.availability.selectors import calendar_feed_by_secret, calendar_feed_current
from programmes.selectors.coach import calendar_entries
from programmes.services import calendar as services


@require_GET
@policy.page()
def calendar(request: HttpRequest) -> HttpResponse:
    """Your private calendar feed: its address, how to use it, renewing and stopping it."""
    feed = calendar_feed_current(actor=request.actor)
    url = services.calendar_feed_url(feed, request=request) if feed else None
    return render(request, "programmes/calendar.html", {"feed": feed, "feed_url": url})


@require_POST
@policy.page()
def calendar_feed_renew(request: HttpRequest) -> HttpResponse:
    had_one = services.calendar_feed_revoke(user=request.user) > 0
    services.calendar_feed_renew(user=request.user)
    messages.success(
        request,
        _("Your new calendar address is ready. The old one no longer works.")
        if had_one
        else _("Your calendar address is ready."),
    )
    return redirect("calendar")


@require_POST
@policy.page()
def calendar_feed_revoke(request: HttpRequest) -> HttpResponse:
    services.calendar_feed_revoke(user=request.user)
    messages.success(request, _("Your calendar address no longer works. Calendars that used it stop updating."))
    return redirect("calendar")


@require_GET
def calendar_feed(request: HttpRequest, secret: str) -> HttpResponse:
    """The feed, for calendar programs: every session of the feed's owner in every organisation."""
    feed = calendar_feed_by_secret(secret)
    if feed is None:
        raise Http404(policy.NOT_FOUND)
    user = feed.user
    entries = [
        (entry.session, entry.organisation, entry.session.coach_id == user.pk) for entry in calendar_entries(user=user)
    ]
    body = services.calendar_ics(entries, name=_("Coaching sessions"), language=user.language or settings.LANGUAGE_CODE)
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Cache-Control"] = "private, max-age=300"
    response["Content-Disposition"] = 'inline; filename="coaching.ics"'
    return response

"""The coach's workspace on the public host: every organisation at once, their time in one place."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.defaultfilters import floatformat
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.timesince import timesince
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_tenants.utils import tenant_context

from portal import policy
from portal.csv import csv_response
from portal.forms import add_service_errors
from programmes.availability import calendars as own_calendars
from programmes.availability import services as availability
from programmes.availability.fetch import FetchRefused
from programmes.availability.models import Slot
from programmes.availability.selectors import by_day, offer_default, offer_default_organisations, own_slots
from programmes.forms.coach import ExternalCalendarForm, OfferDefaultForm, OfferForm, PublishForm
from programmes.models import Session
from programmes.selectors import coach as coach_selectors
from programmes.selectors import sessions as session_selectors
from programmes.selectors.coach import WORKSPACE_WEEKS, places_of
from programmes.services.urgent import urgent_request_acknowledge


def _weeks(request: HttpRequest, default: int = 2) -> int:
    try:
        weeks = int(request.GET.get("weeks", default))
    except ValueError:
        return default
    return weeks if weeks in WORKSPACE_WEEKS else default


@require_GET
@policy.page()
def coach_workspace(request: HttpRequest) -> HttpResponse:
    """Coming sessions across organisations, urgent requests waiting, hours delivered per month."""
    weeks = _weeks(request)
    workspace = coach_selectors.coach_workspace(user=request.user, weeks=weeks)
    context = {
        "workspace": workspace,
        "weeks": weeks,
        "week_choices": WORKSPACE_WEEKS,
        "days": _by_day(workspace.upcoming),
    }
    if request.htmx and request.htmx.target == "coach-upcoming":
        return render(request, "programmes/coach_upcoming.html", context)
    context.update(hours=_hours_rows(workspace), pending=_pending(workspace))
    return render(request, "programmes/coach_workspace.html", context)


def _by_day(upcoming: list) -> list[dict]:
    """The coming sessions grouped by day, each row's words and link made here once (a coach's list can
    hold hundreds of sessions: the template only places them). The words that repeat are translated once."""
    open_path = reverse("organisation_open", kwargs={"slug": "x"}).removesuffix("x/")
    zone = timezone.get_current_timezone()
    one_to_one, group = _("1:1 with %(name)s"), _("Group session · %(cohort)s")
    modes = {mode.value: str(mode.label) for mode in Session.Mode}
    days: list[dict] = []
    day = None
    for item in upcoming:
        start = item.starts_at.astimezone(zone)
        end = (item.starts_at + timedelta(minutes=item.duration_minutes)).astimezone(zone)
        if day is None or day["day"] != start.date():
            day = {"day": start.date(), "label": formats.date_format(start, "l j F"), "sessions": []}
            days.append(day)
        if item.title:
            what = item.title
        elif item.is_group:
            what = group % {"cohort": item.cohort}
        else:
            what = one_to_one % {"name": item.employee}
        detail = modes.get(item.mode, item.mode)
        if item.is_group:
            detail += " · " + ngettext("%(count)d participant", "%(count)d participants", item.participants) % {
                "count": item.participants
            }
        time = f"{start.hour:02}:{start.minute:02}"
        organisation = item.organisation
        day["sessions"].append(
            {
                "time": f"{time}–{end.hour:02}:{end.minute:02}",
                "organisation": organisation.name,
                "colour": organisation.accent_colour,
                "what": what,
                "detail": detail,
                "link": f"{open_path}{organisation.slug}/?next=/sessions/{item.pk}/",
                "label": f"{day['label']} {time}, {organisation.name}",
            }
        )
    return days


def _hours_rows(workspace) -> list[dict]:
    """The hours table's rows with each cell's words made here (25 organisations × 6 months of cells; many
    cells hold the same figures, each made once)."""
    words: dict[tuple[float, int], dict] = {}
    rows = []
    for row in workspace.hours:
        cells = []
        for cell in row.month_cells:
            key = (cell["hours"], cell["sessions"])
            if key not in words:
                words[key] = {
                    "hours": floatformat(cell["hours"], "-1") if cell["sessions"] else "",
                    "sessions": ngettext("%(count)s session", "%(count)s sessions", cell["sessions"])
                    % {"count": cell["sessions"]},
                }
            cells.append(words[key])
        rows.append({"organisation": row.organisation, "cells": cells})
    return rows


def _pending(workspace) -> list[dict]:
    """The urgent requests waiting, each one's words and form address made here."""
    now = timezone.now()
    return [
        {
            "request": request,
            "asked": _("Asked %(ago)s ago") % {"ago": timesince(request.created_at, now)},
            "action": reverse("coach_urgent_acknowledge", args=[request.organisation.slug, request.pk]),
        }
        for request in workspace.pending
    ]


@require_GET
@policy.page()
def coach_hours_csv(request: HttpRequest) -> HttpResponse:
    """Hours delivered per organisation per month, for invoicing."""
    workspace = coach_selectors.coach_workspace(user=request.user, weeks=1, months=12)
    header = [_("Organisation")] + [formats.date_format(month, "Y-m") for month in workspace.months] + [_("Total")]
    rows = (
        [row.organisation.name]
        + [f"{cell['hours']:.2f}" for cell in row.cells(workspace.months)]
        + [f"{row.total_hours:.2f}"]
        for row in workspace.hours
    )
    return csv_response(header, rows, filename="hours-per-organisation.csv")


@require_POST
@policy.page()
def coach_urgent_acknowledge(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """The coach answers "seen, I will get in touch" to an urgent request in one of their organisations."""
    place = next(
        (place for place in places_of(user=request.user, role=policy.COACH) if place.organisation.slug == slug), None
    )
    if place is None:
        raise Http404(policy.NOT_FOUND)
    with tenant_context(place.organisation):
        actor = place.actor(request.user)
        urgent = session_selectors.urgent_request_to_me(actor=actor, pk=pk)
        urgent_request_acknowledge(actor=actor, request=urgent)
    messages.success(
        request,
        _("Marked as seen. %(organisation)s's employee is told that you will get in touch.")
        % {"organisation": place.organisation.name},
    )
    return redirect("coach_workspace")


# --- availability -----------------------------------------------------------------------------------


def _served(places: list) -> list:
    return [place.organisation for place in places]


def _availability_context(
    request: HttpRequest, places: list, default, form=None, default_form=None, calendar_form=None
) -> dict:
    served = _served(places)
    chosen = offer_default_organisations(default=default, served=served)
    form = form or PublishForm(
        places=places,
        initial={
            "day": timezone.localdate() + timedelta(days=1),
            "organisations": [str(organisation.pk) for organisation in chosen],
        },
    )
    default_form = default_form or OfferDefaultForm(
        places=places, initial={"offer_to": default.offer_to, "organisations": [str(pk) for pk in default.chosen_ids]}
    )
    weeks = _weeks(request, default=4)
    slots = list(own_slots(actor=request.actor, start=timezone.localdate(), weeks=weeks, served=served))
    for slot in slots:
        slot.offered_ids = {organisation.pk for organisation in slot.organisations.all()}
    return {
        "form": form,
        "default_form": default_form,
        "places": places,
        "weeks": weeks,
        "week_choices": WORKSPACE_WEEKS,
        "days": by_day(slots),
        "choices": [(organisation.pk, organisation.name) for organisation in served],
        "own_calendar": own_calendars.external_calendar_of(coach=request.user),
        "calendar_form": calendar_form or ExternalCalendarForm(),
    }


@require_http_methods(["GET", "POST"])
@policy.page()
def coach_availability(request: HttpRequest) -> HttpResponse:
    """Publish free time once, choose which organisations may book it, and see what is offered, held and
    booked. Only the organisations the coach serves are ever listed."""
    places = places_of(user=request.user, role=policy.COACH)
    default = offer_default(actor=request.actor)
    form = PublishForm(request.POST or None, places=places)
    if request.method == "POST" and places and form.is_valid():
        data = form.cleaned_data
        try:
            slots = availability.slots_publish(
                coach=request.user,
                first_day=data["day"],
                start=data["start"],
                end=data["end"],
                length_minutes=data["length_minutes"],
                repeat_weeks=data["repeat_weeks"],
                meeting=availability.Meeting(
                    mode=data["mode"], location=data["location"], video_url=data["video_url"], dial_in=data["dial_in"]
                ),
                organisations=form.chosen_organisations(),
                allowed=_served(places),
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                ngettext("%(count)d slot is published.", "%(count)d slots are published.", len(slots))
                % {"count": len(slots)},
            )
            return redirect("coach_availability")
    context = _availability_context(request, places, default, form=form if request.method == "POST" else None)
    return render(request, "programmes/coach_availability.html", context)


@require_POST
@policy.page()
def coach_offer_default(request: HttpRequest) -> HttpResponse:
    """The coach chooses who may book the free time they publish from now on."""
    places = places_of(user=request.user, role=policy.COACH)
    if not places:
        raise Http404(policy.NOT_FOUND)
    form = OfferDefaultForm(request.POST, places=places)
    if form.is_valid():
        try:
            availability.offer_default_set(
                coach=request.user,
                offer_to=form.cleaned_data["offer_to"],
                organisations=form.chosen_organisations(),
                allowed=_served(places),
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Saved. New free time is offered as you chose."))
            return redirect("coach_availability")
    context = _availability_context(request, places, offer_default(actor=request.actor), default_form=form)
    return render(request, "programmes/coach_availability.html", context)


@require_POST
@policy.page()
def coach_own_calendar(request: HttpRequest) -> HttpResponse:
    """The coach subscribes the portal to their own calendar (or changes its address)."""
    places = places_of(user=request.user, role=policy.COACH)
    if not places:
        raise Http404(policy.NOT_FOUND)
    form = ExternalCalendarForm(request.POST)
    if form.is_valid():
        try:
            own_calendars.external_calendar_set(coach=request.user, url=form.cleaned_data["url"])
        except FetchRefused as refused:
            form.add_error("url", refused.message)
        else:
            messages.success(
                request, _("Your calendar is connected. Its busy times are read every 15 minutes and never offered.")
            )
            return redirect("coach_availability")
    context = _availability_context(request, places, offer_default(actor=request.actor), calendar_form=form)
    return render(request, "programmes/coach_availability.html", context)


@require_POST
@policy.page()
def coach_own_calendar_remove(request: HttpRequest) -> HttpResponse:
    """The portal stops reading the coach's own calendar."""
    if not places_of(user=request.user, role=policy.COACH):
        raise Http404(policy.NOT_FOUND)
    if own_calendars.external_calendar_remove(coach=request.user):
        messages.success(request, _("Your calendar is no longer read. Its busy times no longer hold your time."))
    return redirect("coach_availability")


def _offer(request: HttpRequest, slot_ids: list[int]) -> tuple[list, str | None]:
    """Apply the offer form of the request to `slot_ids`: the slots changed, or the reason nothing did."""
    places = places_of(user=request.user, role=policy.COACH)
    if not places:
        raise Http404(policy.NOT_FOUND)
    form = OfferForm(request.POST, places=places)
    if not form.is_valid():
        return [], " ".join(str(error) for errors in form.errors.values() for error in errors)
    try:
        slots = availability.slots_offer(
            coach=request.user,
            slot_ids=slot_ids,
            organisations=form.chosen_organisations(),
            allowed=_served(places),
            how=form.cleaned_data["how"] or availability.SET,
        )
    except ValidationError as error:
        return [], " ".join(error.messages)
    return slots, None


@require_POST
@policy.page()
def coach_slot_offer(request: HttpRequest, pk: int) -> HttpResponse:
    """Who may book one free slot: exactly the organisations ticked."""
    slot = policy.get_or_404(request.actor, Slot, pk=pk)
    slots, error = _offer(request, [slot.pk])
    if error:
        messages.error(request, error)
    elif slots:
        messages.success(
            request,
            _("Saved: %(time)s is offered as you chose.")
            % {"time": availability.describe_time(slot.starts_at, slot.ends_at)},
        )
    return redirect("coach_availability")


@require_POST
@policy.page()
def coach_slots_offer(request: HttpRequest) -> HttpResponse:
    """Offer the ticked free slots to the ticked organisations too, or stop offering them there."""
    try:
        slot_ids = [int(value) for value in request.POST.getlist("slots")]
    except ValueError:
        slot_ids = []
    if not slot_ids:
        messages.error(request, _("Tick the free times you want to change first."))
        return redirect("coach_availability")
    slots, error = _offer(request, slot_ids)
    if error:
        messages.error(request, error)
    else:
        messages.success(
            request,
            ngettext("%(count)d free time is changed.", "%(count)d free times are changed.", len(slots))
            % {"count": len(slots)},
        )
    return redirect("coach_availability")


@require_POST
@policy.page()
def coach_slot_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    slot = policy.get_or_404(request.actor, Slot, pk=pk)
    try:
        availability.slot_withdraw(coach=request.user, slot=slot)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The slot is withdrawn."))
    return redirect("coach_availability")

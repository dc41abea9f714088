"""The coach's workspace on the public host: every organisation at once, their time in one place."""

from __future__ import annotations

from datetime import timedelta

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_tenants.utils import tenant_context

from portal import policy
from portal.csv import csv_response
from portal.forms import add_service_errors
from programmes.availability import services as availability
from programmes.availability.models import Mode, Slot
from programmes.availability.selectors import by_day, own_slots
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
    context = {"workspace": workspace, "weeks": weeks, "week_choices": WORKSPACE_WEEKS,
               "days": _by_day(workspace.upcoming)}
    if request.htmx and request.htmx.target == "coach-upcoming":
        return render(request, "programmes/coach_upcoming.html", context)
    return render(request, "programmes/coach_workspace.html", context)


def _by_day(upcoming: list) -> list[dict]:
    """The coming sessions grouped by day, each row's words and link made here once (a coach's list can
    hold hundreds of sessions: the template only places them)."""
    open_path = reverse("organisation_open", kwargs={"slug": "x"}).removesuffix("x/")
    days: list[dict] = []
    for item in upcoming:
        start, end = timezone.localtime(item.starts_at), timezone.localtime(item.ends_at)
        if not days or days[-1]["day"] != start.date():
            days.append({"day": start.date(), "label": formats.date_format(start, "l j F"), "sessions": []})
        if item.title:
            what = item.title
        elif item.is_group:
            what = _("Group session · %(cohort)s") % {"cohort": item.cohort}
        else:
            what = _("1:1 with %(name)s") % {"name": item.employee}
        detail = item.get_mode_display()
        if item.is_group:
            detail += " · " + ngettext("%(count)d participant", "%(count)d participants", item.participants) % {
                "count": item.participants}
        days[-1]["sessions"].append({
            "time": f"{start:%H:%M}–{end:%H:%M}", "organisation": item.organisation.name,
            "colour": item.organisation.accent_colour, "what": what,
            "detail": detail, "link": f"{open_path}{item.organisation.slug}/?next=/sessions/{item.pk}/",
            "label": f"{days[-1]['label']} {start:%H:%M}, {item.organisation.name}"})
    return days


@require_GET
@policy.page()
def coach_hours_csv(request: HttpRequest) -> HttpResponse:
    """Hours delivered per organisation per month, for invoicing."""
    workspace = coach_selectors.coach_workspace(user=request.user, weeks=1, months=12)
    header = [_("Organisation")] + [formats.date_format(month, "Y-m") for month in workspace.months] + [_("Total")]
    rows = ([row.organisation.name] + [f"{cell['hours']:.2f}" for cell in row.cells(workspace.months)]
            + [f"{row.total_hours:.2f}"] for row in workspace.hours)
    return csv_response(header, rows, filename="hours-per-organisation.csv")


@require_POST
@policy.page()
def coach_urgent_acknowledge(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """The coach answers "seen, I will get in touch" to an urgent request in one of their organisations."""
    place = next((place for place in places_of(user=request.user, role=policy.COACH)
                  if place.organisation.slug == slug), None)
    if place is None:
        raise Http404(policy.NOT_FOUND)
    with tenant_context(place.organisation):
        actor = place.actor(request.user)
        urgent = session_selectors.urgent_request_to_me(actor=actor, pk=pk)
        urgent_request_acknowledge(actor=actor, request=urgent)
    messages.success(request, _("Marked as seen. %(organisation)s's employee is told that you will get in touch.")
                     % {"organisation": place.organisation.name})
    return redirect("coach_workspace")


# --- availability -----------------------------------------------------------------------------------

class PublishForm(forms.Form):
    day = forms.DateField(label=gettext_lazy("First day"), widget=forms.DateInput(attrs={"type": "date"}))
    start = forms.TimeField(label=gettext_lazy("From"), widget=forms.TimeInput(attrs={"type": "time"}),
                            initial="09:00")
    end = forms.TimeField(label=gettext_lazy("Until"), widget=forms.TimeInput(attrs={"type": "time"}),
                          initial="12:00")
    length_minutes = forms.TypedChoiceField(
        label=gettext_lazy("Length of each slot"), coerce=int, initial=60,
        choices=[(minutes, gettext_lazy("%(minutes)d minutes") % {"minutes": minutes})
                 for minutes in availability.SLOT_LENGTHS])
    repeat_weeks = forms.TypedChoiceField(
        label=gettext_lazy("Repeat"), coerce=int, initial=0,
        choices=[(0, gettext_lazy("Only this day"))] + [
            (weeks, gettext_lazy("Every week, %(count)d more weeks") % {"count": weeks})
            for weeks in range(1, availability.MAX_REPEAT_WEEKS + 1)])
    organisations = forms.MultipleChoiceField(
        label=gettext_lazy("Open to"), required=False, widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy("Tick none to offer the time to every organisation you coach for."))
    mode = forms.ChoiceField(label=gettext_lazy("How"), choices=Mode.choices, initial=Mode.VIDEO,
                             widget=forms.RadioSelect)
    location = forms.CharField(label=gettext_lazy("Location (in person)"), required=False, max_length=300)
    video_url = forms.URLField(label=gettext_lazy("Video link"), required=False, assume_scheme="https")
    dial_in = forms.CharField(label=gettext_lazy("Phone or dial-in details"), required=False, max_length=300)

    def __init__(self, *args, places: list, **kwargs):
        super().__init__(*args, **kwargs)
        self.places = places
        self.fields["organisations"].choices = [(str(place.organisation.pk), place.organisation.name)
                                                for place in places]

    def chosen_organisations(self) -> list:
        chosen = set(self.cleaned_data["organisations"])
        return [place.organisation for place in self.places if str(place.organisation.pk) in chosen]


@require_http_methods(["GET", "POST"])
@policy.page()
def coach_availability(request: HttpRequest) -> HttpResponse:
    """Publish free time once for every organisation, and see what is offered, held and booked."""
    places = places_of(user=request.user, role=policy.COACH)
    form = PublishForm(request.POST or None, places=places,
                       initial={"day": timezone.localdate() + timedelta(days=1)})
    if request.method == "POST" and places and form.is_valid():
        data = form.cleaned_data
        try:
            slots = availability.slots_publish(
                coach=request.user, first_day=data["day"], start=data["start"], end=data["end"],
                length_minutes=data["length_minutes"], repeat_weeks=data["repeat_weeks"],
                meeting=availability.Meeting(mode=data["mode"], location=data["location"],
                                             video_url=data["video_url"], dial_in=data["dial_in"]),
                organisations=form.chosen_organisations(), allowed=[place.organisation for place in places])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, ngettext("%(count)d slot is published.", "%(count)d slots are published.",
                                               len(slots)) % {"count": len(slots)})
            return redirect("coach_availability")
    weeks = _weeks(request, default=4)
    context = {"form": form, "places": places, "weeks": weeks, "week_choices": WORKSPACE_WEEKS,
               "days": by_day(own_slots(actor=request.actor, start=timezone.localdate(), weeks=weeks))}
    return render(request, "programmes/coach_availability.html", context)


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


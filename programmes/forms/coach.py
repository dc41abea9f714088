"""Forms of the coach's workspace: publishing free time and choosing who may book it."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy

from programmes.availability import services as availability
from programmes.availability.models import Mode, OfferDefault


def _organisation_choices(places: list) -> list[tuple[str, str]]:
    return [(str(place.organisation.pk), place.organisation.name) for place in places]


class OrganisationsField(forms.MultipleChoiceField):
    """Some of the organisations the coach serves, as ticks; only those are ever listed."""

    widget = forms.CheckboxSelectMultiple

    def chosen(self, values: list[str], places: list) -> list:
        chosen = set(values)
        return [place.organisation for place in places if str(place.organisation.pk) in chosen]


class PublishForm(forms.Form):
    day = forms.DateField(
        label=gettext_lazy("First day"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    start = forms.TimeField(label=gettext_lazy("From"), widget=forms.TimeInput(attrs={"type": "time"}), initial="09:00")
    end = forms.TimeField(label=gettext_lazy("Until"), widget=forms.TimeInput(attrs={"type": "time"}), initial="12:00")
    length_minutes = forms.TypedChoiceField(
        label=gettext_lazy("Length of each slot"),
        coerce=int,
        initial=60,
        choices=[
            (minutes, gettext_lazy("%(minutes)d minutes") % {"minutes": minutes})
            for minutes in availability.SLOT_LENGTHS
        ],
    )
    repeat_weeks = forms.TypedChoiceField(
        label=gettext_lazy("Repeat"),
        coerce=int,
        initial=0,
        choices=[(0, gettext_lazy("Only this day"))]
        + [
            (weeks, gettext_lazy("Every week, %(count)d more weeks") % {"count": weeks})
            for weeks in range(1, availability.MAX_REPEAT_WEEKS + 1)
        ],
    )
    organisations = OrganisationsField(
        label=gettext_lazy("Who may book it"),
        required=False,
        help_text=gettext_lazy("Employees of the organisations you tick can book this time; the others do not see it."),
    )
    mode = forms.ChoiceField(
        label=gettext_lazy("How"), choices=Mode.choices, initial=Mode.VIDEO, widget=forms.RadioSelect
    )
    location = forms.CharField(label=gettext_lazy("Location (in person)"), required=False, max_length=300)
    video_url = forms.URLField(label=gettext_lazy("Video link"), required=False, assume_scheme="https")
    dial_in = forms.CharField(label=gettext_lazy("Phone or dial-in details"), required=False, max_length=300)

    def __init__(self, *args, places: list, **kwargs):
        super().__init__(*args, **kwargs)
        self.places = places
        self.fields["organisations"].choices = _organisation_choices(places)

    def chosen_organisations(self) -> list:
        # One organisation served: the field is not shown, and that organisation is meant.
        if len(self.places) == 1:
            return [self.places[0].organisation]
        return self.fields["organisations"].chosen(self.cleaned_data["organisations"], self.places)


class OfferForm(forms.Form):
    """Who may book one slot (exactly the ticked organisations), or several (these too, or no longer)."""

    organisations = OrganisationsField(label=gettext_lazy("Who may book it"), required=False)
    how = forms.ChoiceField(
        required=False, choices=[(how, how) for how in (availability.SET, availability.ADD, availability.REMOVE)]
    )

    def __init__(self, *args, places: list, **kwargs):
        super().__init__(*args, **kwargs)
        self.places = places
        self.fields["organisations"].choices = _organisation_choices(places)

    def chosen_organisations(self) -> list:
        return self.fields["organisations"].chosen(self.cleaned_data["organisations"], self.places)


class OfferDefaultForm(forms.Form):
    offer_to = forms.ChoiceField(
        label=gettext_lazy("Offer new free time to"), choices=OfferDefault.To.choices, widget=forms.RadioSelect
    )
    organisations = OrganisationsField(label=gettext_lazy("The organisations I choose"), required=False)

    def __init__(self, *args, places: list, **kwargs):
        # Its ticks share the page with the publish form's: ids of their own.
        super().__init__(*args, auto_id="id_default_%s", **kwargs)
        self.places = places
        self.fields["organisations"].choices = _organisation_choices(places)

    def chosen_organisations(self) -> list:
        return self.fields["organisations"].chosen(self.cleaned_data["organisations"], self.places)


class ExternalCalendarForm(forms.Form):
    url = forms.CharField(
        label=gettext_lazy("Address of your own calendar"),
        max_length=2000,
        help_text=gettext_lazy(
            "The private iCalendar address (.ics) your calendar program gives, starting with https:// or webcal://. "
            "Times busy there are never offered as free time, in any organisation."
        ),
        widget=forms.URLInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, auto_id="id_calendar_%s", **kwargs)

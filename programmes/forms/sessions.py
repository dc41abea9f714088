"""Forms of the session pages: scheduling and moving a session, and the urgent request."""

from __future__ import annotations

from datetime import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy

from portal import policy
from programmes.availability.services import Meeting
from programmes.models import Cohort, Enrolment, Session
from programmes.selectors import sessions as selectors
from programmes.services import sessions as services
from programmes.services import urgent as urgent_services

S = Session.Kind


class EnrolmentChoice(forms.ModelChoiceField):
    def label_from_instance(self, enrolment: Enrolment) -> str:
        employee = enrolment.employee
        return f"{employee.get_full_name() or employee.email} · {enrolment.cohort.name}"


class TimeForm(forms.Form):
    """When a session takes place: all an organiser who may not see how to join it (HR, a 1:1) changes."""

    day = forms.DateField(label=gettext_lazy("Date"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    start = forms.TimeField(label=gettext_lazy("Start"), widget=forms.TimeInput(attrs={"type": "time"}))
    duration_minutes = forms.TypedChoiceField(
        label=gettext_lazy("Duration"),
        coerce=int,
        initial=60,
        choices=[
            (
                minutes,
                gettext_lazy("%(minutes)d minutes") % {"minutes": minutes}
                if minutes < 120
                else gettext_lazy("%(hours)s hours") % {"hours": f"{minutes / 60:g}"},
            )
            for minutes in services.DURATIONS
        ],
    )

    def starts_at(self) -> datetime:
        return timezone.make_aware(datetime.combine(self.cleaned_data["day"], self.cleaned_data["start"]))

    def meeting(self) -> Meeting | None:
        return None  # kept as it is


class WhenForm(TimeForm):
    """When and how a session takes place (shared by scheduling and moving)."""

    mode = forms.ChoiceField(
        label=gettext_lazy("How"), choices=Session.Mode.choices, initial=Session.Mode.VIDEO, widget=forms.RadioSelect
    )
    location = forms.CharField(label=gettext_lazy("Location (in person)"), required=False, max_length=300)
    video_url = forms.URLField(label=gettext_lazy("Video link"), required=False, assume_scheme="https")
    dial_in = forms.CharField(label=gettext_lazy("Phone or dial-in details"), required=False, max_length=300)

    def meeting(self) -> Meeting:
        data = self.cleaned_data
        return Meeting(
            mode=data["mode"], location=data["location"], video_url=data["video_url"], dial_in=data["dial_in"]
        )


class ScheduleForm(WhenForm):
    kind = forms.ChoiceField(
        label=gettext_lazy("Kind"), choices=S.choices, initial=S.INDIVIDUAL, widget=forms.RadioSelect
    )
    enrolment = EnrolmentChoice(
        label=gettext_lazy("1:1 with"),
        queryset=Enrolment.objects.none(),
        required=False,
        help_text=gettext_lazy("For a 1:1: one of the people you coach. It uses one of their session credits."),
    )
    cohort = forms.ModelChoiceField(
        label=gettext_lazy("Cohort"),
        queryset=Cohort.objects.none(),
        required=False,
        help_text=gettext_lazy("For a group session: everyone in the cohort is expected."),
    )
    title = forms.CharField(label=gettext_lazy("Title (optional)"), required=False, max_length=200)
    field_order = [
        "kind",
        "enrolment",
        "cohort",
        "title",
        "day",
        "start",
        "duration_minutes",
        "mode",
        "location",
        "video_url",
        "dial_in",
    ]

    def __init__(self, *args, actor: policy.Actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["enrolment"].queryset = selectors.coached_enrolments(actor=actor)
        self.fields["cohort"].queryset = selectors.coached_cohorts(actor=actor)


class UrgentForm(forms.Form):
    message = forms.CharField(
        label=gettext_lazy("What is going on? (optional)"),
        required=False,
        max_length=urgent_services.MESSAGE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=gettext_lazy("Only your coach reads this. A few words are enough."),
    )

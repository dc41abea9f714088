from django import forms
from django.utils.translation import gettext_lazy as _

from webhooks import events
from webhooks.services import OVERLAP_DEFAULT


class EndpointForm(forms.Form):
    url = forms.CharField(
        label=_("URL"),
        max_length=500,
        help_text=_("Where the portal posts events, for example https://hr.example.com/hooks/portal."),
    )
    description = forms.CharField(label=_("Description"), max_length=200, required=False)
    events = forms.MultipleChoiceField(
        label=_("Events"), choices=events.choices, widget=forms.CheckboxSelectMultiple, required=False
    )


class EndpointEditForm(EndpointForm):
    enabled = forms.BooleanField(
        label=_("Enabled"), required=False, help_text=_("Untick to pause: no events are sent while paused.")
    )


class RotateForm(forms.Form):
    prefix = "rotate"
    overlap_hours = forms.IntegerField(
        label=_("Overlap in hours"),
        min_value=0,
        max_value=168,
        initial=int(OVERLAP_DEFAULT.total_seconds() // 3600),
        help_text=_("How long the old secret keeps signing beside the new one, while you update the receiver."),
    )

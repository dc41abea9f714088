"""The coach's profile form."""

from __future__ import annotations

import zoneinfo

from django import forms
from django.utils.translation import gettext_lazy as _

from coaches.models import Accreditation, CoachProfile, Language, Mode, Specialism
from coaches.services import PHOTO_MAX_BYTES

TIME_ZONES = sorted(zone for zone in zoneinfo.available_timezones() if "/" in zone and not zone.startswith("Etc/"))


class CoachProfileForm(forms.Form):
    photo = forms.FileField(
        label=_("Photo"),
        required=False,
        help_text=_("JPEG, PNG or WebP, at most %(size)d MB. We store it resized, without its metadata.")
        % {"size": PHOTO_MAX_BYTES // (1024 * 1024)},
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
    )
    remove_photo = forms.BooleanField(label=_("Remove my photo"), required=False)
    biography_en = forms.CharField(
        label=_("Biography in English"), required=False, max_length=1200, widget=forms.Textarea(attrs={"rows": 5})
    )
    biography_nl = forms.CharField(
        label=_("Biography in Dutch"), required=False, max_length=1200, widget=forms.Textarea(attrs={"rows": 5})
    )
    languages = forms.MultipleChoiceField(
        label=_("Languages you coach in"), choices=Language.choices, widget=forms.CheckboxSelectMultiple
    )
    specialisms = forms.MultipleChoiceField(
        label=_("Specialisms"), choices=Specialism.choices, widget=forms.CheckboxSelectMultiple
    )
    modes = forms.MultipleChoiceField(
        label=_("How you meet"), choices=Mode.choices, widget=forms.CheckboxSelectMultiple
    )
    city = forms.CharField(label=_("City for sessions in person"), required=False, max_length=100)
    accreditation = forms.ChoiceField(label=_("Accreditation"), choices=Accreditation.choices, required=False)
    accreditation_number = forms.CharField(label=_("Accreditation number"), required=False, max_length=40)
    time_zone = forms.ChoiceField(label=_("Time zone"), choices=[(zone, zone) for zone in TIME_ZONES])
    capacity = forms.IntegerField(
        label=_("Most active coachees"),
        min_value=0,
        max_value=60,
        help_text=_(
            "In total, across every organisation you coach for. Employees cannot choose you once it is reached."
        ),
    )

    @classmethod
    def for_profile(cls, profile: CoachProfile, data=None, files=None) -> CoachProfileForm:
        initial = {
            name: getattr(profile, name) for name in cls.base_fields if hasattr(profile, name) and name != "photo"
        }
        return cls(data, files, initial=initial)

"""Forms of the matching pages: the programme's setting, asking a coach into the pool, the intake, choosing,
booking a chemistry call and rematch."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from coaches.models import Language, Mode, Specialism
from matching.models import ProgrammeMatching, TimeOfDay


class MatchingForm(forms.Form):
    how = forms.ChoiceField(
        label=_("How coaches are matched"), choices=ProgrammeMatching.How.choices, widget=forms.RadioSelect
    )


class PoolInviteForm(forms.Form):
    coach = forms.ModelChoiceField(label=_("Coach"), queryset=None, empty_label=None)
    programme = forms.ModelChoiceField(
        label=_("Pool"), queryset=None, required=False, empty_label=_("Every programme of the organisation")
    )

    def __init__(self, *args, coaches, programmes, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["coach"].queryset = coaches
        self.fields["coach"].label_from_instance = lambda user: user.get_full_name() or user.email
        self.fields["programme"].queryset = programmes


class IntakeForm(forms.Form):
    focus = forms.MultipleChoiceField(
        label=_("What do you want to work on?"), choices=Specialism.choices, widget=forms.CheckboxSelectMultiple
    )
    language = forms.ChoiceField(label=_("Language of the coaching"), choices=Language.choices)
    mode = forms.ChoiceField(label=_("How would you like to meet?"), choices=Mode.choices, widget=forms.RadioSelect)
    city = forms.CharField(label=_("City"), required=False, max_length=100, help_text=_("Only for meeting in person."))
    times = forms.MultipleChoiceField(
        label=_("Times that suit you"), choices=TimeOfDay.choices, widget=forms.CheckboxSelectMultiple
    )


class RematchForm(forms.Form):
    reason = forms.CharField(
        label=_("Why do you want another coach?"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Only you can read this. HR sees only how many people changed coach, your coach nothing."),
    )

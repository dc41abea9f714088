"""Forms of stakeholder feedback: opening a round, inviting raters, the coach's permission."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from stakeholders.models import Rater, Round
from stakeholders.services import RaterInput

INVITE_ROWS = 6
INVITED_RELATIONS = [choice for choice in Rater.Relation.choices if choice[0] != Rater.Relation.SELF]


class DateInput(forms.DateInput):
    input_type = "date"


class RoundForm(forms.Form):
    enrolment = forms.ModelChoiceField(label=_("Programme"), queryset=None, empty_label=None)
    moment = forms.ChoiceField(label=_("Moment"), choices=Round.Moment.choices)
    closes_on = forms.DateField(
        label=_("Closing date"),
        widget=DateInput,
        help_text=_("After this date the links stop working and the results appear."),
    )
    coach_may_invite = forms.BooleanField(label=_("My coach may invite raters for me in this round"), required=False)

    def __init__(self, *args, enrolments, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["enrolment"].queryset = enrolments
        self.fields["enrolment"].label_from_instance = lambda enrolment: enrolment.programme.name


class ConsentForm(forms.Form):
    coach_may_invite = forms.BooleanField(label=_("My coach may invite raters for me in this round"), required=False)


class InviteForm(forms.Form):
    """Up to INVITE_ROWS raters at a time; empty rows are left out."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for row in range(1, INVITE_ROWS + 1):
            self.fields[f"email_{row}"] = forms.EmailField(
                label=_("Email address of rater %(number)s") % {"number": row}, required=False
            )
            self.fields[f"relation_{row}"] = forms.ChoiceField(
                label=_("Relation of rater %(number)s") % {"number": row},
                choices=INVITED_RELATIONS,
                initial=Rater.Relation.PEER,
            )
            self.fields[f"name_{row}"] = forms.CharField(
                label=_("Name of rater %(number)s (optional)") % {"number": row}, required=False, max_length=150
            )

    def rows(self) -> list[list]:
        return [
            [self[f"email_{row}"], self[f"relation_{row}"], self[f"name_{row}"]] for row in range(1, INVITE_ROWS + 1)
        ]

    @property
    def raters(self) -> list[RaterInput]:
        data = self.cleaned_data
        return [
            RaterInput(email=data[f"email_{row}"], relation=data[f"relation_{row}"], name=data[f"name_{row}"])
            for row in range(1, INVITE_ROWS + 1)
            if data.get(f"email_{row}")
        ]

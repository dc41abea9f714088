"""The pulse form: three 1–5 scales, a note, the choice to share; where it was asked (a session, a
check-in) rides along hidden. The service decides whether that session or check-in is the employee's."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

FEELING = [(1, _("1 · Low")), (2, "2"), (3, "3"), (4, "4"), (5, _("5 · Great"))]
ENERGY = [(1, _("1 · Drained")), (2, "2"), (3, "3"), (4, "4"), (5, _("5 · Full of energy"))]
CONFIDENCE = [(1, _("1 · Unsure")), (2, "2"), (3, "3"), (4, "4"), (5, _("5 · Confident"))]


def _scale(label, choices) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label=label,
        choices=choices,
        coerce=int,
        widget=forms.RadioSelect(attrs={"class": "scale"}),
        error_messages={"required": _("Choose a number from 1 to 5.")},
    )


class PulseForm(forms.Form):
    session = forms.IntegerField(required=False, widget=forms.HiddenInput)
    check_in = forms.IntegerField(required=False, widget=forms.HiddenInput)
    feeling = _scale(_("How do you feel?"), FEELING)
    energy = _scale(_("How is your energy?"), ENERGY)
    confidence = _scale(_("How confident do you feel about your goals?"), CONFIDENCE)
    note = forms.CharField(
        label=_("Anything you want to add? (optional)"),
        required=False,
        max_length=5_000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    shared_with_coach = forms.BooleanField(
        label=_("Share this pulse with my coach"),
        required=False,
        help_text=_("Unticked, only you see it. You can change this later. HR sees only averages of groups."),
    )

    def __init__(self, *args, **kwargs):
        # Its own ids: the pulse sits on pages with other forms (a session's rating, a goal's check-in).
        kwargs.setdefault("auto_id", "id_pulse_%s")
        super().__init__(*args, **kwargs)

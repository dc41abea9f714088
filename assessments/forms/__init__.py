"""Forms for building instruments and scheduling them in programme phases. They check the shape of the
input; the rules (what a question of each kind may have, overlapping bands, dates) live in the services."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from assessments.models import Dimension, InstrumentVersion, PhaseAssessment, Question
from assessments.services.instruments import BandFields, QuestionFields

EN = _("English")
NL = _("Dutch")


def _text(label, *, required: bool = True, rows: int | None = None, max_length: int | None = None):
    widget = forms.Textarea(attrs={"rows": rows}) if rows else forms.TextInput()
    return forms.CharField(label=label, required=required, widget=widget, max_length=max_length)


class InstrumentForm(forms.Form):
    title_en = _text(_("Title in English"), max_length=200)
    title_nl = _text(_("Title in Dutch"), max_length=200)
    description_en = _text(_("Introduction in English"), required=False, rows=3)
    description_nl = _text(_("Introduction in Dutch"), required=False, rows=3)
    results_need_release = forms.BooleanField(
        label=_("Results wait for the coach"),
        required=False,
        help_text=_(
            "The employee sees their scores only after their coach has gone through them and released "
            "them. Their answers stay visible to them."
        ),
    )


class DimensionForm(forms.Form):
    name_en = _text(_("Name in English"), max_length=120)
    name_nl = _text(_("Name in Dutch"), max_length=120)
    description_en = _text(_("What it measures, in English"), required=False, rows=2)
    description_nl = _text(_("What it measures, in Dutch"), required=False, rows=2)


class BandForm(forms.Form):
    lower = forms.IntegerField(label=_("From score"), min_value=0, max_value=100)
    upper = forms.IntegerField(label=_("To score"), min_value=0, max_value=100)
    label_en = _text(_("Label in English"), max_length=120)
    label_nl = _text(_("Label in Dutch"), max_length=120)
    text_en = _text(_("What lies ahead, in English"), rows=3)
    text_nl = _text(_("What lies ahead, in Dutch"), rows=3)

    def fields_value(self) -> BandFields:
        return BandFields(**self.cleaned_data)


class QuestionForm(forms.Form):
    kind = forms.ChoiceField(label=_("Answered with"), choices=Question.Kind.choices)
    dimension = forms.ModelChoiceField(
        label=_("Counts towards"),
        queryset=Dimension.objects.none(),
        required=False,
        empty_label=_("No dimension (not scored)"),
    )
    text_en = _text(_("Question in English"), rows=2)
    text_nl = _text(_("Question in Dutch"), rows=2)
    reverse_scored = forms.BooleanField(
        label=_("Reverse-scored"),
        required=False,
        help_text=_("Agreeing means less of the dimension, e.g. “I avoid giving my opinion in meetings.”"),
    )
    required = forms.BooleanField(label=_("An answer is required"), required=False, initial=True)
    low_label_en = _text(_("Low end of the scale, in English"), required=False, max_length=60)
    low_label_nl = _text(_("Low end of the scale, in Dutch"), required=False, max_length=60)
    high_label_en = _text(_("High end of the scale, in English"), required=False, max_length=60)
    high_label_nl = _text(_("High end of the scale, in Dutch"), required=False, max_length=60)
    choices = forms.CharField(
        label=_("Options (single choice)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "One option per line: English | Dutch | score. The score is optional; give it to make the "
            "option count towards the dimension."
        ),
    )

    def __init__(self, *args, version: InstrumentVersion, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["dimension"].queryset = Dimension.objects.filter(version=version)

    @classmethod
    def for_question(cls, question: Question, data=None) -> QuestionForm:
        initial = {
            name: getattr(question, name)
            for name in (
                "kind",
                "text_en",
                "text_nl",
                "reverse_scored",
                "required",
                "low_label_en",
                "low_label_nl",
                "high_label_en",
                "high_label_nl",
            )
        }
        initial["dimension"] = question.dimension_id
        initial["choices"] = "\n".join(
            " | ".join([choice.label_en, choice.label_nl] + ([str(choice.score)] if choice.score is not None else []))
            for choice in question.choices.all()
        )
        return cls(data, initial=initial, version=question.version, prefix=f"q{question.pk}")

    def clean_choices(self) -> list[tuple[str, str, int | None]]:
        options = []
        for number, line in enumerate(self.cleaned_data["choices"].splitlines(), start=1):
            if not line.strip():
                continue
            parts = [part.strip() for part in line.split("|")]
            if len(parts) not in (2, 3) or not parts[0] or not parts[1]:
                raise forms.ValidationError(
                    _("Line %(number)d: write the option as English | Dutch, optionally | score.") % {"number": number}
                )
            score = None
            if len(parts) == 3 and parts[2]:
                try:
                    score = int(parts[2])
                except ValueError:
                    raise forms.ValidationError(
                        _("Line %(number)d: the score must be a whole number.") % {"number": number}
                    ) from None
                if not -100 <= score <= 100:
                    raise forms.ValidationError(
                        _("Line %(number)d: use a score from -100 to 100.") % {"number": number}
                    )
            options.append((parts[0], parts[1], score))
        return options

    def fields_value(self) -> QuestionFields:
        return QuestionFields(**self.cleaned_data)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


class ScheduleDatesForm(forms.Form):
    opens_on = forms.DateField(label=_("Opens on"), widget=DateInput())
    due_on = forms.DateField(label=_("Due on"), widget=DateInput())
    reminder_days_before = forms.IntegerField(
        label=_("Remind this many days before the due date"),
        min_value=0,
        max_value=60,
        initial=3,
        help_text=_(
            "Employees who have not finished get an email then, and every few days after until two "
            "weeks past the due date."
        ),
    )

    def clean(self):
        data = super().clean()
        if data.get("opens_on") and data.get("due_on") and data["due_on"] < data["opens_on"]:
            self.add_error("due_on", _("The due date must be on or after the day it opens."))
        return data


class ScheduleForm(ScheduleDatesForm):
    phase = forms.ModelChoiceField(label=_("Programme phase"), queryset=None)
    version = forms.ModelChoiceField(label=_("Instrument"), queryset=None)
    moment = forms.ChoiceField(
        label=_("Moment"),
        choices=PhaseAssessment.Moment.choices,
        help_text=_(
            "Results compare the final (and midpoint) with the initial "
            "assessment of the same instrument in the same programme."
        ),
    )
    field_order = ["phase", "version", "moment", "opens_on", "due_on", "reminder_days_before"]

    def __init__(self, *args, phases, versions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["phase"].queryset = phases
        self.fields["phase"].label_from_instance = lambda phase: f"{phase.programme.name} · {phase.name}"
        self.fields["version"].queryset = versions
        self.fields["version"].label_from_instance = lambda version: f"{version.title} (v{version.number})"

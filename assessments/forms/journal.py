"""Forms of the coaching journal. They check shapes and types; the services decide what is allowed."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from assessments.models.journal import Goal

RATINGS = [
    (5, _("5 · Very useful")),
    (4, _("4 · Useful")),
    (3, _("3 · Somewhat useful")),
    (2, _("2 · Of little use")),
    (1, _("1 · Not useful")),
]
SCALE = [("", _("Not rated")), (1, "1"), (2, "2"), (3, "3"), (4, "4"), (5, "5")]


def _area(rows: int = 5, placeholder=None) -> forms.Textarea:
    attrs = {"rows": rows}
    if placeholder:
        attrs["placeholder"] = placeholder
    return forms.Textarea(attrs=attrs)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class ReflectionForm(forms.Form):
    session = forms.TypedChoiceField(label=_("After which session?"), required=False, coerce=int, empty_value=None)
    body = forms.CharField(
        label=_("Your reflection"),
        max_length=20_000,
        widget=_area(7, _("What did you notice, learn or decide? What will you do differently?")),
    )
    shared_with_coach = forms.BooleanField(
        label=_("Share this reflection with my coach"),
        required=False,
        help_text=_("Unticked, only you can read it. You can change this later. HR never sees reflections."),
    )

    def __init__(self, *args, sessions=(), **kwargs):
        """`sessions`: (pk, label) pairs of the sessions the employee may link the reflection to."""
        super().__init__(*args, **kwargs)
        self.fields["session"].choices = [("", _("Not about one session"))] + list(sessions)


class ReflectionEditForm(forms.Form):
    body = forms.CharField(label=_("Your reflection"), max_length=20_000, widget=_area(9))


class ReplyForm(forms.Form):
    body = forms.CharField(label=_("Your reply"), max_length=5_000, widget=_area(3))


class GoalForm(forms.Form):
    title = forms.CharField(
        label=_("Your goal"),
        max_length=200,
        help_text=_("Short and concrete, e.g. “Speak up in the weekly planning meeting”."),
    )
    why = forms.CharField(label=_("Why it matters to you"), required=False, max_length=20_000, widget=_area(3))
    target_date = forms.DateField(label=_("Target date"), required=False, widget=DateInput())


class GoalEditForm(GoalForm):
    status = forms.ChoiceField(label=_("Status"), choices=Goal.Status.choices)
    progress = forms.IntegerField(label=_("Progress (%)"), min_value=0, max_value=100)


class PagePartForm(forms.Form):
    """A form that is one of several on a page (a goal's option and action both have a `title`, a session's
    note and summary a `body`): its fields' ids carry a prefix of its own, while the names it posts stay the
    plain field names."""

    id_prefix = ""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", f"id_{self.id_prefix}_%s")
        super().__init__(*args, **kwargs)


class OptionForm(PagePartForm):
    id_prefix = "option"
    title = forms.CharField(label=_("Option"), max_length=200)
    pros = forms.CharField(label=_("What speaks for it"), required=False, max_length=2_000, widget=_area(2))
    cons = forms.CharField(label=_("What speaks against it"), required=False, max_length=2_000, widget=_area(2))
    impact = forms.TypedChoiceField(
        label=_("How much closer it brings you (1–5)"), choices=SCALE, required=False, coerce=int, empty_value=None
    )
    feasibility = forms.TypedChoiceField(
        label=_("How doable it is (1–5)"), choices=SCALE, required=False, coerce=int, empty_value=None
    )


class DecisionForm(forms.Form):
    option = forms.TypedChoiceField(label=_("The option you choose"), required=False, coerce=int, empty_value=None)
    decision = forms.CharField(
        label=_("Your decision, in your own words"), required=False, max_length=2_000, widget=_area(2)
    )

    def __init__(self, *args, options=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["option"].choices = [("", _("None of these"))] + [(o.pk, o.title) for o in options]


class ActionForm(PagePartForm):
    id_prefix = "action"
    title = forms.CharField(label=_("Action"), max_length=200)
    due_on = forms.DateField(label=_("Due"), required=False, widget=DateInput())


class CheckInForm(forms.Form):
    progress = forms.IntegerField(label=_("Where does the goal stand now? (%)"), min_value=0, max_value=100)
    note = forms.CharField(label=_("How is it going?"), required=False, max_length=5_000, widget=_area(3))


class CommentForm(forms.Form):
    body = forms.CharField(label=_("Comment"), max_length=5_000, widget=_area(3))


class RatingForm(forms.Form):
    rating = forms.TypedChoiceField(
        label=_("How useful was this session?"), choices=RATINGS, coerce=int, widget=forms.RadioSelect
    )
    comment = forms.CharField(
        label=_("Anything you want your coach to know?"), required=False, max_length=5_000, widget=_area(3)
    )


class CoachFeedbackForm(forms.Form):
    body = forms.CharField(label=_("Your feedback for them"), max_length=20_000, widget=_area(4))


class NoteForm(PagePartForm):
    id_prefix = "note"
    body = forms.CharField(label=_("Private note"), max_length=20_000, widget=_area(5))


class SummaryForm(PagePartForm):
    id_prefix = "summary"
    body = forms.CharField(label=_("Shared summary"), max_length=20_000, widget=_area(5))

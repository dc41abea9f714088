"""Forms for programmes, cohorts, enrolment and the coaching agreement. They parse input; the services
decide (their ValidationErrors come back onto the form with portal.forms)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from programmes.models import Cohort, Enrolment, Phase, Programme
from programmes.services import imports


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class ProgrammeForm(forms.ModelForm):
    class Meta:
        model = Programme
        fields = [
            "name",
            "description",
            "objectives",
            "starts_on",
            "ends_on",
            "status",
            "default_credits",
            "sponsor",
            "sponsor_must_accept",
        ]
        widgets = {
            "starts_on": DateInput(),
            "ends_on": DateInput(),
            "description": forms.Textarea(attrs={"rows": 3}),
            "objectives": forms.Textarea(attrs={"rows": 3}),
        }
        help_texts = {"objectives": _("What participants should be able to do by the end.")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Left out (a form or script from before the setting existed): the programme keeps the one it has.
        self.fields["sponsor"].required = False

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("starts_on") and cleaned.get("ends_on") and cleaned["ends_on"] < cleaned["starts_on"]:
            self.add_error("ends_on", _("The end date is before the start date."))
        cleaned["sponsor"] = cleaned.get("sponsor") or self.instance.sponsor
        return cleaned

    def _post_clean(self):
        # The service validates and saves; the form does not touch the instance.
        pass


class ProgrammeCopyForm(forms.Form):
    name = forms.CharField(label=_("Name of the new programme"), max_length=200)
    starts_on = forms.DateField(
        label=_("Start"), widget=DateInput(), help_text=_("Phases and cohorts move along by the same number of days.")
    )
    include_cohorts = forms.BooleanField(
        label=_("Copy the cohorts and their coaches too"), required=False, initial=True
    )


class PhaseForm(forms.ModelForm):
    class Meta:
        model = Phase
        fields = ["name", "kind", "description", "starts_on", "ends_on"]
        widgets = {"starts_on": DateInput(), "ends_on": DateInput(), "description": forms.Textarea(attrs={"rows": 3})}

    def _post_clean(self):
        pass


class ResourceForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(label=_("Description"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    url = forms.URLField(
        label=_("Link"), required=False, assume_scheme="https", help_text=_("A web page, video or online course.")
    )
    file = forms.FileField(
        label=_("Or a file"),
        required=False,
        help_text=_("A document, presentation, image, audio or video, up to 25 MB."),
    )


class CoachChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, user) -> str:
        return f"{user.get_full_name()} ({user.email})" if user.get_full_name() else user.email


class CoachesField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, user) -> str:
        return user.get_full_name() or user.email


class CohortForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    capacity = forms.IntegerField(
        label=_("Capacity"),
        min_value=1,
        max_value=10_000,
        initial=20,
        help_text=_("How many people can be enrolled in it at once."),
    )
    starts_on = forms.DateField(label=_("Start"), required=False, widget=DateInput())
    coaches = CoachesField(
        label=_("Coaches"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("They lead the group sessions; new enrolments are shared among them."),
    )

    def __init__(self, *args, coaches, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["coaches"].queryset = coaches


class CohortChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, cohort: Cohort) -> str:
        return f"{cohort.programme.name} · {cohort.name}"


class EnrolmentAddForm(forms.Form):
    cohort = CohortChoiceField(label=_("Cohort"), queryset=None, empty_label=None)
    email = forms.EmailField(label=_("Email address"))
    first_name = forms.CharField(label=_("First name"), max_length=150)
    last_name = forms.CharField(label=_("Last name"), max_length=150)
    department = forms.CharField(label=_("Department"), max_length=120, required=False)
    job_title = forms.CharField(label=_("Job title"), max_length=120, required=False)
    manager_email = forms.EmailField(
        label=_("Manager's email address"), required=False, help_text=_("Someone with a role in this organisation.")
    )
    coach = CoachChoiceField(
        label=_("1:1 coach"), queryset=None, required=False, empty_label=_("The cohort's coach with the fewest people")
    )
    credit_allowance = forms.IntegerField(
        label=_("1:1 session credits"),
        min_value=0,
        max_value=100,
        required=False,
        help_text=_("Empty: the programme's default."),
    )

    def __init__(self, *args, cohorts, coaches, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cohort"].queryset = cohorts
        self.fields["coach"].queryset = coaches


class EnrolmentEditForm(forms.Form):
    cohort = forms.ModelChoiceField(label=_("Cohort"), queryset=None, empty_label=None)
    coach = CoachChoiceField(label=_("1:1 coach"), queryset=None, required=False, empty_label=_("No coach yet"))
    credit_allowance = forms.IntegerField(
        label=_("1:1 session credits"),
        min_value=0,
        max_value=100,
        help_text=_("This person's allowance; it cannot drop below what they have already used."),
    )
    department = forms.CharField(label=_("Department"), max_length=120, required=False)
    job_title = forms.CharField(label=_("Job title"), max_length=120, required=False)
    manager_email = forms.EmailField(
        label=_("Manager's email address"),
        required=False,
        help_text=_("Someone with a role in this organisation; empty for none."),
    )

    def __init__(self, *args, cohorts, coaches, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cohort"].queryset = cohorts
        self.fields["coach"].queryset = coaches


class CreditAllowanceForm(forms.Form):
    """One person's allowance of 1:1 credits, changed in place on their enrolment page."""

    credit_allowance = forms.IntegerField(
        label=_("1:1 session credits"),
        min_value=0,
        max_value=100,
        help_text=_("It cannot drop below what they have already used."),
    )


class EnrolmentStatusForm(forms.Form):
    status = forms.ChoiceField(label=_("New status"), choices=Enrolment.Status.choices)


class ProgrammeChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, programme: Programme) -> str:
        return f"{programme.name} ({programme.get_status_display().lower()})"


class ImportForm(forms.Form):
    programme = ProgrammeChoiceField(label=_("Programme"), queryset=None, empty_label=None)
    file = forms.FileField(
        label=_("CSV file"),
        help_text=_("One row per person. Comma or semicolon separated, UTF-8 (in Excel: “CSV UTF-8”)."),
    )

    def __init__(self, *args, programmes, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["programme"].queryset = programmes
        self.fields["file"].widget.attrs["accept"] = ".csv,text/csv"
        self.fields["file"].error_messages["required"] = imports.missing_file_error().message


class AgreementForm(forms.Form):
    body = forms.CharField(
        label=_("Text of the agreement"),
        widget=forms.Textarea(attrs={"rows": 22}),
        help_text=_(
            "Say what the coach, the employee and HR will each see, and the limits "
            "of confidentiality. Saving publishes a new version; everyone accepts "
            "it again before their next booking."
        ),
    )


class ObjectivesForm(forms.Form):
    objectives = forms.CharField(
        label=_("Agreed objectives"),
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=4000,
        help_text=_(
            "What the coaching should achieve, in words the sponsor can read. Saving makes a new version that "
            "the other parties accept again."
        ),
    )

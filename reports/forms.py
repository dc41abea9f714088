from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from tenants.models import User


class ErasureForm(forms.Form):
    """HR: erase the data of one of the organisation's employees."""

    email = forms.EmailField(label=_("Employee's email address"), max_length=254)
    confirm = forms.BooleanField(
        label=_("The person asked for this, or the organisation is required to erase their data."),
        error_messages={"required": _("Confirm why the data may be erased.")},
    )

    def clean_email(self) -> str:
        return User.objects.normalize_email(self.cleaned_data["email"]).strip().lower()


class MyErasureForm(forms.Form):
    confirm = forms.BooleanField(
        label=_(
            "I understand that my reflections, goals, assessments and feedback will be deleted for good, "
            "and that my account will be closed."
        ),
        error_messages={"required": _("Tick the box to confirm that you want your data erased.")},
    )


class OffboardingForm(forms.Form):
    """Platform staff: type the organisation's address to confirm that it is to be deleted."""

    confirm_slug = forms.CharField(label=_("Type the organisation's address to confirm"), max_length=41)

    def __init__(self, *args, slug: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.slug = slug

    def clean_confirm_slug(self) -> str:
        typed = self.cleaned_data["confirm_slug"].strip()
        if typed != self.slug:
            raise forms.ValidationError(
                _("That is not this organisation's address (%(slug)s). Nothing was deleted.") % {"slug": self.slug}
            )
        return typed

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class SsoRouteForm(forms.Form):
    email = forms.EmailField(
        label=_("Work email address"),
        help_text=_("We send you to your organisation's sign-in page."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )

    def clean_email(self) -> str:
        return self.cleaned_data["email"].strip().lower()

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from portal import policy
from tenants.models import Organisation, Role


class SignInForm(AuthenticationForm):
    """Email and password; on an organisation host only members of that organisation get in."""

    username = forms.EmailField(label=_("Email address"),
                                widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"}))
    error_messages = {
        "invalid_login": _("That email address and password do not match. Check both and try again."),
        "inactive": _("This account is not active."),
        "not_member": _("This account has no access to this organisation."),
    }

    def __init__(self, request=None, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        self.organisation = policy.current_actor(request).organisation if request is not None else None

    def clean_username(self) -> str:
        return self.cleaned_data["username"].strip().lower()

    def confirm_login_allowed(self, user) -> None:
        super().confirm_login_allowed(user)
        if self.organisation is not None and not policy.roles_of(user, self.organisation):
            raise forms.ValidationError(self.error_messages["not_member"], code="not_member")


class InviteForm(forms.Form):
    email = forms.EmailField(label=_("Email address"))
    first_name = forms.CharField(label=_("First name"), max_length=150)
    last_name = forms.CharField(label=_("Last name"), max_length=150)
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)


class OrganisationForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    slug = forms.CharField(label=_("Address"), max_length=41,
                           help_text=_("Lower-case letters, digits and hyphens: the part before the portal's domain."))
    default_language = forms.ChoiceField(label=_("Default language"), choices=settings.LANGUAGES)
    hr_email = forms.EmailField(label=_("First HR manager's email"),
                                help_text=_("They receive an invitation to set a password."))


class LanguageForm(forms.Form):
    language = forms.ChoiceField(choices=settings.LANGUAGES)


LOGO_MAX_BYTES = 512 * 1024
LOGO_FORMATS = {"PNG": "image/png", "JPEG": "image/jpeg", "WEBP": "image/webp"}


class OrganisationSettingsForm(forms.ModelForm):
    """What HR managers may change about their organisation: its branding and its rules."""

    class Meta:
        model = Organisation
        fields = ["default_language", "accent_colour", "logo", "support_contact", "cancellation_notice_hours"]
        widgets = {"accent_colour": forms.TextInput(attrs={"type": "color"}),
                   "support_contact": forms.Textarea(attrs={"rows": 3})}

    def clean_logo(self):
        logo = self.cleaned_data.get("logo")
        if not logo or not hasattr(logo, "image"):
            return logo  # unchanged or cleared
        if logo.size > LOGO_MAX_BYTES:
            raise forms.ValidationError(_("The logo is %(size)s KB; the limit is %(limit)s KB.")
                                        % {"size": logo.size // 1024, "limit": LOGO_MAX_BYTES // 1024})
        if logo.image.format not in LOGO_FORMATS:
            raise forms.ValidationError(_("Upload the logo as PNG, JPEG or WebP."))
        return logo

    def clean_cancellation_notice_hours(self):
        hours = self.cleaned_data["cancellation_notice_hours"]
        if hours > 24 * 14:
            raise forms.ValidationError(_("Use at most 336 hours (two weeks)."))
        return hours

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from sso.models import IdentityProvider, Protocol, ProviderKind, SignInPolicy
from sso.saml import METADATA_MOST_BYTES
from tenants.models import User


class SsoRouteForm(forms.Form):
    email = forms.EmailField(
        label=_("Work email address"),
        help_text=_("We send you to your organisation's sign-in page."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )

    def clean_email(self) -> str:
        return self.cleaned_data["email"].strip().lower()


class IdentityProviderForm(forms.Form):
    """An identity provider as HR types it. The client secret is never shown again: left empty on a change,
    the stored one stays."""

    name = forms.CharField(label=_("Name"), max_length=100, help_text=_('People see "Sign in with <name>".'))
    kind = forms.ChoiceField(label=_("Provider"), choices=ProviderKind.choices, initial=ProviderKind.GENERIC)
    protocol = forms.ChoiceField(label=_("Protocol"), choices=Protocol.choices, initial=Protocol.OIDC)
    enabled = forms.BooleanField(label=_("Enabled"), required=False, initial=True)
    discovery_url = forms.CharField(
        label=_("Discovery URL (OpenID Connect)"),
        required=False,
        max_length=500,
        help_text=_("The issuer address, or its /.well-known/openid-configuration address."),
    )
    client_id = forms.CharField(label=_("Client ID (OpenID Connect)"), required=False, max_length=255)
    client_secret = forms.CharField(
        label=_("Client secret (OpenID Connect)"),
        required=False,
        max_length=1000,
        strip=True,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        help_text=_("Stored encrypted and never shown again. Leave empty to keep the stored secret."),
    )
    saml_metadata_xml = forms.CharField(
        label=_("IdP metadata XML (SAML 2.0)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "spellcheck": "false"}),
    )
    saml_metadata_file = forms.FileField(
        label=_("IdP metadata file (SAML 2.0)"),
        required=False,
        help_text=_("The metadata file your identity provider lets you download; it takes the place of the XML above."),
    )
    saml_metadata_url = forms.CharField(label=_("IdP metadata URL (SAML 2.0)"), required=False, max_length=500)
    attribute_map = forms.JSONField(
        label=_("Attribute mapping"),
        required=False,
        initial=dict,
        widget=forms.Textarea(attrs={"rows": 3, "spellcheck": "false"}),
        help_text=_(
            'Only where your provider differs from the defaults, e.g. {"department": "dept"}. Details: email, '
            "email_verified, given_name, family_name, department, job_title, manager_email, employee_number."
        ),
    )

    def clean_attribute_map(self):
        return self.cleaned_data["attribute_map"] or {}

    def clean(self):
        # An uploaded metadata file is the XML; the service reads and checks it (sso.services).
        cleaned = super().clean()
        upload = cleaned.pop("saml_metadata_file", None)
        if upload:
            if upload.size > METADATA_MOST_BYTES:
                self.add_error("saml_metadata_file", _("This metadata file is larger than 1 MB."))
            else:
                cleaned["saml_metadata_xml"] = upload.read().decode("utf-8", errors="replace")
        return cleaned

    @classmethod
    def for_provider(cls, provider: IdentityProvider, data=None, files=None) -> IdentityProviderForm:
        unstored = ("client_secret", "saml_metadata_file")
        initial = {name: getattr(provider, name) for name in cls.base_fields if name not in unstored}
        return cls(data, files, initial=initial)


class SignInPolicyForm(forms.Form):
    jit_people = forms.BooleanField(
        label=SignInPolicy._meta.get_field("jit_people").verbose_name,
        help_text=SignInPolicy._meta.get_field("jit_people").help_text,
        required=False,
    )
    sso_required = forms.BooleanField(
        label=SignInPolicy._meta.get_field("sso_required").verbose_name,
        help_text=SignInPolicy._meta.get_field("sso_required").help_text,
        required=False,
    )
    break_glass = forms.ModelMultipleChoiceField(
        label=SignInPolicy._meta.get_field("break_glass").verbose_name,
        help_text=SignInPolicy._meta.get_field("break_glass").help_text,
        queryset=User.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, hr_managers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["break_glass"].queryset = hr_managers


class DomainClaimForm(forms.Form):
    domain = forms.CharField(
        label=_("Email domain"),
        max_length=253,
        help_text=_("The part after the @ in your people's addresses. Platform staff check it before it counts."),
    )

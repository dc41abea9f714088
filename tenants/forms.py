from __future__ import annotations

import warnings

from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.utils import formats
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from PIL import Image

from portal import policy
from sso import selectors as sso_selectors
from tenants.models import Organisation, Role


class SignInForm(AuthenticationForm):
    """Email and password; on an organisation host only members of that organisation get in."""

    username = forms.EmailField(
        label=_("Email address"), widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"})
    )
    error_messages = {
        "invalid_login": _("That email address and password do not match. Check both and try again."),
        "inactive": _("This account is not active."),
        "not_member": _("This account has no access to this organisation."),
        "sso_required": _("Sign in with your organisation's account: use the button below."),
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
        if not sso_selectors.password_allowed(user=user, organisation=self.organisation):
            raise forms.ValidationError(self.error_messages["sso_required"], code="sso_required")


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code"),
        max_length=20,
        help_text=_("The 6 digits your authenticator app shows, or one of your recovery codes."),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "autofocus": True, "spellcheck": "false"}),
    )


class SetupCodeForm(CodeForm):
    code = forms.CharField(
        label=_("Code from the app"),
        max_length=20,
        help_text=_("The 6 digits the app shows for this account now."),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "spellcheck": "false"}),
    )


class TwoFactorResetForm(forms.Form):
    email = forms.EmailField(label=_("Email address of the person"))

    def clean_email(self) -> str:
        return self.cleaned_data["email"].strip().lower()


class InviteForm(forms.Form):
    email = forms.EmailField(label=_("Email address"))
    first_name = forms.CharField(label=_("First name"), max_length=150)
    last_name = forms.CharField(label=_("Last name"), max_length=150)
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)


class OrganisationForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    slug = forms.CharField(
        label=_("Address"),
        max_length=41,
        help_text=_("Lower-case letters, digits and hyphens: the part before the portal's domain."),
    )
    default_language = forms.ChoiceField(label=_("Default language"), choices=settings.LANGUAGES)
    hr_email = forms.EmailField(
        label=_("First HR manager's email"),
        help_text=_(
            "They receive an invitation to accept: someone new sets a password, "
            "someone with an account accepts after signing in."
        ),
    )


class LanguageForm(forms.Form):
    language = forms.ChoiceField(choices=settings.LANGUAGES)


LOGO_MAX_BYTES = 512 * 1024
LOGO_MAX_SIDE = 2000  # pixels, width and height each
LOGO_FORMATS = {"PNG": "image/png", "JPEG": "image/jpeg", "WEBP": "image/webp"}
RETENTION_MONTHS = (6, 120)


def _logo_too_large() -> forms.ValidationError:
    return forms.ValidationError(
        _("The logo may be at most %(side)s × %(side)s pixels. Make it smaller and upload it again.")
        % {"side": formats.number_format(LOGO_MAX_SIDE, force_grouping=True)},
        code="logo_dimensions",
    )


def image_dimensions(upload) -> tuple[int, int]:
    """Width and height from the image's header: Image.open reads no pixel data. A header claiming more
    pixels than Pillow's decompression bomb limit is refused as too large, never decoded."""
    source = upload.temporary_file_path() if hasattr(upload, "temporary_file_path") else upload
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(source) as image:
                return image.size
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _logo_too_large() from None
    finally:
        if hasattr(upload, "seek"):
            upload.seek(0)


class LogoField(forms.ImageField):
    """An image no wider or taller than LOGO_MAX_SIDE, checked from its header before Django's ImageField
    verifies the whole file."""

    def to_python(self, data):
        if data and hasattr(data, "read"):
            try:
                width, height = image_dimensions(data)
            except (OSError, SyntaxError, ValueError):
                pass  # not an image Pillow reads: ImageField's own check says so
            else:
                if width > LOGO_MAX_SIDE or height > LOGO_MAX_SIDE:
                    raise _logo_too_large()
        return super().to_python(data)


class ColourInput(forms.TextInput):
    """A colour picker. It always holds a colour, so HTML allows it neither `required` nor `maxlength`
    (the model's max_length still checks what is posted)."""

    input_type = "color"

    def use_required_attribute(self, initial) -> bool:
        return False

    def build_attrs(self, base_attrs, extra_attrs=None):
        attrs = super().build_attrs(base_attrs, extra_attrs)
        attrs.pop("maxlength", None)
        return attrs


class OrganisationSettingsForm(forms.ModelForm):
    """What HR managers may change about their organisation: its branding and its rules."""

    retention_months = forms.IntegerField(
        label=_("Keep coaching content for (months)"),
        min_value=RETENTION_MONTHS[0],
        max_value=RETENTION_MONTHS[1],
        help_text=_(
            "Reflections, assessment answers, goals, feedback and notes older than this are deleted "
            "every night. Between 6 and 120 months; keep them at least as long as your longest "
            "programme runs, so its final assessment can show the change."
        ),
    )

    class Meta:
        model = Organisation
        fields = [
            "default_language",
            "accent_colour",
            "logo",
            "support_contact",
            "cancellation_notice_hours",
            "retention_months",
            "two_factor_required_for_hr",
        ]
        field_classes = {"logo": LogoField}
        help_texts = {
            "logo": _(
                "PNG, JPEG or WebP, at most 512 KB and 2,000 × 2,000 pixels. It appears in the top bar and on reports."
            )
        }
        widgets = {"accent_colour": ColourInput(), "support_contact": forms.Textarea(attrs={"rows": 3})}

    def clean_logo(self):
        logo = self.cleaned_data.get("logo")
        if not logo or not hasattr(logo, "image"):
            return logo  # unchanged or cleared
        if logo.size > LOGO_MAX_BYTES:
            raise forms.ValidationError(
                _("The logo is %(size)s KB; the limit is %(limit)s KB.")
                % {"size": logo.size // 1024, "limit": LOGO_MAX_BYTES // 1024}
            )
        if logo.image.format not in LOGO_FORMATS:
            raise forms.ValidationError(_("Upload the logo as PNG, JPEG or WebP."))
        return logo

    def clean_cancellation_notice_hours(self):
        hours = self.cleaned_data["cancellation_notice_hours"]
        if hours > 24 * 14:
            raise forms.ValidationError(_("Use at most 336 hours (two weeks)."))
        return hours


class ApiTokenForm(forms.Form):
    """A new personal API token: its name, how many days it lives, whether it may only read."""

    name = forms.CharField(
        label=_("Name"),
        max_length=100,
        help_text=_("What the token is for, so you recognise it later (for example “HR system sync”)."),
    )
    expires_in_days = forms.IntegerField(
        label=_("Days until it expires"),
        min_value=1,
        max_value=settings.API_TOKEN_MAX_DAYS,
        initial=settings.API_TOKEN_DEFAULT_DAYS,
    )
    read_only = forms.BooleanField(
        label=_("Read-only"),
        required=False,
        help_text=_("A read-only token can read through the API but not change anything."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["expires_in_days"].help_text = gettext(
            "From 1 to %(maximum)s days. After that the token stops working and you make a new one."
        ) % {"maximum": settings.API_TOKEN_MAX_DAYS}

"""Single sign-on (public schema): an organisation's identity providers, the external identities linked to
accounts, the email domains organisations have claimed, and each organisation's sign-in policy.

They live in the public schema because the public host routes a typed email address to the organisation
that claimed its domain, and because an external identity is the pair (issuer, subject) across the platform.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from sso import encryption


class Protocol(models.TextChoices):
    OIDC = "oidc", _("OpenID Connect")
    SAML = "saml", _("SAML 2.0")


class ProviderKind(models.TextChoices):
    ENTRA = "entra", _("Microsoft Entra ID")
    OKTA = "okta", _("Okta")
    GOOGLE = "google", _("Google Workspace")
    KEYCLOAK = "keycloak", _("Keycloak")
    GENERIC = "generic", _("Other")


# The attributes we read (the keys, fields of sso.identity.Claims) and the name each kind of provider sends
# them under. OpenID Connect: claims of the ID token or the userinfo answer. SAML: attribute names. A
# provider's own `attribute_map` overrides these key by key (docs/SSO.md says what to set up where).
CLAIM_KEYS = (
    "email",
    "email_verified",
    "given_name",
    "family_name",
    "department",
    "job_title",
    "manager_email",
    "employee_number",
)
_OIDC_STANDARD = {
    "email": "email",
    "email_verified": "email_verified",
    "given_name": "given_name",
    "family_name": "family_name",
    "department": "department",
    "job_title": "job_title",
    "manager_email": "manager_email",
    "employee_number": "employee_number",
}
_SAML_CLAIMS = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/"
_SAML_STANDARD = {
    "email": "email",
    "given_name": "given_name",
    "family_name": "family_name",
    "department": "department",
    "job_title": "job_title",
    "manager_email": "manager_email",
    "employee_number": "employee_number",
}
ATTRIBUTE_DEFAULTS: dict[str, dict[str, dict[str, str]]] = {
    Protocol.OIDC: {
        # Entra ID sends no email_verified; `xms_edov` (an optional claim) says the domain owner verified it.
        ProviderKind.ENTRA: _OIDC_STANDARD
        | {"email_verified": "xms_edov", "job_title": "jobtitle", "employee_number": "employeeid"},
        ProviderKind.OKTA: _OIDC_STANDARD
        | {"job_title": "title", "manager_email": "managerEmail", "employee_number": "employeeNumber"},
        # Google sends email_verified and names only; the rest stays as the portal has it.
        ProviderKind.GOOGLE: _OIDC_STANDARD,
        ProviderKind.KEYCLOAK: _OIDC_STANDARD,
        ProviderKind.GENERIC: _OIDC_STANDARD,
    },
    Protocol.SAML: {
        ProviderKind.ENTRA: {
            "email": f"{_SAML_CLAIMS}emailaddress",
            "given_name": f"{_SAML_CLAIMS}givenname",
            "family_name": f"{_SAML_CLAIMS}surname",
            "department": f"{_SAML_CLAIMS}department",
            "job_title": f"{_SAML_CLAIMS}jobtitle",
            "manager_email": f"{_SAML_CLAIMS}manageremail",
            "employee_number": f"{_SAML_CLAIMS}employeeid",
        },
        ProviderKind.OKTA: {
            "email": "email",
            "given_name": "firstName",
            "family_name": "lastName",
            "department": "department",
            "job_title": "title",
            "manager_email": "managerEmail",
            "employee_number": "employeeNumber",
        },
        ProviderKind.GOOGLE: _SAML_STANDARD,
        ProviderKind.KEYCLOAK: _SAML_STANDARD,
        ProviderKind.GENERIC: _SAML_STANDARD,
    },
}


def default_attribute_map(protocol: str, kind: str) -> dict[str, str]:
    return dict(ATTRIBUTE_DEFAULTS[protocol][kind])


class IdentityProvider(models.Model):
    """One of an organisation's identity providers. HR configures it; its members sign in through it."""

    organisation = models.ForeignKey(
        "tenants.Organisation", on_delete=models.CASCADE, related_name="identity_providers"
    )
    name = models.CharField(
        _("name"), max_length=100, help_text=_('Shown on the sign-in page as "Sign in with <name>".')
    )
    kind = models.CharField(_("kind"), max_length=10, choices=ProviderKind.choices, default=ProviderKind.GENERIC)
    protocol = models.CharField(_("protocol"), max_length=4, choices=Protocol.choices)
    enabled = models.BooleanField(_("enabled"), default=True)
    attribute_map = models.JSONField(
        _("attribute mapping"),
        default=dict,
        blank=True,
        help_text=_("Which claim or attribute holds each detail; empty: the defaults for the kind of provider."),
    )
    # OpenID Connect
    discovery_url = models.URLField(_("discovery URL"), max_length=500, blank=True)
    client_id = models.CharField(_("client ID"), max_length=255, blank=True)
    # Fernet-encrypted (sso.encryption); read it through `client_secret`, set it with `set_client_secret`.
    client_secret_encrypted = models.TextField(blank=True, editable=False)
    # SAML 2.0: the IdP's metadata, uploaded or fetched from a URL, and its entity id read from it.
    saml_metadata_xml = models.TextField(_("IdP metadata (XML)"), blank=True)
    saml_metadata_url = models.URLField(_("IdP metadata URL"), max_length=500, blank=True)
    saml_entity_id = models.CharField(_("IdP entity ID"), max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("identity provider")
        verbose_name_plural = _("identity providers")
        ordering = ["organisation_id", "name", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "name"], name="identity_provider_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def client_secret(self) -> str:
        return encryption.decrypt(self.client_secret_encrypted)

    def set_client_secret(self, secret: str) -> None:
        self.client_secret_encrypted = encryption.encrypt(secret)

    @property
    def has_client_secret(self) -> bool:
        return bool(self.client_secret_encrypted)

    def attributes(self) -> dict[str, str]:
        """Where each detail is read from: the kind's defaults, overridden by this provider's own map."""
        mapped = default_attribute_map(self.protocol, self.kind)
        mapped.update({key: value for key, value in (self.attribute_map or {}).items() if key in CLAIM_KEYS})
        return mapped


class ExternalIdentity(models.Model):
    """An account's identity at a provider: the pair (issuer, subject), never an email address."""

    provider = models.ForeignKey(IdentityProvider, on_delete=models.CASCADE, related_name="identities")
    issuer = models.CharField(max_length=500)
    subject = models.CharField(max_length=255)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="external_identities")
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("external identity")
        verbose_name_plural = _("external identities")
        constraints = [
            models.UniqueConstraint(fields=["issuer", "subject"], name="external_identity_unique_subject"),
            # One subject per account and provider: a second subject never joins an account by its email.
            models.UniqueConstraint(fields=["provider", "user"], name="external_identity_unique_user"),
        ]

    def __str__(self) -> str:
        return f"{self.issuer} · {self.subject}"


domain_validator = RegexValidator(
    r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$",
    _("Enter a domain name such as example.com, without @ or https://."),
)


class DomainClaim(models.Model):
    """An organisation's claim to an email domain. Only claims platform staff approved count: for routing
    on the public host and for just-in-time people, so no organisation can claim another's domain."""

    organisation = models.ForeignKey("tenants.Organisation", on_delete=models.CASCADE, related_name="domain_claims")
    domain = models.CharField(_("email domain"), max_length=253, unique=True, validators=[domain_validator])
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    requested_at = models.DateTimeField(auto_now_add=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("domain claim")
        verbose_name_plural = _("domain claims")
        ordering = ["domain"]

    def __str__(self) -> str:
        return self.domain

    @property
    def is_approved(self) -> bool:
        return self.approved_at is not None


class SignInPolicy(models.Model):
    """How an organisation's people sign in: just-in-time people, single sign-on required, and the HR
    accounts that may still use a password when it is (break-glass)."""

    organisation = models.OneToOneField("tenants.Organisation", on_delete=models.CASCADE, related_name="sign_in_policy")
    jit_people = models.BooleanField(
        _("just-in-time people"),
        default=False,
        help_text=_(
            "People signing in through your identity provider with an address in one of your approved "
            "domains become employees here on their first sign-in."
        ),
    )
    sso_required = models.BooleanField(
        _("single sign-on required"),
        default=False,
        help_text=_(
            "Members sign in here only through your identity provider, except the break-glass HR accounts "
            "below. Coaches keep signing in with their password and a code."
        ),
    )
    break_glass = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="+",
        verbose_name=_("break-glass HR accounts"),
        help_text=_("HR managers who may still sign in with a password when single sign-on is required."),
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("sign-in policy")
        verbose_name_plural = _("sign-in policies")

    def __str__(self) -> str:
        return str(self.organisation)


class SpentAssertion(models.Model):
    """A SAML assertion already used to sign someone in, kept until it expires so it is never used twice
    (sso.saml_flow.assertion_spend). Holds ids only: nothing about the person."""

    issuer = models.CharField(max_length=500)
    assertion_id = models.CharField(max_length=255)
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = _("spent SAML assertion")
        verbose_name_plural = _("spent SAML assertions")
        constraints = [
            models.UniqueConstraint(fields=["issuer", "assertion_id"], name="spent_assertion_unique_id"),
        ]

    def __str__(self) -> str:
        return f"{self.issuer} · {self.assertion_id}"

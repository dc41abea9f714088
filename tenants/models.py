"""Public-schema models: people, organisations, their domains and who holds which role where."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_tenants.models import DomainMixin, TenantMixin


class UserManager(BaseUserManager):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **fields) -> User:
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **fields) -> User:
        fields.update(is_staff=True, is_superuser=True)
        return self.create_user(email, password, **fields)


class User(AbstractBaseUser, PermissionsMixin):
    """One account per person across every organisation; the email address is the sign-in name."""

    email = models.EmailField(_("email address"), unique=True)
    first_name = models.CharField(_("first name"), max_length=150, blank=True)
    last_name = models.CharField(_("last name"), max_length=150, blank=True)
    language = models.CharField(
        _("language"),
        max_length=8,
        blank=True,
        choices=settings.LANGUAGES,
        help_text=_("Empty: the organisation's default language."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    # Platform staff: provisioning and support on the public host, never coaching content.
    is_staff = models.BooleanField(_("platform staff"), default=False)
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.get_full_name() or self.email

    def get_full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    def get_short_name(self) -> str:
        return self.first_name or self.email


slug_validator = RegexValidator(
    r"^[a-z][a-z0-9-]{1,40}$",
    _("Use 2 to 41 lower-case letters, digits or hyphens, starting with a letter."),
)
colour_validator = RegexValidator(r"^#[0-9a-fA-F]{6}$", _("Use a colour such as #2f5d8a."))


class Organisation(TenantMixin):
    """A customer organisation; its coaching data lives in its own schema, named after the slug."""

    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=41, unique=True, validators=[slug_validator])
    default_language = models.CharField(_("default language"), max_length=8, choices=settings.LANGUAGES, default="en")
    logo = models.ImageField(_("logo"), upload_to="logos/", blank=True)
    accent_colour = models.CharField(_("accent colour"), max_length=7, default="#2f5d8a", validators=[colour_validator])
    support_contact = models.TextField(
        _("support contact"),
        blank=True,
        help_text=_("Shown to employees who ask for an urgent conversation, e.g. a phone number."),
    )
    cancellation_notice_hours = models.PositiveSmallIntegerField(
        _("cancellation notice (hours)"),
        default=24,
        help_text=_("A 1:1 cancelled at least this long before it starts gives its credit back."),
    )
    # Storage limitation: reflections, answers, goals, feedback and notes older than this are deleted
    # by a nightly task (reports.tasks.retention_run).
    retention_months = models.PositiveSmallIntegerField(
        _("keep coaching content for (months)"),
        default=36,
        validators=[MinValueValidator(1)],
        help_text=_("Reflections, assessment answers, goals, feedback and notes older than this are deleted."),
    )
    # Coaches and platform staff always sign in with a second factor; HR managers where this is on.
    two_factor_required_for_hr = models.BooleanField(
        _("require two-factor sign-in for HR managers"),
        default=False,
        help_text=_("HR managers then sign in with a code from an authenticator app as well as their password."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    # Provisioning creates the schema itself (tenants.services.organisation_create), inside its transaction.
    auto_create_schema = False
    auto_drop_schema = True

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_public(self) -> bool:
        return self.schema_name == "public"


class Domain(DomainMixin):
    class Meta:
        verbose_name = _("domain")
        verbose_name_plural = _("domains")


class Role(models.TextChoices):
    HR_MANAGER = "hr_manager", _("HR manager")
    COACH = "coach", _("Coach")
    EMPLOYEE = "employee", _("Employee")


class Membership(models.Model):
    """A person's role in an organisation; one person may hold several roles, in several organisations."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(fields=["user", "organisation", "role"], name="membership_unique_role"),
        ]
        indexes = [models.Index(fields=["organisation", "role"])]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.organisation}"


class Invitation(models.Model):
    """An offer of a role in an organisation, emailed as a signed, expiring link.

    An invitation makes nobody a member: the membership exists only once the person accepts (a new
    address by setting a password through the link, an existing account while signed in), so an
    organisation can never take over an account that another organisation knows. Until then the
    inviting organisation knows only what it typed: the address and the names below.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Invited")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")
        CANCELLED = "cancelled", _("Cancelled")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    email = models.EmailField(_("email address"))
    # The names HR entered: shown to HR until the person accepts, never the names their account holds.
    first_name = models.CharField(_("first name"), max_length=150, blank=True)
    last_name = models.CharField(_("last name"), max_length=150, blank=True)
    # The account that accepted; empty while the invitation is open.
    user = models.ForeignKey(User, on_delete=models.CASCADE, null=True, blank=True, related_name="invitations")
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="invitations")
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    # The cohort accepting enrols the person into, and how (coach, credits, department, job title,
    # manager's email): ids in the organisation's schema, so no key across schemas. The invitation holds
    # the cohort's seat while it is open. Empty for an invitation to a role alone.
    cohort = models.PositiveIntegerField(null=True, blank=True)
    enrolment = models.JSONField(default=dict, blank=True)
    invited_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)  # declined or cancelled

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        indexes = [models.Index(fields=["email", "status"]), models.Index(fields=["organisation", "status", "cohort"])]

    def __str__(self) -> str:
        return f"{self.email} · {self.get_role_display()} · {self.organisation}"

    def get_full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def is_expired(self) -> bool:
        return self.expires_at <= timezone.now()


class HandoffToken(models.Model):
    """A single-use, short-lived ticket that carries a signed-in user from the public host to an
    organisation host, so that no session cookie is ever shared between hosts."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    next_path = models.CharField(max_length=500, default="/")
    # The session that asked for the ticket passed the code step: without it, an account with a second
    # factor gets no session on the organisation host (tenants.services.session_sign_in).
    second_factor = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)


class PlatformEvent(models.Model):
    """Platform audit: provisioning, offboarding, role changes. Never coaching content."""

    # A person exercised a data right (export, erasure): platform staff see who; an organisation's HR
    # managers only how many (reports.selectors.audit.data_right_counts).
    DATA_RIGHT_PREFIX = "data_right."

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    organisation = models.ForeignKey(Organisation, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    action = models.CharField(max_length=60)
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-created_at"]


class ApiToken(models.Model):
    """A personal API token: named, expiring, revocable, optionally read-only.

    Only a SHA-256 digest of the token is kept (the token is random and long, so a fast digest is enough);
    the token itself is shown once, when it is made. `prefix` is the part before the secret, shown on the
    tokens page so its owner can recognise it. A token works only where its owner is an active member
    (portal.authentication.MemberTokenAuthentication).
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(max_length=16)
    digest = models.CharField(max_length=64, unique=True)
    read_only = models.BooleanField(_("read-only"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        indexes = [models.Index(fields=["user", "revoked_at"])]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()


class RecoveryCode(models.Model):
    """One single-use code that stands in for the authenticator app. Only its SHA-256 digest is kept: the
    codes are random enough (about 59 bits) that a digest cannot be reversed, and shown to the person once."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    digest = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "digest"], name="recovery_code_unique")]

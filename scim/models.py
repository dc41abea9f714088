"""SCIM provisioning, kept in the organisation's schema: the tokens its HR system uses, and the people it
provisioned. A SCIM token lives in one organisation's schema, so no other host can ever find it."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ScimToken(models.Model):
    """A bearer token for the organisation's HR system: named, expiring, revocable. Only its SHA-256 digest
    is kept; the token is shown once, when it is made (see scim.tokens)."""

    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(max_length=16)
    digest = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.DO_NOTHING, db_constraint=False, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("SCIM token")
        verbose_name_plural = _("SCIM tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()


class ScimUser(models.Model):
    """A person as the HR system describes them, and what that became here.

    `resource` is the SCIM User the HR system sent (never a password), answered back with our `id` and
    `meta`. The person becomes a member by an invitation they accept (`invitation`), unless the account is
    already a member here; `user` is set once the account is known to be theirs. Lists and filters read
    this table only, never the shared table of accounts.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user_name = models.CharField(max_length=254)
    user_name_key = models.CharField(max_length=254, unique=True)  # lower case: userName is case-insensitive
    external_id = models.CharField(max_length=254, blank=True)
    email = models.EmailField()
    active = models.BooleanField(default=True)
    resource = models.JSONField(default=dict)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.DO_NOTHING, db_constraint=False, null=True, related_name="+"
    )
    invitation = models.UUIDField(null=True, blank=True)
    # The roles deprovisioning ended here, given back on re-activation.
    ended_roles = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("provisioned person")
        verbose_name_plural = _("provisioned people")
        indexes = [models.Index(fields=["external_id"]), models.Index(fields=["email"])]

    def __str__(self) -> str:
        return self.user_name


class ScimGroup(models.Model):
    """A department of the organisation, as the HR system's SCIM Group. Its members are not stored here:
    they are the provisioned people whose department it is (their employee profile once they have joined,
    the department the HR system sent before), so a Group and a User's department never disagree. The id
    is opaque and stays the same when the department is renamed."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    display_name = models.CharField(max_length=120)  # as EmployeeProfile.department
    display_name_key = models.CharField(max_length=120, unique=True)  # lower case: one department per name
    external_id = models.CharField(max_length=254, blank=True)
    # The `display` the HR system gave each member (SCIM User id -> text), answered back as it was sent.
    member_displays = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("provisioned department")
        verbose_name_plural = _("provisioned departments")

    def __str__(self) -> str:
        return self.display_name

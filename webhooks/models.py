"""Webhooks of an organisation (in its schema): the endpoints HR registers, the outbox of messages written in
the same transaction as the change they announce, one delivery per message and endpoint, and every attempt."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils.translation import gettext_lazy as _


class Endpoint(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", _("Enabled")
        PAUSED = "paused", _("Paused")
        DISABLED = "disabled", _("Disabled after failing for days")

    url = models.URLField(_("URL"), max_length=500)
    description = models.CharField(_("description"), max_length=200, blank=True)
    events = ArrayField(models.CharField(max_length=40), verbose_name=_("events"))
    # The key HMAC needs to sign: it cannot be stored hashed. It is shown once, never written to a file.
    secret = models.CharField(_("signing secret"), max_length=80)
    previous_secret = models.CharField(_("previous signing secret"), max_length=80, blank=True)
    previous_secret_until = models.DateTimeField(_("previous secret valid until"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE)
    failing_since = models.DateTimeField(_("failing since"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.DO_NOTHING, db_constraint=False, null=True, related_name="+"
    )

    class Meta:
        ordering = ["pk"]
        verbose_name = _("webhook endpoint")
        verbose_name_plural = _("webhook endpoints")

    def __str__(self) -> str:
        return self.url


class Message(models.Model):
    """One event in the outbox. `body` is written once, so every attempt sends the same bytes."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    event_type = models.CharField(_("event"), max_length=40)
    body = models.TextField()
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        ordering = ["created_at"]
        verbose_name = _("webhook message")
        verbose_name_plural = _("webhook messages")

    @property
    def webhook_id(self) -> str:
        return f"msg_{self.id.hex}"


class Delivery(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        DELIVERED = "delivered", _("Delivered")
        FAILED = "failed", _("Failed")

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="deliveries")
    endpoint = models.ForeignKey(Endpoint, on_delete=models.CASCADE, related_name="deliveries")
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    # When the next attempt is due. An attempt moves it on before it sends (a lease): a worker that dies
    # mid-delivery leaves the delivery due again then, never lost.
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)

    class Meta:
        ordering = ["-pk"]
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        constraints = [models.UniqueConstraint(fields=["message", "endpoint"], name="webhook_delivery_once")]
        indexes = [
            models.Index(fields=["next_attempt_at"], name="webhook_delivery_due", condition=models.Q(status="pending"))
        ]


class Attempt(models.Model):
    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="attempt_log")
    started_at = models.DateTimeField(_("sent at"))
    duration_ms = models.PositiveIntegerField(_("duration (ms)"))
    status_code = models.PositiveSmallIntegerField(_("status code"), null=True, blank=True)
    error = models.CharField(_("error"), max_length=200, blank=True)
    response_body = models.CharField(_("response"), max_length=300, blank=True)

    class Meta:
        ordering = ["-started_at", "-pk"]
        verbose_name = _("webhook attempt")
        verbose_name_plural = _("webhook attempts")

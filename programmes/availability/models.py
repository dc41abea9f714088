"""Public-schema scheduling: a coach's availability slots and everyone's private calendar feeds."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import RangeOperators
from django.db import models
from django.db.models import F, Func, Q
from django.utils.translation import gettext_lazy as _


class TsTzRange(Func):
    function = "TSTZRANGE"
    output_field = models.DateTimeField()


class Mode(models.TextChoices):
    """How a session takes place; the same values as a tenant Session's mode."""

    IN_PERSON = "in_person", _("In person")
    VIDEO = "video", _("Video")
    PHONE = "phone", _("Phone")


class Slot(models.Model):
    """An hour a coach offers. Booked at most once, by one employee of one organisation.

    A session the coach (or HR) schedules directly also holds the coach's time as a slot, one that was
    never offered (`is_offered=False`): so the overlap constraint below keeps every commitment of a
    coach apart, across all the organisations they serve.
    """

    coach = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="slots")
    starts_at = models.DateTimeField(_("start"))
    ends_at = models.DateTimeField(_("end"))
    is_offered = models.BooleanField(_("open for booking"), default=True)
    mode = models.CharField(_("mode"), max_length=10, choices=Mode.choices, default=Mode.VIDEO)
    location = models.CharField(_("location"), max_length=300, blank=True)
    video_url = models.URLField(_("video link"), blank=True)
    dial_in = models.CharField(_("dial-in details"), max_length=300, blank=True)
    # Empty: open to every organisation the coach serves.
    organisations = models.ManyToManyField("tenants.Organisation", blank=True, related_name="+")
    # CASCADE: an organisation that leaves takes its bookings along, which frees the coach's time (SET_NULL
    # would leave a half-booked slot that slot_booking_complete refuses).
    booked_organisation = models.ForeignKey("tenants.Organisation", on_delete=models.CASCADE, null=True,
                                            blank=True, related_name="+")
    booked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                  related_name="+")
    booked_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["starts_at"]
        indexes = [models.Index(fields=["coach", "starts_at"])]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="slot_ends_after_start"),
            # A coach's time is one resource: no two of their slots overlap.
            ExclusionConstraint(
                name="slot_no_overlap",
                expressions=[(TsTzRange("starts_at", "ends_at"), RangeOperators.OVERLAPS),
                             ("coach", RangeOperators.EQUAL)],
            ),
            models.CheckConstraint(
                condition=(Q(booked_organisation__isnull=True, booked_at__isnull=True)
                           | Q(booked_organisation__isnull=False, booked_at__isnull=False)),
                name="slot_booking_complete"),
        ]

    @property
    def is_booked(self) -> bool:
        return self.booked_organisation_id is not None

    @property
    def duration_minutes(self) -> int:
        return int((self.ends_at - self.starts_at).total_seconds() // 60)


def _feed_secret() -> str:
    return secrets.token_urlsafe(32)


class CalendarFeed(models.Model):
    """A private calendar feed URL with a revocable secret; the coach's covers every organisation."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feeds")
    secret = models.CharField(max_length=64, unique=True, default=_feed_secret)
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["user", "revoked_at"])]

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


class Slot(models.Model):
    """An hour a coach offers. Booked at most once, by one employee of one organisation."""

    coach = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="slots")
    starts_at = models.DateTimeField(_("start"))
    ends_at = models.DateTimeField(_("end"))
    # Empty: open to every organisation the coach serves.
    organisations = models.ManyToManyField("tenants.Organisation", blank=True, related_name="+")
    booked_organisation = models.ForeignKey("tenants.Organisation", on_delete=models.SET_NULL, null=True,
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


def _feed_secret() -> str:
    return secrets.token_urlsafe(32)


class CalendarFeed(models.Model):
    """A private calendar feed URL with a revocable secret; the coach's covers every organisation."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feeds")
    secret = models.CharField(max_length=64, unique=True, default=_feed_secret)
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

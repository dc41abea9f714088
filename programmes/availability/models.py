"""Public-schema scheduling: a coach's availability slots and everyone's private calendar feeds."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import RangeOperators
from django.db import models
from django.db.models import Exists, F, Func, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from tenants.models import Membership, Organisation, Role


class TsTzRange(Func):
    function = "TSTZRANGE"
    output_field = models.DateTimeField()


class Mode(models.TextChoices):
    """How a session takes place; the same values as a tenant Session's mode."""

    IN_PERSON = "in_person", _("In person")
    VIDEO = "video", _("Video")
    PHONE = "phone", _("Phone")


def offered_to(organisation: Organisation) -> Q:
    """The condition for slots `organisation` may book: offered, named in the slot's offer, only while
    the coach serves there (an active coach membership: one that is pending, ended or never accepted offers
    nothing, whatever the slot names), and never while the coach's own calendar shows them busy (BusyTime,
    read from the calendar they subscribed the portal to)."""
    return Q(is_offered=True) & Q(
        Exists(Slot.organisations.through.objects.filter(slot_id=OuterRef("pk"), organisation_id=organisation.pk)),
        Exists(
            Membership.objects.filter(
                user_id=OuterRef("coach_id"), organisation_id=organisation.pk, role=Role.COACH, is_active=True
            )
        ),
        ~Exists(
            BusyTime.objects.filter(
                coach_id=OuterRef("coach_id"), starts_at__lt=OuterRef("ends_at"), ends_at__gt=OuterRef("starts_at")
            )
        ),
    )


class SlotQuerySet(models.QuerySet):
    def offered_to(self, organisation: Organisation) -> SlotQuerySet:
        return self.filter(offered_to(organisation))


class Slot(models.Model):
    """An hour a coach offers. Booked at most once, by one employee of one organisation.

    A session the coach (or HR) schedules directly also holds the coach's time as a slot, one that was
    never offered (`is_offered=False`): so the overlap constraint below keeps every commitment of a
    coach apart, across all the organisations they serve.

    Which organisations may book a free slot is the coach's choice per slot (`organisations`; none: no
    organisation). An organisation the coach starts serving later sees none of it until the coach offers
    it there.
    """

    coach = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="slots")
    starts_at = models.DateTimeField(_("start"))
    ends_at = models.DateTimeField(_("end"))
    is_offered = models.BooleanField(_("open for booking"), default=True)
    mode = models.CharField(_("mode"), max_length=10, choices=Mode.choices, default=Mode.VIDEO)
    location = models.CharField(_("location"), max_length=300, blank=True)
    video_url = models.URLField(_("video link"), blank=True)
    dial_in = models.CharField(_("dial-in details"), max_length=300, blank=True)
    # The organisations that may book this time, of those the coach serves (see SlotQuerySet.offered_to).
    organisations = models.ManyToManyField(
        "tenants.Organisation", blank=True, related_name="+", verbose_name=_("offered to")
    )
    # CASCADE: an organisation that leaves takes its bookings along, which frees the coach's time (SET_NULL
    # would leave a half-booked slot that slot_booking_complete refuses).
    booked_organisation = models.ForeignKey(
        "tenants.Organisation", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    booked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    booked_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = SlotQuerySet.as_manager()

    class Meta:
        ordering = ["starts_at"]
        indexes = [models.Index(fields=["coach", "starts_at"])]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="slot_ends_after_start"),
            # A coach's time is one resource: no two of their slots overlap.
            ExclusionConstraint(
                name="slot_no_overlap",
                expressions=[
                    (TsTzRange("starts_at", "ends_at"), RangeOperators.OVERLAPS),
                    ("coach", RangeOperators.EQUAL),
                ],
            ),
            models.CheckConstraint(
                condition=(
                    Q(booked_organisation__isnull=True, booked_at__isnull=True)
                    | Q(booked_organisation__isnull=False, booked_at__isnull=False)
                ),
                name="slot_booking_complete",
            ),
        ]

    @property
    def is_booked(self) -> bool:
        return self.booked_organisation_id is not None

    @property
    def duration_minutes(self) -> int:
        return int((self.ends_at - self.starts_at).total_seconds() // 60)


class OfferDefault(models.Model):
    """Which organisations a coach's newly published free time is offered to, unless they choose per
    publication. No row: every organisation the coach serves at the moment of publishing."""

    class To(models.TextChoices):
        ALL = "all", _("Every organisation I coach for")
        CHOSEN = "chosen", _("Only the organisations I choose")

    coach = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    offer_to = models.CharField(_("offer new free time to"), max_length=10, choices=To.choices, default=To.ALL)
    # With CHOSEN: those of them the coach still serves when publishing.
    organisations = models.ManyToManyField(
        "tenants.Organisation", blank=True, related_name="+", verbose_name=_("organisations")
    )
    updated_at = models.DateTimeField(auto_now=True)


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


class ExternalCalendar(models.Model):
    """A coach's own calendar (an iCalendar address) the portal reads every 15 minutes, so that time busy
    there is never offered as free time here, in any organisation (see `offered_to`)."""

    coach = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    url = models.URLField(_("calendar address"), max_length=2000)
    created_at = models.DateTimeField(auto_now_add=True)
    # The last attempt and, when it failed, why (shown to the coach; the busy times read before stay).
    checked_at = models.DateTimeField(null=True, blank=True)
    fetched_at = models.DateTimeField(null=True, blank=True)
    error = models.CharField(max_length=300, blank=True)


class BusyTime(models.Model):
    """A time the coach's own calendar shows busy (recurring events expanded), as last read."""

    calendar = models.ForeignKey(ExternalCalendar, on_delete=models.CASCADE, related_name="busy_times")
    coach = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["coach", "starts_at"])]
        constraints = [models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="busy_ends_after_start")]

"""A coach's profile (public schema): what an employee choosing a coach reads, and what matching weighs.

The profile lives with the account, so a coach who serves several organisations keeps one. Which
organisations may read it is decided per organisation by the coach pool (matching.PoolMember): a profile
is shown only where the coach accepted a place in the pool.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _


class Specialism(models.TextChoices):
    """The controlled list of what coaches specialise in and employees ask help with."""

    LEADERSHIP = "leadership", _("Leadership")
    CAREER = "career", _("Career")
    STRESS = "stress", _("Stress and resilience")
    COMMUNICATION = "communication", _("Communication")
    CHANGE = "change", _("Change")
    PERFORMANCE = "performance", _("Performance and focus")
    TEAMWORK = "teamwork", _("Working in teams")
    BALANCE = "balance", _("Work-life balance")


class Language(models.TextChoices):
    """Languages a coaching conversation can be held in."""

    DUTCH = "nl", _("Dutch")
    ENGLISH = "en", _("English")
    GERMAN = "de", _("German")
    FRENCH = "fr", _("French")
    SPANISH = "es", _("Spanish")
    TURKISH = "tr", _("Turkish")
    ARABIC = "ar", _("Arabic")
    POLISH = "pl", _("Polish")


class Mode(models.TextChoices):
    """How a coach meets; the same values as a session's mode."""

    IN_PERSON = "in_person", _("In person")
    VIDEO = "video", _("Video")
    PHONE = "phone", _("Phone")


class Accreditation(models.TextChoices):
    NONE = "", _("None")
    ICF_ACC = "icf_acc", _("ICF Associate Certified Coach (ACC)")
    ICF_PCC = "icf_pcc", _("ICF Professional Certified Coach (PCC)")
    ICF_MCC = "icf_mcc", _("ICF Master Certified Coach (MCC)")
    EMCC_FOUNDATION = "emcc_foundation", _("EMCC Foundation")
    EMCC_PRACTITIONER = "emcc_practitioner", _("EMCC Practitioner")
    EMCC_SENIOR = "emcc_senior", _("EMCC Senior Practitioner")
    EMCC_MASTER = "emcc_master", _("EMCC Master Practitioner")


CAPACITY_MOST = 60
BIOGRAPHY_MOST = 1200


class CoachProfile(models.Model):
    coach = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="coach_profile")
    # The photo as stored: re-encoded by coaches.services.photo_prepare (JPEG, at most PHOTO_SIDE pixels,
    # no metadata), never the uploaded bytes.
    photo = models.BinaryField(_("photo"), blank=True, default=b"")
    biography_en = models.TextField(_("biography in English"), max_length=BIOGRAPHY_MOST, blank=True)
    biography_nl = models.TextField(_("biography in Dutch"), max_length=BIOGRAPHY_MOST, blank=True)
    languages = ArrayField(
        models.CharField(max_length=5, choices=Language.choices), default=list, blank=True, verbose_name=_("languages")
    )
    specialisms = ArrayField(
        models.CharField(max_length=20, choices=Specialism.choices),
        default=list,
        blank=True,
        verbose_name=_("specialisms"),
    )
    modes = ArrayField(
        models.CharField(max_length=10, choices=Mode.choices), default=list, blank=True, verbose_name=_("modes")
    )
    city = models.CharField(_("city for sessions in person"), max_length=100, blank=True)
    accreditation = models.CharField(
        _("accreditation"), max_length=20, choices=Accreditation.choices, blank=True, default=""
    )
    accreditation_number = models.CharField(_("accreditation number"), max_length=40, blank=True)
    time_zone = models.CharField(_("time zone"), max_length=64, default="Europe/Amsterdam")
    capacity = models.PositiveSmallIntegerField(
        _("most active coachees"),
        default=8,
        validators=[MinValueValidator(0), MaxValueValidator(CAPACITY_MOST)],
        help_text=_("In total, across every organisation you coach for."),
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("coach profile")

    def biography(self, language: str) -> str:
        """The biography in `language`, else in the other one."""
        first, second = (
            (self.biography_nl, self.biography_en) if language == "nl" else (self.biography_en, self.biography_nl)
        )
        return first or second

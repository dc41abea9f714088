"""How the employee feels between sessions (tenant schema): a short pulse of three 1–5 scales and a note.

Asked after a session they took part in and at a goal's check-in, or given on its own. It belongs to one
enrolment, so that it is shared with that enrolment's coaches only and counted in that cohort's figures
for HR (reports.disclosure: averages of at least MIN_AGGREGATE_GROUP_SIZE people, never a pulse).
Private to the employee unless they share it with their coach, pulse by pulse (assessments/policies.py).
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

__all__ = ["Pulse"]

SCALES = ("feeling", "energy", "confidence")


def _scale(label) -> models.PositiveSmallIntegerField:
    return models.PositiveSmallIntegerField(label, validators=[MinValueValidator(1), MaxValueValidator(5)])


class Pulse(models.Model):
    employee = models.ForeignKey(
        settings.AUTH_USER_MODEL, db_constraint=False, on_delete=models.CASCADE, related_name="+"
    )
    enrolment = models.ForeignKey("programmes.Enrolment", on_delete=models.CASCADE, related_name="+")
    session = models.ForeignKey(
        "programmes.Session", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    check_in = models.ForeignKey(
        "assessments.CheckIn", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    feeling = _scale(_("how I feel"))
    energy = _scale(_("my energy"))
    confidence = _scale(_("my confidence"))
    note = models.TextField(_("a few words"), blank=True)
    shared_with_coach = models.BooleanField(_("share with my coach"), default=False)
    shared_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("pulse")
        verbose_name_plural = _("pulses")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["employee", "-created_at"], name="pulse_employee_created"),
            models.Index(fields=["enrolment", "-created_at"], name="pulse_enrolment_created"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["employee", "session"], condition=Q(session__isnull=False), name="pulse_once_per_session"
            ),
            *(
                models.CheckConstraint(
                    condition=Q(**{f"{scale}__gte": 1, f"{scale}__lte": 5}), name=f"pulse_{scale}_1_5"
                )
                for scale in SCALES
            ),
        ]

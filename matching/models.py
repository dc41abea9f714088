"""An organisation's coach pool and how employees come to their coach (tenant schema).

References to people carry no database constraint (docs/DEPLOY.md, "References to people").
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from coaches.models import Language, Mode, Specialism
from programmes.models import Enrolment, Programme, Session


class ProgrammeMatching(models.Model):
    """How a programme's employees come to their coach. No row: HR assigns them."""

    class How(models.TextChoices):
        HR_ASSIGNS = "hr_assigns", _("HR assigns coaches")
        EMPLOYEES_CHOOSE = "employees_choose", _("Employees choose from suggestions")

    programme = models.OneToOneField(Programme, on_delete=models.CASCADE, related_name="matching")
    how = models.CharField(_("how coaches are matched"), max_length=20, choices=How.choices, default=How.HR_ASSIGNS)
    updated_at = models.DateTimeField(auto_now=True)


class PoolMember(models.Model):
    """A coach HR asked into the organisation's pool (or one programme's). Only an accepted place puts the
    coach's profile in front of employees: the coach says yes per organisation."""

    class Status(models.TextChoices):
        INVITED = "invited", _("Invited")
        ACCEPTED = "accepted", _("In the pool")
        DECLINED = "declined", _("Declined")

    coach = models.ForeignKey(settings.AUTH_USER_MODEL, db_constraint=False, on_delete=models.CASCADE, related_name="+")
    # None: every programme of the organisation.
    programme = models.ForeignKey(
        Programme, on_delete=models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("programme")
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.INVITED)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, db_constraint=False, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    invited_at = models.DateTimeField(auto_now_add=True)
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("pool place")
        ordering = ["invited_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["coach"], condition=Q(programme__isnull=True), name="pool_member_once_per_organisation"
            ),
            models.UniqueConstraint(fields=["coach", "programme"], name="pool_member_once_per_programme"),
        ]


class TimeOfDay(models.TextChoices):
    MORNING = "morning", _("Mornings (before 12:00)")
    AFTERNOON = "afternoon", _("Afternoons (12:00 to 17:00)")
    EVENING = "evening", _("Evenings (from 17:00)")


# Local hours [from, to) of each time of day.
HOURS = {TimeOfDay.MORNING: (0, 12), TimeOfDay.AFTERNOON: (12, 17), TimeOfDay.EVENING: (17, 24)}


class Intake(models.Model):
    """What an employee looks for in a coach; each round of choosing (the first, a rematch) has its own."""

    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="+")
    # The enrolment's employee, kept on the row so that export and erasure find it (reports/data_map.py).
    employee = models.ForeignKey(
        settings.AUTH_USER_MODEL, db_constraint=False, on_delete=models.CASCADE, related_name="+"
    )
    focus = ArrayField(models.CharField(max_length=20, choices=Specialism.choices), verbose_name=_("focus areas"))
    language = models.CharField(_("language"), max_length=5, choices=Language.choices)
    mode = models.CharField(_("preferred way to meet"), max_length=10, choices=Mode.choices)
    city = models.CharField(_("city"), max_length=100, blank=True)
    times = ArrayField(
        models.CharField(max_length=10, choices=TimeOfDay.choices), verbose_name=_("times that suit you")
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # Set when the employee chose a coach (or the round was replaced): its suggestions are history then.
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("matching intake")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["enrolment"], condition=Q(closed_at__isnull=True), name="intake_one_open")
        ]


class Suggestion(models.Model):
    """One coach suggested on an intake, with the score and the reasons that ranked it (matching.ranking)."""

    intake = models.ForeignKey(Intake, on_delete=models.CASCADE, related_name="suggestions")
    coach = models.ForeignKey(settings.AUTH_USER_MODEL, db_constraint=False, on_delete=models.CASCADE, related_name="+")
    rank = models.PositiveSmallIntegerField()
    score = models.PositiveSmallIntegerField()
    # The reasons as (code, value) pairs, written in words in the reader's language when shown.
    reasons = models.JSONField(default=list)

    class Meta:
        ordering = ["intake", "rank"]
        constraints = [models.UniqueConstraint(fields=["intake", "coach"], name="suggestion_coach_once")]


class ChemistryCall(models.Model):
    """A short, free session with a suggested coach before choosing (the Session holds time and place)."""

    session = models.OneToOneField(Session, on_delete=models.CASCADE, related_name="chemistry_call")
    intake = models.ForeignKey(Intake, on_delete=models.CASCADE, related_name="chemistry_calls")
    created_at = models.DateTimeField(auto_now_add=True)


class Rematch(models.Model):
    """An employee's change of coach, once per programme. The reason is the employee's alone: HR sees
    counts per programme through the disclosure control, the former coach nothing."""

    enrolment = models.OneToOneField(Enrolment, on_delete=models.CASCADE, related_name="+")
    employee = models.ForeignKey(
        settings.AUTH_USER_MODEL, db_constraint=False, on_delete=models.CASCADE, related_name="+"
    )
    former_coach = models.ForeignKey(
        settings.AUTH_USER_MODEL, db_constraint=False, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    reason = models.TextField(_("why you want another coach"), max_length=2000)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("rematch")

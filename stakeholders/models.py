"""Stakeholder feedback: rounds at the start and the end of a programme in which the people around an
employee (their manager, peers, direct reports, others) answer an observed-behaviour questionnaire.

Raters have no account. Each receives a personal link whose token is stored only as its SHA-256 digest
(tenants.tokens.digest_of); the link answers once and closes with the round. Answers are never shown one by
one: stakeholders.selectors aggregates them per rater group (anonymity.py says how), and HR sees only the
completion counts reports.disclosure releases.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

MIN_RATERS = 3
MAX_RATERS = 12


class Round(models.Model):
    """One round of feedback about one enrolled employee: at the start or at the end of the programme."""

    class Moment(models.TextChoices):
        START = "start", _("Start of the programme")
        END = "end", _("End of the programme")

    enrolment = models.ForeignKey("programmes.Enrolment", on_delete=models.CASCADE, related_name="+")
    employee = models.ForeignKey(
        settings.AUTH_USER_MODEL, db_constraint=False, on_delete=models.CASCADE, related_name="+"
    )
    moment = models.CharField(_("moment"), max_length=5, choices=Moment.choices)
    version = models.ForeignKey("assessments.InstrumentVersion", on_delete=models.PROTECT, related_name="+")
    closes_on = models.DateField(_("closing date"))
    # The employee's recorded consent that their coach may invite raters for them in this round.
    coach_may_invite_at = models.DateTimeField(null=True, blank=True)
    # The employee's release of the results to their coach.
    released_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("stakeholder round")
        ordering = ["enrolment", "moment"]
        constraints = [models.UniqueConstraint(fields=["enrolment", "moment"], name="stakeholder_round_once")]

    def __str__(self) -> str:
        return f"{self.get_moment_display()} ({self.closes_on})"

    @property
    def is_closed(self) -> bool:
        return self.closes_on < timezone.localdate()


class Rater(models.Model):
    """Someone asked to answer in a round; the employee's own self-rating is a rater with relation SELF."""

    class Relation(models.TextChoices):
        MANAGER = "manager", _("Manager")
        PEER = "peer", _("Peer")
        DIRECT_REPORT = "report", _("Direct report")
        OTHER = "other", _("Other")
        SELF = "self", _("Self")

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="raters")
    relation = models.CharField(_("relation"), max_length=7, choices=Relation.choices)
    name = models.CharField(_("name"), max_length=150, blank=True)
    email = models.EmailField(_("email address"), blank=True)
    # The SHA-256 of the link's token; empty for the self-rating, which is answered signed in.
    token_digest = models.CharField(max_length=64, blank=True)
    # A manager may agree to have their answers shown on their own, under "Manager".
    named = models.BooleanField(_("my answers may be shown as the manager's"), default=False)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, db_constraint=False, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    invited_at = models.DateTimeField(default=timezone.now)
    reminded_at = models.DateTimeField(null=True, blank=True)
    last_saved_at = models.DateTimeField(null=True, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("rater")
        ordering = ["round", "relation", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["token_digest"], condition=~Q(token_digest=""), name="stakeholder_rater_token_unique"
            ),
            models.UniqueConstraint(
                fields=["round", "email"], condition=~Q(email=""), name="stakeholder_rater_once_per_round"
            ),
            models.UniqueConstraint(fields=["round"], condition=Q(relation="self"), name="stakeholder_one_self"),
        ]

    def __str__(self) -> str:
        return self.get_relation_display()

    @property
    def is_self(self) -> bool:
        return self.relation == self.Relation.SELF


class RaterAnswer(models.Model):
    """One rater's answer to one question: a number on the scale, or words."""

    rater = models.ForeignKey(Rater, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey("assessments.Question", on_delete=models.PROTECT, related_name="+")
    value = models.PositiveSmallIntegerField(null=True, blank=True)
    text = models.TextField(blank=True)
    saved_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("rater's answer")
        constraints = [models.UniqueConstraint(fields=["rater", "question"], name="stakeholder_answer_once")]

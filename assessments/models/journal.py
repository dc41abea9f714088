"""The employee's coaching journal (tenant schema): reflections, goals with their decisions, actions and
check-ins, two-way feedback after sessions, the coach's notes and summaries, and the audit of reads.

Who sees what is the confidentiality table in DESIGN.md, implemented in assessments/policies.py; nothing
here decides access. References leave the tenant schema only for users, without a database constraint
(docs/DEPLOY.md, "References to people").
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AccessLogEntry(models.Model):
    """Someone other than the employee opened one of their sensitive items: who, what, when; no content."""

    class Kind(models.TextChoices):
        RESULT = "result", _("Assessment result")
        ANSWERS = "answers", _("Assessment answers")
        REFLECTION = "reflection", _("Reflection")
        GOAL = "goal", _("Goal")
        FEEDBACK = "feedback", _("Session feedback")
        PULSE = "pulse", _("Pulse")
        STAKEHOLDERS = "stakeholders", _("Stakeholder feedback results")

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, db_constraint=False, on_delete=models.CASCADE, related_name="+")
    reader = models.ForeignKey(
        settings.AUTH_USER_MODEL, db_constraint=False, on_delete=models.CASCADE, related_name="+"
    )
    reader_role = models.CharField(max_length=12, blank=True)
    kind = models.CharField(max_length=12, choices=Kind.choices)
    object_id = models.PositiveBigIntegerField()
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("access log entry")
        verbose_name_plural = _("access log")
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["owner", "-at"], name="accesslog_owner_at")]


class Reflection(models.Model):
    """What the employee takes from a session or a day: private unless they share it with their coach."""

    employee = models.ForeignKey(
        settings.AUTH_USER_MODEL, db_constraint=False, on_delete=models.CASCADE, related_name="+"
    )
    session = models.ForeignKey(
        "programmes.Session",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("session"),
    )
    body = models.TextField(_("reflection"))
    shared_with_coach = models.BooleanField(_("share with my coach"), default=False)
    shared_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("reflection")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["employee", "-created_at"], name="reflection_employee_created"),
            models.Index(fields=["session"], name="reflection_session"),
        ]


class ReflectionReply(models.Model):
    """The coach's answer to a shared reflection (and the employee's answer back)."""

    reflection = models.ForeignKey(Reflection, on_delete=models.CASCADE, related_name="replies")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, db_constraint=False, on_delete=models.CASCADE, related_name="+"
    )
    body = models.TextField(_("reply"))
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("reply to a reflection")
        ordering = ["created_at", "pk"]


class Goal(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", _("In progress")
        ACHIEVED = "achieved", _("Achieved")
        PAUSED = "paused", _("Paused")
        DROPPED = "dropped", _("Let go")

    employee = models.ForeignKey(
        settings.AUTH_USER_MODEL, db_constraint=False, on_delete=models.CASCADE, related_name="+"
    )
    title = models.CharField(_("goal"), max_length=200)
    why = models.TextField(_("why it matters to me"), blank=True)
    target_date = models.DateField(_("target date"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE)
    progress = models.PositiveSmallIntegerField(
        _("progress (%)"), default=0, validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    decision = models.TextField(_("the decision I took"), blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    # The employee's own choice: HR then sees this goal's progress and status, never its text.
    progress_shared_with_hr = models.BooleanField(_("share progress with HR"), default=False)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("goal")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["employee", "status"], name="goal_employee_status")]
        constraints = [
            models.CheckConstraint(condition=Q(progress__gte=0, progress__lte=100), name="goal_progress_0_100")
        ]


class SharedGoalProgress(Goal):
    """A goal as HR may see it: progress and status of goals whose owner chose to share them.

    Its own policy rule admits HR to shared goals only; selectors read nothing but progress fields from it.
    """

    class Meta:
        proxy = True
        verbose_name = _("shared goal progress")


class GoalOption(models.Model):
    """An option considered on the way to a goal, weighed by the employee; one may become the decision."""

    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="options")
    title = models.CharField(_("option"), max_length=200)
    pros = models.TextField(_("what speaks for it"), blank=True)
    cons = models.TextField(_("what speaks against it"), blank=True)
    # 1–5 each; the option scoring best on both is offered as the strongest choice.
    impact = models.PositiveSmallIntegerField(
        _("how much it brings me closer"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
    )
    feasibility = models.PositiveSmallIntegerField(
        _("how doable it is"), null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    chosen = models.BooleanField(default=False)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, db_constraint=False, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("option")
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["goal"], condition=Q(chosen=True), name="goal_option_chosen_once"),
            models.CheckConstraint(
                condition=Q(impact__isnull=True) | Q(impact__gte=1, impact__lte=5), name="goal_option_impact_1_5"
            ),
            models.CheckConstraint(
                condition=Q(feasibility__isnull=True) | Q(feasibility__gte=1, feasibility__lte=5),
                name="goal_option_feasibility_1_5",
            ),
        ]


class ActionItem(models.Model):
    """A concrete step towards a goal, with a due date the employee is held to."""

    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="actions")
    title = models.CharField(_("action"), max_length=200)
    due_on = models.DateField(_("due"), null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("action")
        ordering = ["done_at", "due_on", "pk"]
        indexes = [models.Index(fields=["due_on"], condition=Q(done_at__isnull=True), name="action_open_due")]

    @property
    def is_overdue(self) -> bool:
        return self.done_at is None and self.due_on is not None and self.due_on < timezone.localdate()


class CheckIn(models.Model):
    """The employee's look at where a goal stands: a progress figure and a few words."""

    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="check_ins")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, db_constraint=False, on_delete=models.CASCADE, related_name="+"
    )
    progress = models.PositiveSmallIntegerField(
        _("progress (%)"), validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    note = models.TextField(_("how it is going"), blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("check-in")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(progress__gte=0, progress__lte=100), name="checkin_progress_0_100")
        ]


class GoalComment(models.Model):
    """The coach's comment on a goal (and the employee's answer)."""

    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, db_constraint=False, on_delete=models.CASCADE, related_name="+"
    )
    body = models.TextField(_("comment"))
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("comment on a goal")
        ordering = ["created_at", "pk"]


class SessionFeedback(models.Model):
    """The employee's rating of a session they took part in: 1–5 and, if they like, a comment."""

    session = models.ForeignKey("programmes.Session", on_delete=models.CASCADE, related_name="+")
    employee = models.ForeignKey(
        settings.AUTH_USER_MODEL, db_constraint=False, on_delete=models.CASCADE, related_name="+"
    )
    rating = models.PositiveSmallIntegerField(_("rating"), validators=[MinValueValidator(1), MaxValueValidator(5)])
    comment = models.TextField(_("comment"), blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("session feedback")
        verbose_name_plural = _("session feedback")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["session", "employee"], name="session_feedback_once"),
            models.CheckConstraint(condition=Q(rating__gte=1, rating__lte=5), name="session_feedback_rating_1_5"),
        ]


class CoachFeedback(models.Model):
    """What the coach wants the employee to take from a session: feedback the other way round."""

    session = models.ForeignKey("programmes.Session", on_delete=models.CASCADE, related_name="+")
    coach = models.ForeignKey(settings.AUTH_USER_MODEL, db_constraint=False, on_delete=models.CASCADE, related_name="+")
    employee = models.ForeignKey(
        settings.AUTH_USER_MODEL, db_constraint=False, on_delete=models.CASCADE, related_name="+"
    )
    body = models.TextField(_("feedback for the employee"))
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("coach's feedback")
        verbose_name_plural = _("coach's feedback")
        ordering = ["-created_at", "-pk"]
        constraints = [models.UniqueConstraint(fields=["session", "employee"], name="coach_feedback_once")]


class SessionNote(models.Model):
    """The coach's private note on a session: only its author ever reads it."""

    session = models.ForeignKey("programmes.Session", on_delete=models.CASCADE, related_name="+")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, db_constraint=False, on_delete=models.CASCADE, related_name="+"
    )
    body = models.TextField(_("private note"))
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("private session note")
        ordering = ["-created_at", "-pk"]
        constraints = [models.UniqueConstraint(fields=["session", "author"], name="session_note_once")]


class SessionSummary(models.Model):
    """The summary of a session that coach and employee share."""

    session = models.OneToOneField("programmes.Session", on_delete=models.CASCADE, related_name="+")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, db_constraint=False, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    body = models.TextField(_("shared summary"))
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("shared session summary")
        verbose_name_plural = _("shared session summaries")
        ordering = ["-created_at", "-pk"]

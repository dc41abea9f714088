"""Instruments (versioned questionnaires), their assignment to programme phases and the answers given.

An instrument is answered in one of its versions. A version that a phase has scheduled is frozen: the
answers and scores of everyone who took it keep meaning what they meant, and editing it makes the next
version. Dimensions keep their `key` from version to version, so a baseline and a final can be compared
even when the wording changed in between.

Text that people read is stored in English and Dutch (`*_en`, `*_nl`) and shown in the reader's language
(the `text`, `title`, ... properties), falling back to the other language when one is empty.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from assessments.scoring import display

__all__ = [
    "Instrument",
    "InstrumentVersion",
    "Dimension",
    "Question",
    "Choice",
    "Band",
    "PhaseAssessment",
    "Assignment",
    "Answer",
    "Score",
    "in_language",
]


def in_language(english: str, dutch: str) -> str:
    """The Dutch text for Dutch readers, the English one for everyone else, each the other's fallback."""
    if (get_language() or "en").startswith("nl"):
        return dutch or english
    return english or dutch


class Instrument(models.Model):
    """A questionnaire across its versions: the built-in library or the organisation's own."""

    key = models.SlugField(_("key"), max_length=80, unique=True)
    is_builtin = models.BooleanField(_("built-in"), default=False)
    # When set, the employee sees their scores only once their coach has gone through them and released
    # them. Each submission keeps the setting it was submitted under (Assignment.release_required).
    results_need_release = models.BooleanField(
        _("results wait for the coach"),
        default=False,
        help_text=_("The employee sees their scores only after their coach has released them."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        db_constraint=False,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    archived_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("instrument")
        ordering = ["-is_builtin", "key"]

    def __str__(self) -> str:
        return self.key


class InstrumentVersion(models.Model):
    instrument = models.ForeignKey(Instrument, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveSmallIntegerField(_("version"))
    is_latest = models.BooleanField(default=True)
    title_en = models.CharField(_("title (English)"), max_length=200)
    title_nl = models.CharField(_("title (Dutch)"), max_length=200)
    description_en = models.TextField(_("description (English)"), blank=True)
    description_nl = models.TextField(_("description (Dutch)"), blank=True)
    # Set when a phase first schedules this version; from then on it never changes.
    frozen_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        db_constraint=False,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("instrument version")
        ordering = ["instrument", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["instrument", "number"], name="instrument_version_number_unique"),
            models.UniqueConstraint(
                fields=["instrument"], condition=Q(is_latest=True), name="instrument_one_latest_version"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} (v{self.number})"

    @property
    def title(self) -> str:
        return in_language(self.title_en, self.title_nl)

    @property
    def description(self) -> str:
        return in_language(self.description_en, self.description_nl)

    @property
    def is_frozen(self) -> bool:
        return self.frozen_at is not None


class Dimension(models.Model):
    """What a group of questions measures; scored as the mean of its items on 0–100."""

    version = models.ForeignKey(InstrumentVersion, on_delete=models.CASCADE, related_name="dimensions")
    key = models.SlugField(_("key"), max_length=60)
    position = models.PositiveSmallIntegerField(default=0)
    name_en = models.CharField(_("name (English)"), max_length=120)
    name_nl = models.CharField(_("name (Dutch)"), max_length=120)
    description_en = models.TextField(_("description (English)"), blank=True)
    description_nl = models.TextField(_("description (Dutch)"), blank=True)

    class Meta:
        verbose_name = _("dimension")
        ordering = ["version", "position", "pk"]
        constraints = [models.UniqueConstraint(fields=["version", "key"], name="dimension_key_unique")]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return in_language(self.name_en, self.name_nl)

    @property
    def description(self) -> str:
        return in_language(self.description_en, self.description_nl)


class Question(models.Model):
    class Kind(models.TextChoices):
        LIKERT_5 = "likert5", _("Agreement, 1 to 5")
        LIKERT_7 = "likert7", _("Agreement, 1 to 7")
        SCALE_10 = "scale10", _("Scale, 1 to 10")
        CHOICE = "choice", _("Single choice")
        TEXT = "text", _("Free text")

    SCALE_MAX = {Kind.LIKERT_5: 5, Kind.LIKERT_7: 7, Kind.SCALE_10: 10}

    version = models.ForeignKey(InstrumentVersion, on_delete=models.CASCADE, related_name="questions")
    dimension = models.ForeignKey(
        Dimension,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="questions",
        verbose_name=_("dimension"),
    )
    position = models.PositiveSmallIntegerField()
    kind = models.CharField(_("kind of answer"), max_length=10, choices=Kind.choices, default=Kind.LIKERT_5)
    text_en = models.TextField(_("question (English)"))
    text_nl = models.TextField(_("question (Dutch)"))
    reverse_scored = models.BooleanField(
        _("reverse-scored"),
        default=False,
        help_text=_("Agreeing means less of the dimension, e.g. “I avoid giving my opinion in meetings.”"),
    )
    required = models.BooleanField(_("answer required"), default=True)
    # Words at the two ends of a scale; empty: "Strongly disagree" / "Strongly agree".
    low_label_en = models.CharField(_("low end (English)"), max_length=60, blank=True)
    low_label_nl = models.CharField(_("low end (Dutch)"), max_length=60, blank=True)
    high_label_en = models.CharField(_("high end (English)"), max_length=60, blank=True)
    high_label_nl = models.CharField(_("high end (Dutch)"), max_length=60, blank=True)

    class Meta:
        verbose_name = _("question")
        ordering = ["version", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["version", "position"], name="question_position_unique", deferrable=models.Deferrable.DEFERRED
            ),
            models.CheckConstraint(
                condition=Q(reverse_scored=False) | ~Q(kind="text"), name="question_text_not_reversed"
            ),
        ]

    def __str__(self) -> str:
        return self.text

    @property
    def text(self) -> str:
        return in_language(self.text_en, self.text_nl)

    @property
    def scale_max(self) -> int | None:
        return self.SCALE_MAX.get(self.kind)

    @property
    def is_scale(self) -> bool:
        return self.kind in self.SCALE_MAX

    @property
    def scale_values(self) -> range:
        return range(1, (self.scale_max or 0) + 1)

    @property
    def low_label(self) -> str:
        return in_language(self.low_label_en, self.low_label_nl)

    @property
    def high_label(self) -> str:
        return in_language(self.high_label_en, self.high_label_nl)


class Choice(models.Model):
    """One option of a single-choice question; with a score it counts towards the question's dimension."""

    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="choices")
    position = models.PositiveSmallIntegerField(default=0)
    label_en = models.CharField(_("option (English)"), max_length=200)
    label_nl = models.CharField(_("option (Dutch)"), max_length=200)
    score = models.SmallIntegerField(_("score"), null=True, blank=True)

    class Meta:
        verbose_name = _("option")
        ordering = ["question", "position", "pk"]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        return in_language(self.label_en, self.label_nl)


class Band(models.Model):
    """How to read a dimension score in a range, and what lies ahead for someone who scores in it."""

    dimension = models.ForeignKey(Dimension, on_delete=models.CASCADE, related_name="bands")
    lower = models.PositiveSmallIntegerField(_("from"), validators=[MaxValueValidator(100)])
    upper = models.PositiveSmallIntegerField(_("to"), validators=[MaxValueValidator(100)])
    label_en = models.CharField(_("label (English)"), max_length=120)
    label_nl = models.CharField(_("label (Dutch)"), max_length=120)
    text_en = models.TextField(_("what lies ahead (English)"))
    text_nl = models.TextField(_("what lies ahead (Dutch)"))

    class Meta:
        verbose_name = _("interpretation band")
        ordering = ["dimension", "lower"]
        constraints = [
            models.CheckConstraint(
                condition=Q(lower__lte=models.F("upper")) & Q(upper__lte=100), name="band_range_valid"
            )
        ]

    def __str__(self) -> str:
        return f"{self.lower}–{self.upper} {self.label}"

    @property
    def label(self) -> str:
        return in_language(self.label_en, self.label_nl)

    @property
    def text(self) -> str:
        return in_language(self.text_en, self.text_nl)


class PhaseAssessment(models.Model):
    """A programme phase asks every enrolled employee to complete one instrument, by a due date."""

    class Moment(models.TextChoices):
        INITIAL = "initial", _("Initial assessment")
        MIDPOINT = "midpoint", _("Midpoint assessment")
        FINAL = "final", _("Final assessment")

    programme = models.ForeignKey("programmes.Programme", on_delete=models.CASCADE, related_name="+")
    phase = models.ForeignKey(
        "programmes.Phase", on_delete=models.CASCADE, related_name="assessments", verbose_name=_("phase")
    )
    instrument = models.ForeignKey(Instrument, on_delete=models.PROTECT, related_name="phase_assessments")
    version = models.ForeignKey(InstrumentVersion, on_delete=models.PROTECT, related_name="phase_assessments")
    moment = models.CharField(_("moment"), max_length=10, choices=Moment.choices)
    opens_on = models.DateField(_("opens on"))
    due_on = models.DateField(_("due on"))
    reminder_days_before = models.PositiveSmallIntegerField(
        _("remind this many days before the due date"), default=3, validators=[MaxValueValidator(60)]
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        db_constraint=False,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("scheduled assessment")
        ordering = ["programme", "opens_on", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "instrument", "moment"], name="phase_assessment_once_per_moment"
            ),
            models.CheckConstraint(
                condition=Q(due_on__gte=models.F("opens_on")), name="phase_assessment_due_after_opening"
            ),
        ]


class Assignment(models.Model):
    """One employee's copy of a scheduled assessment: their answers, once submitted never changed."""

    phase_assessment = models.ForeignKey(PhaseAssessment, on_delete=models.CASCADE, related_name="assignments")
    enrolment = models.ForeignKey("programmes.Enrolment", on_delete=models.CASCADE, related_name="+")
    employee = models.ForeignKey(
        settings.AUTH_USER_MODEL, db_constraint=False, on_delete=models.CASCADE, related_name="+"
    )
    version = models.ForeignKey(InstrumentVersion, on_delete=models.PROTECT, related_name="+")
    started_at = models.DateTimeField(null=True, blank=True)
    last_saved_at = models.DateTimeField(null=True, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    release_required = models.BooleanField(default=False)
    released_at = models.DateTimeField(null=True, blank=True)
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        db_constraint=False,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    reminded_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("assessment")
        ordering = ["phase_assessment__due_on", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["phase_assessment", "enrolment"], name="assignment_once_per_enrolment")
        ]
        indexes = [models.Index(fields=["employee", "submitted_at"])]

    @property
    def is_submitted(self) -> bool:
        return self.submitted_at is not None

    @property
    def results_visible_to_employee(self) -> bool:
        return self.is_submitted and (not self.release_required or self.released_at is not None)


class Answer(models.Model):
    """One answer, saved the moment it is given: a number on a scale, an option, or words."""

    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="+")
    value = models.PositiveSmallIntegerField(null=True, blank=True)
    choice = models.ForeignKey(Choice, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    text = models.TextField(blank=True)
    saved_at = models.DateTimeField()

    class Meta:
        verbose_name = _("answer")
        constraints = [models.UniqueConstraint(fields=["assignment", "question"], name="answer_once_per_question")]


class Score(models.Model):
    """A submitted assessment's score on one dimension, 0–100; empty when too few items were answered."""

    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="scores")
    dimension = models.ForeignKey(Dimension, on_delete=models.PROTECT, related_name="+")
    dimension_key = models.SlugField(max_length=60)  # compares versions, and groups aggregates
    value = models.FloatField(null=True, blank=True)
    answered = models.PositiveSmallIntegerField()
    items = models.PositiveSmallIntegerField()

    class Meta:
        verbose_name = _("score")
        constraints = [models.UniqueConstraint(fields=["assignment", "dimension"], name="score_once_per_dimension")]

    @property
    def shown(self) -> int | None:
        """The score as people read it: a whole number from 0 to 100."""

        return display(self.value)

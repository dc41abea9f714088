"""An organisation's coaching programmes (tenant schema): programmes, cohorts, enrolments, the coaching
agreement, session credits, sessions, attendance and urgent requests.

Foreign keys leave the tenant schema only for shared tables that can become Citus reference tables
(organisations, the coaches' availability); see DESIGN.md. References to people carry no database
constraint (`db_constraint=False`): docs/DEPLOY.md, "References to people", says why.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class EmployeeProfile(models.Model):
    """Where a person stands in this organisation: the reference for their coaching."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, db_constraint=False, on_delete=models.CASCADE, related_name="+"
    )
    department = models.CharField(_("department"), max_length=120, blank=True)
    job_title = models.CharField(_("job title"), max_length=120, blank=True)
    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        db_constraint=False,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("manager"),
    )
    # The organisation's own number for the person, as its HR system or identity provider sends it.
    employee_number = models.CharField(_("employee number"), max_length=64, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("employee profile")
        indexes = [models.Index(fields=["department"])]


class Programme(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        ACTIVE = "active", _("Active")
        CLOSED = "closed", _("Closed")

    class Sponsor(models.TextChoices):
        MANAGER = "manager", _("The employee's manager (HR when the manager has no account here)")
        HR = "hr", _("HR")

    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    objectives = models.TextField(_("objectives"), blank=True)
    starts_on = models.DateField(_("start"))
    ends_on = models.DateField(_("end"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    default_credits = models.PositiveSmallIntegerField(
        _("1:1 session credits per person"),
        default=6,
        help_text=_("Each enrolment starts with this many individual sessions; HR can change it per person."),
    )
    sponsor = models.CharField(
        _("sponsor"),
        max_length=10,
        choices=Sponsor.choices,
        default=Sponsor.MANAGER,
        help_text=_(
            "Who signs each coaching agreement beside the employee and the coach. The sponsor sees the agreed "
            "objectives and attendance, never what is discussed."
        ),
    )
    sponsor_must_accept = models.BooleanField(
        _("the agreement needs the sponsor's acceptance"),
        default=True,
        help_text=_(
            "Off: the agreement is in force once the employee and the coach accept it; the sponsor is "
            "still asked. Booking never waits for the sponsor."
        ),
    )
    copied_from = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, db_constraint=False, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("programme")
        ordering = ["-starts_on", "name"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_on__gte=models.F("starts_on")), name="programme_ends_after_start")
        ]

    def __str__(self) -> str:
        return self.name


class Phase(models.Model):
    class Kind(models.TextChoices):
        INTAKE = "intake", _("Intake and initial assessment")
        GROUP = "group", _("Group sessions")
        INDIVIDUAL = "individual", _("Individual coaching")
        MIDPOINT = "midpoint", _("Midpoint assessment")
        FINAL = "final", _("Final assessment")
        OTHER = "other", _("Other")

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="phases")
    position = models.PositiveSmallIntegerField(_("position"))
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices, default=Kind.OTHER)
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    starts_on = models.DateField(_("start"), null=True, blank=True)
    ends_on = models.DateField(_("end"), null=True, blank=True)

    class Meta:
        verbose_name = _("phase")
        ordering = ["programme", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "position"], name="phase_position_unique", deferrable=models.Deferrable.DEFERRED
            )
        ]

    def __str__(self) -> str:
        return self.name


class Resource(models.Model):
    """A learning resource: training in new, more effective ways of working."""

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="resources")
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    url = models.URLField(_("link"), blank=True)
    file = models.FileField(_("file"), upload_to="resources/", blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("learning resource")
        ordering = ["programme", "position", "title"]


class Cohort(models.Model):
    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="cohorts")
    name = models.CharField(_("name"), max_length=200)
    capacity = models.PositiveIntegerField(_("capacity"), default=20)
    starts_on = models.DateField(_("start"), null=True, blank=True)
    coaches = models.ManyToManyField(
        settings.AUTH_USER_MODEL, db_constraint=False, related_name="+", blank=True, verbose_name=_("coaches")
    )

    class Meta:
        verbose_name = _("cohort")
        ordering = ["programme", "name"]
        constraints = [models.UniqueConstraint(fields=["programme", "name"], name="cohort_name_unique")]

    def __str__(self) -> str:
        return self.name


class Enrolment(models.Model):
    """An employee in a programme's cohort, with their coach and their allowance of 1:1 credits."""

    class Status(models.TextChoices):
        INVITED = "invited", _("Invited")
        ACTIVE = "active", _("Active")
        COMPLETED = "completed", _("Completed")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="enrolments")
    cohort = models.ForeignKey(Cohort, on_delete=models.PROTECT, related_name="enrolments")
    employee = models.ForeignKey(
        settings.AUTH_USER_MODEL, db_constraint=False, on_delete=models.CASCADE, related_name="+"
    )
    coach = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        db_constraint=False,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("coach"),
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.INVITED)
    credit_allowance = models.PositiveSmallIntegerField(_("1:1 session credits"))
    status_changed_at = models.DateTimeField(auto_now_add=True)
    status_changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        db_constraint=False,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("enrolment")
        constraints = [models.UniqueConstraint(fields=["programme", "employee"], name="enrolment_once_per_programme")]
        indexes = [
            models.Index(fields=["employee", "status"]),
            models.Index(fields=["coach", "status"]),
            models.Index(fields=["cohort", "status"]),
        ]


class SponsoredEnrolment(Enrolment):
    """An enrolment as its sponsor (the employee's manager) sees it: a rule of its own, so that no list of
    enrolments widens for the people who sponsor someone."""

    class Meta:
        proxy = True


# Enrolments that take a seat in a cohort; completed and withdrawn people free theirs.
LIVE_STATUSES = (Enrolment.Status.INVITED, Enrolment.Status.ACTIVE)
# Enrolments that take part in the programme's assessments: everyone enrolled who has not withdrawn.
LIVE_ENROLMENT = (Enrolment.Status.INVITED, Enrolment.Status.ACTIVE, Enrolment.Status.COMPLETED)


class EnrolmentEvent(models.Model):
    """The history of an enrolment's status: when, from what to what, and who changed it."""

    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(max_length=10, blank=True)
    to_status = models.CharField(max_length=10)
    at = models.DateTimeField(auto_now_add=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, db_constraint=False, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        ordering = ["at", "pk"]


class Agreement(models.Model):
    """The organisation's coaching agreement; each edit is a new version."""

    version = models.PositiveIntegerField(unique=True)
    body = models.TextField(_("text"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, db_constraint=False, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("coaching agreement")
        ordering = ["-version"]


class AgreementAcceptance(models.Model):
    agreement = models.ForeignKey(Agreement, on_delete=models.PROTECT, related_name="acceptances")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, db_constraint=False, on_delete=models.CASCADE, related_name="+")
    accepted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["agreement", "user"], name="agreement_accepted_once")]


class EnrolmentAgreement(models.Model):
    """One version of the three-way agreement of one enrolment: the organisation's text in force when it
    was written and the objectives the employee and the coach drafted. Any change is a new version, which
    every party accepts again."""

    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="agreements")
    version = models.PositiveIntegerField()
    # The organisation's text in force when this version was written; None: the standard text (HR had
    # published none), in the organisation's language.
    terms = models.ForeignKey(Agreement, on_delete=models.PROTECT, null=True, related_name="+")
    objectives = models.TextField(_("agreed objectives"), blank=True)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, db_constraint=False, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    proposed_at = models.DateTimeField()
    # Made from an acceptance of the employee-only agreement (before objectives existed): it holds the
    # employee's acceptance only, and booking goes on as it did until someone writes objectives.
    carried_over = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("agreement of an enrolment")
        ordering = ["enrolment", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["enrolment", "version"], name="enrolment_agreement_version_once")
        ]


class PartyAcceptance(models.Model):
    """One party's acceptance of one version of an enrolment's agreement: who, when, in which capacity."""

    class Party(models.TextChoices):
        EMPLOYEE = "employee", _("Employee")
        COACH = "coach", _("Coach")
        SPONSOR = "sponsor", _("Sponsor")

    agreement = models.ForeignKey(EnrolmentAgreement, on_delete=models.CASCADE, related_name="acceptances")
    party = models.CharField(max_length=10, choices=Party.choices)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, db_constraint=False, on_delete=models.CASCADE, related_name="+")
    accepted_at = models.DateTimeField()

    class Meta:
        verbose_name = _("acceptance of an enrolment's agreement")
        ordering = ["accepted_at", "pk"]
        constraints = [models.UniqueConstraint(fields=["agreement", "party"], name="party_accepts_once")]


class EnrolmentImport(models.Model):
    """One upload of a CSV file of employees: what was asked, by whom, and what came of it.

    The file itself is kept only until the import has run (it holds personal data); the outcome stays
    so HR can see later what each import did.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting to start")
        RUNNING = "running", _("Importing")
        SUCCEEDED = "succeeded", _("Imported")
        FAILED = "failed", _("Not imported")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    file_name = models.CharField(_("file"), max_length=255)
    content = models.BinaryField(blank=True, default=b"")
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    summary = models.JSONField(default=dict, blank=True)
    errors = models.JSONField(default=list, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, db_constraint=False, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("employee import")
        ordering = ["-created_at"]


class Session(models.Model):
    """A coaching session: a cohort's group session, or one coach with one employee."""

    class Kind(models.TextChoices):
        GROUP = "group", _("Group session")
        INDIVIDUAL = "individual", _("Individual session")

    class Mode(models.TextChoices):
        IN_PERSON = "in_person", _("In person")
        VIDEO = "video", _("Video")
        PHONE = "phone", _("Phone")

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("Scheduled")
        CANCELLED = "cancelled", _("Cancelled")
        COMPLETED = "completed", _("Completed")

    class CancellationReason(models.TextChoices):
        # Cancelled by the portal, not by a person's choice: the notice period did not apply.
        COACH_CHANGED = "coach_changed", _("Coach changed")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE, null=True, blank=True, related_name="sessions")
    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, null=True, blank=True, related_name="sessions")
    coach = models.ForeignKey(settings.AUTH_USER_MODEL, db_constraint=False, on_delete=models.PROTECT, related_name="+")
    title = models.CharField(_("title"), max_length=200, blank=True)
    starts_at = models.DateTimeField(_("start"))
    duration_minutes = models.PositiveSmallIntegerField(_("duration (minutes)"), default=60)
    mode = models.CharField(_("mode"), max_length=10, choices=Mode.choices, default=Mode.VIDEO)
    location = models.CharField(_("location"), max_length=300, blank=True)
    video_url = models.URLField(_("video link"), blank=True)
    dial_in = models.CharField(_("dial-in details"), max_length=300, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.SCHEDULED)
    # The coach's time this session holds: the public slot it was booked from, or the one held for it when
    # it was scheduled directly (a coach's time is shared by every organisation). DO_NOTHING: deleting a
    # slot must not make Django look for sessions in whatever schema is current (the public one has none);
    # a session gives up its slot before the slot goes, and the deferred foreign key refuses the commit
    # if one still points at it.
    slot = models.ForeignKey("availability.Slot", on_delete=models.DO_NOTHING, null=True, blank=True, related_name="+")
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        db_constraint=False,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    late_cancellation = models.BooleanField(default=False)
    # Blank for a cancellation someone chose; set when a change elsewhere cancelled the session.
    cancellation_reason = models.CharField(max_length=20, choices=CancellationReason.choices, blank=True, default="")
    reminder_sent_at = models.DateTimeField(null=True, blank=True)
    # The calendar invitation's SEQUENCE (RFC 5546): raised on every change calendars must follow (time,
    # place or mode, cancellation), so a newer invitation replaces the older one under the same UID.
    sequence = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, db_constraint=False, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # The session's attendance rows counted per status, so that HR's dashboard sums sessions rather than
    # reading every row. Only `programmes.services.attendance_counts.attendance_counts_refresh` writes
    # them, recounting from the rows in the transaction of every change to attendance;
    # `attendance_counts_mismatched` (and `manage.py attendance_counts`) compares them with a fresh count.
    present_count = models.PositiveIntegerField(default=0, editable=False)
    absent_count = models.PositiveIntegerField(default=0, editable=False)
    excused_count = models.PositiveIntegerField(default=0, editable=False)
    expected_count = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        verbose_name = _("session")
        ordering = ["starts_at"]
        indexes = [models.Index(fields=["coach", "starts_at"]), models.Index(fields=["status", "starts_at"])]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(kind="group", cohort__isnull=False, enrolment__isnull=True)
                    | Q(kind="individual", enrolment__isnull=False)
                ),
                name="session_kind_matches_links",
            ),
            # One live session per availability slot, whatever races.
            models.UniqueConstraint(fields=["slot"], condition=Q(status="scheduled"), name="session_slot_once"),
        ]

    @property
    def ends_at(self):
        return self.starts_at + timedelta(minutes=self.duration_minutes)


class Attendance(models.Model):
    class Status(models.TextChoices):
        EXPECTED = "expected", _("Expected")
        PRESENT = "present", _("Present")
        ABSENT = "absent", _("Absent")
        EXCUSED = "excused", _("Excused")

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="attendances")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, db_constraint=False, on_delete=models.CASCADE, related_name="+")
    status = models.CharField(_("attendance"), max_length=10, choices=Status.choices, default=Status.EXPECTED)
    marked_at = models.DateTimeField(null=True, blank=True)
    marked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        db_constraint=False,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["session", "user"], name="attendance_once")]


class SponsoredAttendance(Attendance):
    """Attendance as a sponsor reads it: only the sessions of the enrolments they sponsor, and only the
    sponsored employee's own row (a rule of its own, so no list of attendance widens for sponsors)."""

    class Meta:
        proxy = True


class CreditTransaction(models.Model):
    """The ledger of 1:1 credits: the balance is the allowance plus the sum of these."""

    class Reason(models.TextChoices):
        BOOKING = "booking", _("Booked a session")
        REFUND = "refund", _("Cancelled in time")
        CANCELLED = "cancelled", _("Cancelled by the coach or HR")
        EXCUSED = "excused", _("Absence excused")
        CORRECTION = "correction", _("Attendance corrected")
        ADJUSTMENT = "adjustment", _("Adjusted by HR")

    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="credit_transactions")
    delta = models.SmallIntegerField()
    reason = models.CharField(max_length=12, choices=Reason.choices)
    session = models.ForeignKey(Session, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    at = models.DateTimeField(auto_now_add=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, db_constraint=False, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        ordering = ["at", "pk"]


class UrgentRequest(models.Model):
    """The moment an employee decides they must talk to someone now."""

    employee = models.ForeignKey(
        settings.AUTH_USER_MODEL, db_constraint=False, on_delete=models.CASCADE, related_name="+"
    )
    coach = models.ForeignKey(settings.AUTH_USER_MODEL, db_constraint=False, on_delete=models.CASCADE, related_name="+")
    message = models.TextField(_("message"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]


class IdempotencyRecord(models.Model):
    """The first answer to a creating API request sent with an `Idempotency-Key` (portal.idempotency).

    In the organisation's schema (the answer holds its data), per account and endpoint (method and path);
    kept 24 hours.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, db_constraint=False, on_delete=models.CASCADE, related_name="+")
    endpoint = models.CharField(max_length=300)
    key = models.CharField(max_length=255)
    request_digest = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    response = models.JSONField(null=True, blank=True)
    location = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "endpoint", "key"], name="idempotency_once_per_endpoint")
        ]

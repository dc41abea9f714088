"""Reports and data rights (tenant schema): the organisation's administrative audit, PDF reports rendered in
the background, and requests to erase a person's data.

Nothing here holds coaching content except a finished personal report's PDF, which is deleted with the
person's data on erasure and after REPORT_JOB_KEEP_HOURS in any case.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AuditEvent(models.Model):
    """An administrative event in this organisation: who did what to whom, when. Never coaching content.

    Enrolment changes (programmes.EnrolmentEvent) and role changes (tenants.PlatformEvent) are recorded
    where they happen; the audit page shows all three together.
    """

    class Action(models.TextChoices):
        CSV_EXPORTED = "export.csv", _("Exported a CSV file")
        REPORT_DOWNLOADED = "report.pdf", _("Downloaded a report")
        DATA_EXPORTED = "data.export", _("Exported their personal data")
        ERASURE_REQUESTED = "erasure.requested", _("Requested erasure")
        ERASURE_CANCELLED = "erasure.cancelled", _("Cancelled an erasure")
        ERASURE_COMPLETED = "erasure.completed", _("Erased a person's data")
        RETENTION_PURGED = "retention.purged", _("Deleted coaching content past the retention period")

    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        db_constraint=False,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # The person the event concerns, if any (the one whose data was exported or erased).
    subject = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        db_constraint=False,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    action = models.CharField(max_length=40, choices=Action.choices)
    detail = models.JSONField(default=dict, blank=True)  # kinds and counts, never content

    class Meta:
        verbose_name = _("audit event")
        ordering = ["-at", "-pk"]
        indexes = [
            models.Index(fields=["-at"], name="auditevent_at"),
            models.Index(fields=["action", "-at"], name="auditevent_action_at"),
        ]


# Events in which a person exercised a data right themselves: exporting their data, and the erasure they
# asked for (it covers every organisation; one HR asks for covers this one and is HR's own act). HR sees
# how many, never who (DESIGN.md); platform staff keep the full record as PlatformEvents.
DATA_RIGHT_ACTIONS = (AuditEvent.Action.DATA_EXPORTED,)
OWN_ERASURE_ACTIONS = (
    AuditEvent.Action.ERASURE_REQUESTED,
    AuditEvent.Action.ERASURE_CANCELLED,
    AuditEvent.Action.ERASURE_COMPLETED,
)
OWN_ERASURE_SCOPE = "everywhere"  # ErasureRequest.Scope.EVERYWHERE: the scope of a person's own request


def is_data_right(action: str, detail: dict) -> bool:
    return action in DATA_RIGHT_ACTIONS or (
        action in OWN_ERASURE_ACTIONS and (detail or {}).get("scope") == OWN_ERASURE_SCOPE
    )


def data_right_events() -> Q:
    """is_data_right as a filter."""
    return Q(action__in=DATA_RIGHT_ACTIONS) | Q(action__in=OWN_ERASURE_ACTIONS, detail__scope=OWN_ERASURE_SCOPE)


class ReportJob(models.Model):
    """A PDF report rendered in the background: its progress while it runs, the file when it is ready."""

    class Kind(models.TextChoices):
        PROGRAMME = "programme", _("Programme report")
        PERSONAL = "personal", _("Personal progress report")
        COACH = "coach", _("Coaching hours report")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting to start")
        RUNNING = "running", _("Preparing")
        READY = "ready", _("Ready")
        FAILED = "failed", _("Failed")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(max_length=12, choices=Kind.choices)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, db_constraint=False, on_delete=models.CASCADE, related_name="+"
    )
    # Personal reports: the employee the report is about.
    subject = models.ForeignKey(
        settings.AUTH_USER_MODEL, db_constraint=False, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    programme = models.ForeignKey(
        "programmes.Programme", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    options = models.JSONField(default=dict, blank=True)  # e.g. the reflections chosen for a personal report
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0)
    file_name = models.CharField(max_length=200, blank=True)
    pdf = models.BinaryField(blank=True, default=b"")
    pages = models.PositiveSmallIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("report in preparation")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["requested_by", "-created_at"], name="reportjob_requester")]

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.READY, self.Status.FAILED)


class ErasureRequest(models.Model):
    """A request to erase a person's coaching data, carried out when the grace period has passed.

    The employee's own request covers every organisation they belong to; an HR manager's covers this
    organisation only. The row stays afterwards as the record that the erasure was done.
    """

    class Scope(models.TextChoices):
        EVERYWHERE = "everywhere", _("Every organisation the person belongs to")
        ORGANISATION = "organisation", _("This organisation")

    class Status(models.TextChoices):
        PENDING = "pending", _("Scheduled")
        CANCELLED = "cancelled", _("Cancelled")
        COMPLETED = "completed", _("Erased")

    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, db_constraint=False, on_delete=models.CASCADE, related_name="+"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, db_constraint=False, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    scope = models.CharField(max_length=12, choices=Scope.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    requested_at = models.DateTimeField(default=timezone.now)
    due_at = models.DateTimeField()
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        db_constraint=False,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    completed_at = models.DateTimeField(null=True, blank=True)
    summary = models.JSONField(default=dict, blank=True)  # how many rows of each kind were erased

    class Meta:
        verbose_name = _("erasure request")
        ordering = ["-requested_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["person"], condition=Q(status="pending"), name="erasure_one_pending_per_person"
            )
        ]
        indexes = [models.Index(fields=["status", "due_at"], name="erasure_status_due")]

    @property
    def is_pending(self) -> bool:
        return self.status == self.Status.PENDING


class ReleasedCell(models.Model):
    """One cell of the table every HR aggregate is built from (reports.disclosure): the figures of one kind
    for the people of one cohort in one department, as last released to HR.

    `members` holds, per contributor, a fingerprint of what they contributed at the last release (never
    shown to anyone): the next refresh compares against it to decide whether the change is large enough
    to release (reports.disclosure, "Change over time")."""

    kind = models.CharField(max_length=20)
    key = models.CharField(max_length=60, blank=True)
    programme_id = models.IntegerField()
    cohort_id = models.IntegerField()
    department = models.CharField(max_length=120, blank=True)
    pooled = models.BooleanField(default=False)  # the cohort's departments too small for a cell of their own
    shown = models.BooleanField(default=False)
    contributors = models.PositiveIntegerField(default=0)
    values = models.JSONField(default=dict)
    members = models.JSONField(default=dict)
    released_on = models.DateField(null=True, blank=True)
    refreshed_on = models.DateField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "key", "cohort_id", "department", "pooled"], name="released_cell_unique"
            )
        ]
        indexes = [models.Index(fields=["programme_id", "cohort_id"], name="released_cell_selection")]


class ReleasedTotal(models.Model):
    """The released cells of one kind and key in one cohort, summed over all its departments (pooled ones
    too) by the release that wrote those cells (reports.disclosure.refresh, in the same transaction).
    A selection without a department reads one row per cohort here instead of summing its cells again."""

    kind = models.CharField(max_length=20)
    key = models.CharField(max_length=60, blank=True)
    programme_id = models.IntegerField()
    cohort_id = models.IntegerField()
    contributors = models.PositiveIntegerField(default=0)
    values = models.JSONField(default=dict)
    released_on = models.DateField(null=True, blank=True)  # the latest release among its cells

    class Meta:
        constraints = [models.UniqueConstraint(fields=["kind", "key", "cohort_id"], name="released_total_unique")]

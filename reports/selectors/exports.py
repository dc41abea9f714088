"""CSV exports for HR: enrolments, attendance and credits. Administrative data only (DESIGN.md: HR sees a
person's profile, enrolment, credits, attendance and session times): never a session's title, an answer,
a score, a reflection, a goal, a note or feedback.

Files are written by portal.csv (for Excel, formula-safe). Rows are streamed in chunks: a fixed number of
queries, however many rows.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from django.db.models import OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal import policy
from programmes.models import Attendance, CreditTransaction, EmployeeProfile, Enrolment, Session
from programmes.selectors.credits import with_credits
from reports.selectors.dashboard import Filters, attendance_of, department_members

CHUNK = 2000


@dataclass(frozen=True)
class Export:
    key: str
    label: object
    description: object
    build: Callable[..., tuple[list[str], Iterator]]
    columns: tuple[str, ...] = ()  # the columns' names in the API's JSON rows, in the CSV's order


def _profile(field: str) -> Subquery:
    return Subquery(EmployeeProfile.objects.filter(user_id=OuterRef("employee_id")).values(field)[:1])


def _selected(actor: policy.Actor, filters: Filters, queryset: QuerySet, *, prefix: str = "") -> QuerySet:
    if filters.programme:
        queryset = queryset.filter(**{f"{prefix}programme": filters.programme})
    if filters.cohort:
        queryset = queryset.filter(**{f"{prefix}cohort": filters.cohort})
    if filters.department:
        queryset = queryset.filter(**{f"{prefix}employee_id__in": department_members(filters.department)})
    return queryset


def _local(moment) -> tuple[str, str]:
    if moment is None:
        return "", ""
    local = timezone.localtime(moment)
    return local.strftime("%Y-%m-%d"), local.strftime("%H:%M")


def enrolment_rows(*, actor: policy.Actor, filters: Filters) -> tuple[list[str], Iterator]:
    policy.require(actor, policy.HR_MANAGER)
    header = [
        _("Email"),
        _("First name"),
        _("Last name"),
        _("Department"),
        _("Job title"),
        _("Programme"),
        _("Cohort"),
        _("Coach"),
        _("Status"),
        _("Enrolled on"),
        _("Status since"),
        _("1:1 credits"),
        _("Credits used"),
        _("Credits left"),
    ]
    enrolments = (
        with_credits(_selected(actor, filters, policy.scope(actor, Enrolment)))
        .annotate(department=_profile("department"), job_title=_profile("job_title"))
        .order_by("employee__last_name", "employee__first_name", "employee__email", "programme__name")
        .values_list(
            "employee__email",
            "employee__first_name",
            "employee__last_name",
            "department",
            "job_title",
            "programme__name",
            "cohort__name",
            "coach__email",
            "status",
            "created_at",
            "status_changed_at",
            "credit_allowance",
            "credits_used",
            "credits_left",
        )
    )
    statuses = dict(Enrolment.Status.choices)

    def rows():
        for (
            email,
            first,
            last,
            department,
            job_title,
            programme,
            cohort,
            coach,
            status,
            created,
            changed,
            allowance,
            used,
            left,
        ) in enrolments.iterator(chunk_size=CHUNK):
            yield [
                email,
                first,
                last,
                department or "",
                job_title or "",
                programme,
                cohort,
                coach or "",
                str(statuses.get(status, status)),
                _local(created)[0],
                _local(changed)[0],
                allowance,
                used,
                left,
            ]

    return [str(name) for name in header], rows()


def attendance_rows(*, actor: policy.Actor, filters: Filters) -> tuple[list[str], Iterator]:
    policy.require(actor, policy.HR_MANAGER)
    header = [
        _("Email"),
        _("First name"),
        _("Last name"),
        _("Programme"),
        _("Cohort"),
        _("Date"),
        _("Start"),
        _("Kind of session"),
        _("Mode"),
        _("Duration (minutes)"),
        _("Session status"),
        _("Attendance"),
        _("Marked on"),
    ]
    # A 1:1 belongs to its enrolment's programme and cohort; a group session to its cohort's.
    attendances = (
        policy.scope(actor, Attendance)
        .filter(attendance_of(filters), session__starts_at__lt=timezone.now())
        .annotate(
            programme_name=Coalesce("session__cohort__programme__name", "session__enrolment__programme__name"),
            cohort_name=Coalesce("session__cohort__name", "session__enrolment__cohort__name"),
        )
        .order_by("session__starts_at", "user__last_name", "user__first_name", "pk")
        .values_list(
            "user__email",
            "user__first_name",
            "user__last_name",
            "programme_name",
            "cohort_name",
            "session__starts_at",
            "session__kind",
            "session__mode",
            "session__duration_minutes",
            "session__status",
            "status",
            "marked_at",
        )
    )
    kinds, modes = dict(Session.Kind.choices), dict(Session.Mode.choices)
    session_statuses, statuses = dict(Session.Status.choices), dict(Attendance.Status.choices)

    def rows():
        for (
            email,
            first,
            last,
            programme,
            cohort,
            starts_at,
            kind,
            mode,
            minutes,
            session_status,
            status,
            marked_at,
        ) in attendances.iterator(chunk_size=CHUNK):
            day, start = _local(starts_at)
            yield [
                email,
                first,
                last,
                programme or "",
                cohort or "",
                day,
                start,
                str(kinds.get(kind, kind)),
                str(modes.get(mode, mode)),
                minutes,
                str(session_statuses.get(session_status, session_status)),
                str(statuses.get(status, status)),
                _local(marked_at)[0],
            ]

    return [str(name) for name in header], rows()


def credit_rows(*, actor: policy.Actor, filters: Filters) -> tuple[list[str], Iterator]:
    policy.require(actor, policy.HR_MANAGER)
    header = [
        _("Email"),
        _("First name"),
        _("Last name"),
        _("Programme"),
        _("Cohort"),
        _("Date"),
        _("Change"),
        _("Reason"),
        _("Session date"),
        _("Recorded by"),
    ]
    transactions = (
        policy.scope(actor, CreditTransaction)
        .filter(enrolment__in=_selected(actor, filters, policy.scope(actor, Enrolment)))
        .order_by("at", "pk")
        .values_list(
            "enrolment__employee__email",
            "enrolment__employee__first_name",
            "enrolment__employee__last_name",
            "enrolment__programme__name",
            "enrolment__cohort__name",
            "at",
            "delta",
            "reason",
            "session__starts_at",
            "by__email",
        )
    )
    reasons = dict(CreditTransaction.Reason.choices)

    def rows():
        for email, first, last, programme, cohort, at, delta, reason, session_at, by in transactions.iterator(
            chunk_size=CHUNK
        ):
            yield [
                email,
                first,
                last,
                programme,
                cohort,
                _local(at)[0],
                delta,
                str(reasons.get(reason, reason)),
                _local(session_at)[0],
                by or "",
            ]

    return [str(name) for name in header], rows()


EXPORTS = {
    "enrolments": Export(
        "enrolments",
        _("Enrolments"),
        _("Everyone enrolled, with programme, cohort, coach, status and credits."),
        enrolment_rows,
        (
            "email",
            "first_name",
            "last_name",
            "department",
            "job_title",
            "programme",
            "cohort",
            "coach",
            "status",
            "enrolled_on",
            "status_since",
            "credits",
            "credits_used",
            "credits_left",
        ),
    ),
    "attendance": Export(
        "attendance",
        _("Attendance"),
        _("Every session that has taken place, with each person's attendance."),
        attendance_rows,
        (
            "email",
            "first_name",
            "last_name",
            "programme",
            "cohort",
            "date",
            "start",
            "session_kind",
            "mode",
            "duration_minutes",
            "session_status",
            "attendance",
            "marked_on",
        ),
    ),
    "credits": Export(
        "credits",
        _("Credits"),
        _("Every change to 1:1 credits: bookings, refunds and adjustments."),
        credit_rows,
        (
            "email",
            "first_name",
            "last_name",
            "programme",
            "cohort",
            "date",
            "change",
            "reason",
            "session_date",
            "recorded_by",
        ),
    ),
}

"""Reads for enrolments, employee profiles, imports and the coaching agreement, through the policy."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery

from portal import clock, policy
from portal.policy import Actor
from programmes.models import (
    LIVE_STATUSES,
    Agreement,
    AgreementAcceptance,
    Attendance,
    Cohort,
    EmployeeProfile,
    Enrolment,
    EnrolmentEvent,
    EnrolmentImport,
    Programme,
    Session,
)
from programmes.selectors.credits import credits_used, with_credits
from programmes.selectors.programmes import count_of, seats_taken
from tenants.models import Invitation


def _profile(field: str) -> Subquery:
    return Subquery(EmployeeProfile.objects.filter(user_id=OuterRef("employee_id")).values(field)[:1])


def enrolment_list(
    *,
    actor: Actor,
    programme: int | None = None,
    cohort: int | None = None,
    status: str | None = None,
    search: str = "",
) -> QuerySet[Enrolment]:
    """Enrolments the actor may see, with the person, cohort, coach, where they stand and their 1:1 credits
    left (`credits_left`, `credits_used`), in one query."""
    enrolments = with_credits(
        policy.scope(actor, Enrolment)
        .select_related("employee", "cohort", "programme", "coach")
        .annotate(department=_profile("department"), job_title=_profile("job_title"))
        .order_by("employee__last_name", "employee__first_name", "employee__email", "programme__name")
    )
    if programme:
        enrolments = enrolments.filter(programme_id=programme)
    if cohort:
        enrolments = enrolments.filter(cohort_id=cohort)
    if status in Enrolment.Status.values:
        enrolments = enrolments.filter(status=status)
    for word in search.split():
        enrolments = enrolments.filter(
            Q(employee__email__icontains=word)
            | Q(employee__first_name__icontains=word)
            | Q(employee__last_name__icontains=word)
            | Q(
                employee_id__in=EmployeeProfile.objects.filter(
                    Q(department__icontains=word) | Q(job_title__icontains=word)
                ).values("user_id")
            )
        )
    return enrolments


def enrolment_invitations(
    *, actor: Actor, cohorts, programme: int | None = None, cohort: int | None = None, limit: int = 200
) -> list[Invitation]:
    """HR: people invited into one of `cohorts` (the open programmes' cohorts the page lists already)
    who have not accepted yet, with the names HR entered and their cohort (`.cohort_row`). Nobody else
    sees them anywhere: they are not enrolled until they accept."""
    if not actor.is_hr:
        return []
    cohorts_by_pk = {
        row.pk: row
        for row in cohorts
        if (not programme or row.programme_id == programme) and (not cohort or row.pk == cohort)
    }
    invitations = list(
        policy.scope(actor, Invitation)
        .filter(status=Invitation.Status.PENDING, cohort__in=list(cohorts_by_pk))
        .order_by("last_name", "first_name", "email")[:limit]
    )
    for invitation in invitations:
        invitation.cohort_row = cohorts_by_pk[invitation.cohort]
    return invitations


def enrolment_get(*, actor: Actor, pk: int) -> Enrolment:
    return policy.get_or_404(
        actor,
        Enrolment,
        policy.scope(actor, Enrolment).select_related("employee", "cohort", "programme", "coach"),
        pk=pk,
    )


@dataclass
class EnrolmentDetail:
    enrolment: Enrolment
    profile: EmployeeProfile | None
    events: list[EnrolmentEvent]
    credits_used: int
    accepted_version: int | None  # the newest agreement version this person accepted
    current_version: int | None


def enrolment_detail(*, actor: Actor, pk: int) -> EnrolmentDetail:
    enrolment = enrolment_get(actor=actor, pk=pk)
    profile = (
        policy.scope(actor, EmployeeProfile).select_related("manager").filter(user_id=enrolment.employee_id).first()
    )
    events = list(policy.scope(actor, EnrolmentEvent).filter(enrolment=enrolment).select_related("by"))
    labels = dict(Enrolment.Status.choices)
    for event in events:
        event.from_label, event.to_label = labels.get(event.from_status, ""), labels.get(event.to_status, "")
    accepted = (
        policy.scope(actor, AgreementAcceptance)
        .filter(user_id=enrolment.employee_id)
        .order_by("-agreement__version")
        .values_list("agreement__version", flat=True)
        .first()
    )
    current = Agreement.objects.order_by("-version").values_list("version", flat=True).first()
    return EnrolmentDetail(
        enrolment=enrolment,
        profile=profile,
        events=events,
        credits_used=credits_used(enrolment),
        accepted_version=accepted,
        current_version=current,
    )


def my_enrolments(*, actor: Actor) -> list[Enrolment]:
    """The actor's own enrolments (as an employee), newest programme first."""
    return list(
        policy.scope(actor, Enrolment)
        .filter(employee_id=actor.user_id)
        .select_related("programme", "cohort", "coach")
        .order_by("-programme__starts_on")
    )


def my_place(*, actor: Actor, programme: Programme) -> dict | None:
    """An employee's own place in a programme: cohort, coach, status, and where they stand."""
    enrolment = (
        policy.scope(actor, Enrolment)
        .filter(employee_id=actor.user_id, programme=programme)
        .select_related("cohort", "coach")
        .first()
    )
    if enrolment is None:
        return None
    return {"enrolment": enrolment, "profile": profile_of(actor=actor, user_id=actor.user_id)}


def programme_funnel(*, actor: Actor, programme: Programme) -> dict:
    """How many people of a programme are invited, active, completed or withdrawn (one query)."""
    counts = dict(
        policy.scope(actor, Enrolment)
        .filter(programme=programme)
        .order_by()
        .values_list("status")
        .annotate(n=Count("pk"))
    )
    return _funnel(counts)


def profile_of(*, actor: Actor, user_id: int) -> EmployeeProfile | None:
    return policy.scope(actor, EmployeeProfile).select_related("manager").filter(user_id=user_id).first()


# --- imports ------------------------------------------------------------------------------------------


def import_get(*, actor: Actor, pk) -> EnrolmentImport:
    return policy.get_or_404(
        actor,
        EnrolmentImport,
        policy.scope(actor, EnrolmentImport).select_related("programme", "created_by").defer("content"),
        pk=pk,
    )


def recent_imports(*, actor: Actor, limit: int = 10) -> list[EnrolmentImport]:
    return list(
        policy.scope(actor, EnrolmentImport)
        .select_related("programme", "created_by")
        .defer("content", "errors")[:limit]
    )


# --- the coaching agreement ---------------------------------------------------------------------------


def agreement_current(*, actor: Actor) -> Agreement | None:
    """The version in force (None until HR publishes one or someone accepts the default text)."""
    return policy.scope(actor, Agreement).select_related("created_by").order_by("-version").first()


def _acceptances_in_force(user_id: int) -> QuerySet[AgreementAcceptance]:
    current = Agreement.objects.order_by("-version").values("pk")[:1]
    return AgreementAcceptance.objects.filter(user_id=user_id, agreement=current)


def agreement_accepted(*, user) -> bool:
    """Whether `user` accepted the version of the agreement in force, in the current organisation's schema.

    Booking a session requires it. One query.
    """
    return _acceptances_in_force(user.pk).exists()


def agreement_accepted_expression(user_id: int) -> Exists:
    """`agreement_accepted` as an expression, to come with rows read anyway."""
    return Exists(_acceptances_in_force(user_id))


def my_acceptance(*, actor: Actor) -> AgreementAcceptance | None:
    return (
        policy.scope(actor, AgreementAcceptance)
        .filter(user_id=actor.user_id)
        .select_related("agreement")
        .order_by("-agreement__version")
        .first()
    )


def agreement_versions(*, actor: Actor) -> list[Agreement]:
    """Every version, newest first, with how many people accepted each."""
    return list(
        policy.scope(actor, Agreement)
        .select_related("created_by")
        .annotate(accepted=Count("acceptances"))
        .order_by("-version")
    )


def agreement_reach(*, actor: Actor) -> dict:
    """How many people holding a seat (invited or active) accepted the version in force."""
    current = Agreement.objects.order_by("-version").values("pk")[:1]
    accepted = AgreementAcceptance.objects.filter(agreement=current).values("user_id")
    return (
        policy.scope(actor, Enrolment)
        .filter(status__in=LIVE_STATUSES)
        .aggregate(
            people=Count("employee_id", distinct=True),
            accepted=Count("employee_id", distinct=True, filter=Q(employee_id__in=accepted)),
        )
    )


# --- HR's overview --------------------------------------------------------------------------------------


def hr_overview(*, actor: Actor) -> dict:
    """Programmes with their cohorts, the enrolment funnel and attendance, in four queries whatever
    the size of the organisation."""
    policy.require(actor, policy.HR_MANAGER)
    programmes = list(
        policy.scope(actor, Programme)
        .exclude(status=Programme.Status.CLOSED)
        .annotate(enrolled=count_of(Enrolment.objects.filter(programme=OuterRef("pk"), status__in=LIVE_STATUSES)))
        .order_by("-starts_on", "name")[:6]
    )
    cohorts = list(
        policy.scope(actor, Cohort)
        .filter(programme__in=[p.pk for p in programmes])
        .annotate(seats=seats_taken())
        .order_by("name")
    )
    for programme in programmes:
        programme.open_cohorts = [cohort for cohort in cohorts if cohort.programme_id == programme.pk]
    funnel = dict(policy.scope(actor, Enrolment).order_by().values_list("status").annotate(n=Count("pk")))
    attendance = {
        (kind, status): n
        for kind, status, n in policy.scope(actor, Attendance)
        .filter(
            session__starts_at__lt=clock.now(),
            session__status__in=[Session.Status.SCHEDULED, Session.Status.COMPLETED],
        )
        .order_by()
        .values_list("session__kind", "status")
        .annotate(n=Count("pk"))
    }
    return {"programmes": programmes, "funnel": _funnel(funnel), "attendance": _attendance(attendance)}


def _funnel(counts: dict[str, int]) -> dict:
    total = sum(counts.values())
    steps = []
    for status in Enrolment.Status:
        count = counts.get(status.value, 0)
        steps.append(
            {
                "status": status.value,
                "label": status.label,
                "count": count,
                "percent": round(100 * count / total) if total else 0,
            }
        )
    return {"total": total, "steps": steps}


def _attendance(counts: dict[tuple[str, str], int]) -> list[dict]:
    rows = []
    for kind in Session.Kind:
        present, absent, excused, unmarked = (
            counts.get((kind.value, status), 0)
            for status in (
                Attendance.Status.PRESENT,
                Attendance.Status.ABSENT,
                Attendance.Status.EXCUSED,
                Attendance.Status.EXPECTED,
            )
        )
        marked = present + absent + excused
        rows.append(
            {
                "kind": kind.value,
                "label": kind.label,
                "present": present,
                "absent": absent,
                "excused": excused,
                "unmarked": unmarked,
                "marked": marked,
                "rate": round(100 * present / marked) if marked else None,
            }
        )
    return rows

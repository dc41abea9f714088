"""Reads of sessions, their participants and attendance, always through the policy."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import DateTimeField, DurationField, ExpressionWrapper, F, Prefetch, Q, QuerySet, Value
from django.http import Http404

from portal import clock, policy
from programmes.models import Attendance, Cohort, Enrolment, Session, UrgentRequest
from tenants.models import User

# Who is expected at a group session: every member of the cohort who has not left it.
EXPECTED_STATUSES = (Enrolment.Status.INVITED, Enrolment.Status.ACTIVE)
# Enrolments that can still book and be booked.
BOOKABLE_STATUSES = (Enrolment.Status.INVITED, Enrolment.Status.ACTIVE)

ENDS_AT = ExpressionWrapper(
    F("starts_at")
    + ExpressionWrapper(F("duration_minutes") * Value(timedelta(minutes=1)), output_field=DurationField()),
    output_field=DateTimeField(),
)


def with_ends(sessions: QuerySet) -> QuerySet:
    return sessions.annotate(ends=ENDS_AT)


def _listed(sessions: QuerySet) -> QuerySet:
    return sessions.select_related("coach", "cohort", "enrolment__employee")


def sessions_upcoming(*, actor: policy.Actor, limit: int | None = None) -> QuerySet[Session]:
    """Scheduled sessions that have not ended yet (one in progress still shows its link), soonest first."""
    sessions = (
        _listed(with_ends(policy.scope(actor, Session)))
        .filter(status=Session.Status.SCHEDULED, ends__gt=clock.now())
        .order_by("starts_at", "pk")
    )
    return sessions[:limit] if limit else sessions


def sessions_past(*, actor: policy.Actor, limit: int | None = None) -> QuerySet[Session]:
    """Sessions that have started or were cancelled, latest first."""
    now = clock.now()
    sessions = (
        _listed(policy.scope(actor, Session))
        .filter(Q(starts_at__lte=now) | Q(status=Session.Status.CANCELLED))
        .order_by("-starts_at", "-pk")
    )
    return sessions[:limit] if limit else sessions


def sessions_to_mark(*, actor: policy.Actor, limit: int = 20) -> QuerySet[Session]:
    """A coach's sessions that have started and whose attendance is not recorded yet."""
    return (
        _listed(policy.scope(actor, Session))
        .filter(
            coach_id=actor.user_id,
            status=Session.Status.SCHEDULED,
            starts_at__lte=clock.now(),
        )
        .order_by("-starts_at", "-pk")[:limit]
    )


def own_attendance(*, actor: policy.Actor) -> Prefetch:
    """Prefetch the actor's own attendance row on each session, as `my_attendance` (a list)."""
    return Prefetch(
        "attendances", queryset=policy.scope(actor, Attendance).filter(user_id=actor.user_id), to_attr="my_attendance"
    )


def session_get(*, actor: policy.Actor, pk: int) -> Session:
    """One session named by the request, with what its page shows, or the 404 of the policy."""
    return policy.get_or_404(
        actor,
        Session,
        _listed(Session.objects.all()).select_related("cancelled_by", "cohort__programme", "enrolment__programme"),
        pk=pk,
    )


def session_join_link(*, actor: policy.Actor, pk: int) -> str:
    """The video link of a coming video session the actor may join, or the policy's 404 (the link is
    blank on a row the policy read for someone who may not see it)."""
    session = session_get(actor=actor, pk=pk)
    if (
        session.mode != Session.Mode.VIDEO
        or not session.video_url
        or policy.hidden_fields(actor, session)
        or session.status != Session.Status.SCHEDULED
    ):
        raise Http404(policy.NOT_FOUND)
    return session.video_url


def expected_participants(session: Session) -> list[int]:
    """The user ids expected at `session`: the employee of a 1:1, the live members of a group's cohort."""
    if session.kind == Session.Kind.INDIVIDUAL:
        return [session.enrolment.employee_id]
    return list(
        Enrolment.objects.filter(cohort_id=session.cohort_id, status__in=EXPECTED_STATUSES)
        .order_by("employee__last_name", "employee__first_name")
        .values_list("employee_id", flat=True)
    )


def attendance_sheet(*, actor: policy.Actor, session: Session) -> list[Attendance]:
    """Everyone the coach marks for `session`: the rows recorded so far plus anyone expected without one
    (someone who joined the cohort after the session was planned), by name. Two queries at most."""
    rows = {row.user_id: row for row in policy.scope(actor, Attendance).filter(session=session).select_related("user")}
    if session.kind == Session.Kind.INDIVIDUAL:
        expected = [session.enrolment.employee]
    else:
        expected = [
            enrolment.employee
            for enrolment in policy.scope(actor, Enrolment)
            .filter(cohort_id=session.cohort_id, status__in=EXPECTED_STATUSES)
            .select_related("employee")
        ]
    for user in expected:
        rows.setdefault(user.pk, Attendance(session=session, user=user))
    return sorted(
        rows.values(), key=lambda row: (row.user.last_name.lower(), row.user.first_name.lower(), row.user.email)
    )


def bookable_enrolments(*, actor: policy.Actor) -> QuerySet[Enrolment]:
    """The actor's own enrolments that can book 1:1s, with their coach."""
    return (
        policy.scope(actor, Enrolment)
        .filter(employee_id=actor.user_id, status__in=BOOKABLE_STATUSES)
        .select_related("coach", "programme")
        .order_by("created_at", "pk")
    )


def coached_enrolments(*, actor: policy.Actor) -> QuerySet[Enrolment]:
    """The open enrolments a coach may plan a 1:1 for: the people whose 1:1 coach they are."""
    return (
        policy.scope(actor, Enrolment)
        .filter(coach_id=actor.user_id, status__in=BOOKABLE_STATUSES)
        .select_related("employee", "cohort")
        .order_by("employee__last_name", "employee__first_name", "employee__email")
    )


def coached_cohorts(*, actor: policy.Actor) -> QuerySet[Cohort]:
    """The cohorts a coach may plan group sessions for: those they coach."""
    return (
        policy.scope(actor, Cohort)
        .filter(coaches=actor.user_id)
        .select_related("programme")
        .order_by("programme__name", "name")
    )


def current_coach(*, actor: policy.Actor) -> User | None:
    """The 1:1 coach of the employee's latest open enrolment."""
    enrolment = bookable_enrolments(actor=actor).filter(coach__isnull=False).order_by("-created_at", "-pk").first()
    return enrolment.coach if enrolment is not None else None


def employee_busy(*, user_id: int, starts_at: datetime, ends_at: datetime) -> Session | None:
    """A scheduled session of this employee (1:1 or their cohort's group session) overlapping the time."""
    cohorts = Enrolment.objects.filter(employee_id=user_id, status__in=EXPECTED_STATUSES).values("cohort_id")
    return (
        with_ends(Session.objects.filter(status=Session.Status.SCHEDULED))
        .filter(Q(enrolment__employee_id=user_id) | Q(kind=Session.Kind.GROUP, cohort_id__in=cohorts))
        .filter(starts_at__lt=ends_at, ends__gt=starts_at)
        .first()
    )


# --- urgent requests to a coach ---------------------------------------------------------------------

URGENT_ANSWERED_SHOWN = timedelta(days=14)


def urgent_request_to_me(*, actor: policy.Actor, pk: int) -> UrgentRequest:
    """One urgent request made to the actor as coach (anyone else's, or a missing one: the policy's 404)."""
    return policy.get_or_404(
        actor,
        UrgentRequest,
        policy.scope(actor, UrgentRequest).select_related("employee"),
        coach_id=actor.user_id,
        pk=pk,
    )


def urgent_requests_waiting(*, actor: policy.Actor) -> int:
    """How many urgent requests to the actor as coach here nobody has marked as seen yet. One query."""
    return policy.scope(actor, UrgentRequest).filter(coach_id=actor.user_id, acknowledged_at__isnull=True).count()


def urgent_requests_to_me(*, actor: policy.Actor) -> QuerySet[UrgentRequest]:
    """The urgent requests made to the actor as coach here: those waiting (oldest first, the longest
    wait on top), then those answered in the last two weeks (newest first). One query."""
    since = clock.now() - URGENT_ANSWERED_SHOWN
    return (
        policy.scope(actor, UrgentRequest)
        .filter(coach_id=actor.user_id)
        .filter(Q(acknowledged_at__isnull=True) | Q(acknowledged_at__gte=since))
        .select_related("employee")
        .order_by(F("acknowledged_at").desc(nulls_first=True), "created_at")
    )

"""Reads for the coaching journal, always through the policy: reflections, goals, session follow-up, the
coach's view of the people they coach, and HR's aggregates (withheld below the minimum group size)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.db.models import Count, Exists, Min, OuterRef, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from assessments.models.journal import (
    ActionItem,
    CoachFeedback,
    Goal,
    GoalComment,
    Reflection,
    ReflectionReply,
    SessionFeedback,
    SessionNote,
    SessionSummary,
    SharedGoalProgress,
)
from assessments.models.pulse import Pulse
from assessments.policies import coachee_ids, session_participation
from assessments.read_audit import record_reads_of_many
from portal import clock, policy
from portal.formats import local_date_format
from programmes.models import Attendance, Cohort, Enrolment, Session
from reports import disclosure
from tenants.models import User

FOLLOW_UP_WINDOW = timedelta(days=60)  # reflections and ratings asked for
PULSE_WINDOW = timedelta(days=14)  # a pulse asked for
LIVE = ~Q(status=Enrolment.Status.WITHDRAWN)


# --- who takes part, who coaches whom -----------------------------------------------------------------


def participant_ids(session: Session) -> set[int]:
    """The employees of a session: the 1:1's employee, or everyone enrolled in the group's cohort."""
    if session.kind == Session.Kind.INDIVIDUAL:
        return {Enrolment.objects.values_list("employee_id", flat=True).get(pk=session.enrolment_id)}
    return set(Enrolment.objects.filter(LIVE, cohort_id=session.cohort_id).values_list("employee_id", flat=True))


def takes_part_in(*, actor: policy.Actor, session: Session) -> bool:
    return actor.is_employee and actor.user_id in participant_ids(session)


def coaches(*, actor: policy.Actor, employee_id: int) -> bool:
    return coachee_ids(actor).filter(employee_id=employee_id).exists()


def session_has_taken_place(session: Session) -> bool:
    return session.status != Session.Status.CANCELLED and session.starts_at <= clock.now()


def coaches_of(*, employee_id: int) -> list:
    """The people who coach `employee_id` here (for "who can see this" notes), in one query."""
    return list(coaches_of_rows(employee_id=employee_id))


def coaches_of_rows(*, employee_id: int) -> QuerySet:
    enrolments = Enrolment.objects.filter(LIVE, employee_id=employee_id)
    return (
        User.objects.filter(
            Q(pk__in=enrolments.values("coach_id"))
            | Q(
                pk__in=Cohort.coaches.through.objects.filter(cohort_id__in=enrolments.values("cohort_id")).values(
                    "user_id"
                )
            )
        )
        .order_by("first_name", "last_name")
        .only("first_name", "last_name", "email")
    )


def coachees(*, actor: policy.Actor) -> list:
    """The employees the acting coach coaches here, by name."""

    return list(
        User.objects.filter(pk__in=coachee_ids(actor))
        .order_by("first_name", "last_name")
        .only("first_name", "last_name", "email")
    )


# --- sessions to follow up ----------------------------------------------------------------------------


def _sessions(actor: policy.Actor) -> QuerySet[Session]:
    """Sessions the actor takes part in or leads (a coach may see more sessions, but follows up only these)."""
    mine = session_participation(actor)
    if actor.is_coach:
        mine |= Q(coach_id=actor.user_id)
    # The enrolment comes along: the policy reads it to decide who sees how to join a 1:1.
    return policy.scope(actor, Session, Session.objects.filter(mine).select_related("enrolment"))


def participated_sessions(actor: policy.Actor) -> QuerySet[Session]:
    """The sessions the acting employee takes part in (their 1:1s and their cohorts' group sessions), read in
    the employee role: the policy's rule for that role is exactly their participation, so the one filter
    serves both (a coach's own sessions never come along). Nothing for someone who is not an employee here."""
    if not actor.is_employee:
        return Session.objects.none()
    employee = actor.acting_as(policy.EMPLOYEE)
    # The enrolment comes along: the policy reads it to decide who sees how to join a 1:1.
    return policy.scope(employee, Session, Session.objects.select_related("enrolment"))


def follow_up_session(*, actor: policy.Actor, pk) -> Session:
    try:
        return _sessions(actor).select_related("coach", "cohort", "enrolment__employee").get(pk=pk)
    except (Session.DoesNotExist, ValueError, TypeError):
        raise Http404(policy.NOT_FOUND) from None


def session_label(session: Session) -> str:
    """How a session is named in lists and choices: its date and its title or kind."""
    when = local_date_format(timezone.localtime(session.starts_at), "j M Y")
    return f"{when} · {session.title or session.get_kind_display()}"


SESSION_CHOICES = 30  # the newest sessions a reflection can name


def session_choices_of(sessions) -> list[tuple[int, str]]:
    """The choices of a reflection's session, from `sessions_for_reflection`'s first SESSION_CHOICES."""
    return [(session.pk, session_label(session)) for session in sessions]


def sessions_for_reflection(*, actor: policy.Actor) -> QuerySet[Session]:
    """The employee's sessions a reflection can be linked to: held ones, newest first."""
    return (
        participated_sessions(actor)
        .filter(starts_at__lte=clock.now())
        .exclude(status=Session.Status.CANCELLED)
        .order_by("-starts_at")
    )


@dataclass(frozen=True)
class AfterSessions:
    """What the employee still owes their recent sessions."""

    follow_ups: list[Session]  # held in the last weeks, waiting for their reflection or rating, newest first
    pulse_after: Session | None  # the latest of the last two weeks that ended or that they attended, without a pulse


def after_sessions_rows(*, actor: policy.Actor) -> QuerySet[Session]:
    """The employee's sessions of the last weeks that may still wait for their reflection, rating or pulse,
    each with what they gave it, newest first: the rows `after_sessions_of` reads. A read of the person's
    own sessions of those weeks (its size follows their calendar, not the organisation's)."""
    now, me = clock.now(), actor.user_id
    return (
        participated_sessions(actor)
        .filter(starts_at__range=(now - FOLLOW_UP_WINDOW, now))
        .exclude(status=Session.Status.CANCELLED)
        .annotate(
            reflected=Exists(Reflection.objects.filter(employee_id=me, session_id=OuterRef("pk"))),
            rated=Exists(SessionFeedback.objects.filter(employee_id=me, session_id=OuterRef("pk"))),
            pulsed=Exists(Pulse.objects.filter(employee_id=me, session_id=OuterRef("pk"))),
            attended=Exists(
                Attendance.objects.filter(session_id=OuterRef("pk"), user_id=me, status=Attendance.Status.PRESENT)
            ),
        )
        .filter(Q(reflected=False) | Q(rated=False) | Q(starts_at__gte=now - PULSE_WINDOW, pulsed=False))
        .select_related("coach")
        .order_by("-starts_at", "-pk")
    )


def after_sessions_of(rows: list[Session], limit: int = 6) -> AfterSessions:
    """From `after_sessions_rows`: the held sessions still waiting for a reflection or rating (at most
    `limit`), and the latest of the last two weeks that ended or that they attended without their pulse."""
    pulse_since = clock.now() - PULSE_WINDOW
    return AfterSessions(
        follow_ups=[session for session in rows if not (session.reflected and session.rated)][:limit],
        pulse_after=next(
            (
                session
                for session in rows
                if session.starts_at >= pulse_since
                and not session.pulsed
                and (session.status == Session.Status.COMPLETED or session.attended)
            ),
            None,
        ),
    )


def after_sessions(*, actor: policy.Actor, limit: int = 6) -> AfterSessions:
    """What the employee still owes their recent sessions (one query)."""
    if not actor.is_employee:
        return AfterSessions([], None)
    return after_sessions_of(list(after_sessions_rows(actor=actor)), limit)


def overdue_by_person(*, actor: policy.Actor, limit: int = 8) -> list[dict]:
    """For a coach: how many overdue actions each person they coach has (names and counts, no content)."""
    return list(
        policy.scope(actor, ActionItem)
        .filter(done_at__isnull=True, due_on__lt=clock.today(), goal__status=Goal.Status.ACTIVE)
        .exclude(goal__employee_id=actor.user_id)
        .order_by()
        .values("goal__employee_id", "goal__employee__first_name", "goal__employee__last_name")
        .annotate(count=Count("pk"), oldest=Min("due_on"))
        .order_by("oldest")[:limit]
    )


def recently_shared(*, actor: policy.Actor, limit: int = 6) -> list[Reflection]:
    """For a coach: reflections shared with them lately that they have not answered (no text loaded)."""
    answered = ReflectionReply.objects.filter(reflection_id=OuterRef("pk"), author_id=actor.user_id)
    return list(
        policy.scope(actor, Reflection)
        .filter(shared_with_coach=True)
        .exclude(employee_id=actor.user_id)
        .exclude(Exists(answered))
        .select_related("employee")
        .only("pk", "shared_at", "created_at", "employee__first_name", "employee__last_name", "employee__email")
        .order_by("-shared_at", "-pk")[:limit]
    )


def coach_follow_ups(*, actor: policy.Actor, limit: int = 8) -> list[Session]:
    """The coach's held sessions of the last weeks without a summary or a private note yet."""
    now = clock.now()
    return list(
        Session.objects.filter(coach_id=actor.user_id, starts_at__range=(now - FOLLOW_UP_WINDOW, now))
        .exclude(status=Session.Status.CANCELLED)
        .annotate(
            summarised=Exists(SessionSummary.objects.filter(session_id=OuterRef("pk"))),
            noted=Exists(SessionNote.objects.filter(session_id=OuterRef("pk"), author_id=actor.user_id)),
        )
        .filter(Q(summarised=False) | Q(noted=False))
        .select_related("cohort", "enrolment__employee")
        .order_by("-starts_at")[:limit]
    )


@dataclass
class FollowUp:
    session: Session
    participants: list  # users, for the coach; the employee alone otherwise
    reflections: list  # the employee's own reflections on this session
    my_rating: SessionFeedback | None
    feedback_for_me: CoachFeedback | None
    summary: SessionSummary | None
    note: SessionNote | None  # the coach's own private note
    ratings: dict  # coach: employee id -> SessionFeedback
    feedback_given: dict  # coach: employee id -> CoachFeedback
    leads: bool
    held: bool


def follow_up(*, actor: policy.Actor, session: Session) -> FollowUp:
    """Everything about one session that this actor may see, each piece through its own policy rule."""

    leads = actor.is_coach and session.coach_id == actor.user_id
    takes_part = actor.is_employee and not leads
    summary = policy.scope(actor, SessionSummary).filter(session=session).first()
    if leads:
        participants = list(
            User.objects.filter(pk__in=participant_ids(session))
            .order_by("first_name", "last_name")
            .only("first_name", "last_name", "email")
        )
        ratings = {f.employee_id: f for f in policy.scope(actor, SessionFeedback).filter(session=session)}
        given = {f.employee_id: f for f in policy.scope(actor, CoachFeedback).filter(session=session)}
        note = policy.scope(actor, SessionNote).filter(session=session).first()
        return FollowUp(
            session, participants, [], None, None, summary, note, ratings, given, True, session_has_taken_place(session)
        )
    reflections = (
        list(policy.scope(actor, Reflection).filter(session=session, employee_id=actor.user_id)) if takes_part else []
    )
    my_rating = policy.scope(actor, SessionFeedback).filter(session=session, employee_id=actor.user_id).first()
    for_me = policy.scope(actor, CoachFeedback).filter(session=session, employee_id=actor.user_id).first()
    return FollowUp(
        session, [], reflections, my_rating, for_me, summary, None, {}, {}, False, session_has_taken_place(session)
    )


# --- reflections --------------------------------------------------------------------------------------


def reflections_list(
    *, actor: policy.Actor, employee_id: int | None = None, shared: bool | None = None, search: str = ""
) -> QuerySet[Reflection]:
    """Visible reflections; the filters only narrow what the policy already allows. Give the actor in
    the role the list is shown in (`policy.lens`): the employee's list holds their own only."""
    rows = policy.scope(actor, Reflection).select_related("employee", "session").annotate(reply_count=Count("replies"))
    if employee_id is not None:
        rows = rows.filter(employee_id=employee_id)
    if shared is not None:
        rows = rows.filter(shared_with_coach=shared)
    if search:
        rows = rows.filter(body__icontains=search)
    return rows.order_by("-created_at", "-pk")


def reflection_get(*, actor: policy.Actor, pk, own: bool = False) -> Reflection:
    """One reflection named by the request; `own` for changes, which only its writer may make."""
    base = Reflection.objects.filter(employee_id=actor.user_id) if own else None
    return policy.get_or_404(actor, Reflection, base, pk=pk)


def reflections_shared_with_me(*, actor: policy.Actor, employee_id: int | None = None) -> QuerySet[Reflection]:
    """The coach's list: reflections the people they coach shared with them, by date and writer, without
    their text (opening one is the read their writer sees in the log)."""
    return reflections_list(actor=actor, employee_id=employee_id).exclude(employee_id=actor.user_id).defer("body")


def reflection_read(*, actor: policy.Actor, pk) -> tuple[Reflection, list[ReflectionReply]]:
    """A reflection opened to read it, with its replies; a reader other than the writer is logged (by the
    policy, as every row of someone's content it hands out)."""
    reflection = policy.get_or_404(
        actor, Reflection, Reflection.objects.select_related("employee", "session__coach"), pk=pk
    )
    replies = list(policy.scope(actor, ReflectionReply).filter(reflection=reflection).select_related("author"))
    return reflection, replies


# --- goals --------------------------------------------------------------------------------------------


def _open_actions(prefix: str = "") -> Q:
    return Q(**{f"{prefix}done_at__isnull": True})


def goals_list(
    *, actor: policy.Actor, employee_id: int | None = None, status: str | None = None, search: str = ""
) -> QuerySet[Goal]:
    today = clock.today()
    rows = (
        policy.scope(actor, Goal)
        .select_related("employee")
        .annotate(
            open_actions=Count("actions", filter=_open_actions("actions__")),
            overdue_actions=Count("actions", filter=_open_actions("actions__") & Q(actions__due_on__lt=today)),
        )
    )
    if employee_id is not None:
        rows = rows.filter(employee_id=employee_id)
    if status:
        rows = rows.filter(status=status)
    if search:
        rows = rows.filter(Q(title__icontains=search) | Q(why__icontains=search))
    return rows.order_by("status", "target_date", "-created_at", "pk")


def goal_get(*, actor: policy.Actor, pk, own: bool = False) -> Goal:
    base = Goal.objects.filter(employee_id=actor.user_id) if own else None
    return policy.get_or_404(actor, Goal, base, pk=pk)


def goal_read(*, actor: policy.Actor, pk) -> Goal:
    """A goal with its options, actions, check-ins and comments; a reader other than its owner is logged
    (by the policy: the goal is the read, its parts come with it)."""
    return policy.get_or_404(
        actor,
        Goal,
        Goal.objects.select_related("employee").prefetch_related(
            "options__added_by",
            "actions",
            "check_ins",
            Prefetch("comments", GoalComment.objects.select_related("author")),
        ),
        pk=pk,
    )


def strongest_option(goal: Goal):
    """The option the employee rated best (impact, then feasibility): the choice offered to them."""
    rated = [o for o in goal.options.all() if o.impact and o.feasibility]
    if len(rated) < 2:
        return None
    return max(rated, key=lambda o: (o.impact * o.feasibility, o.impact, -o.pk))


def overdue_actions(
    *, actor: policy.Actor, employee_id: int | None = None, limit: int = 10, others_only: bool = False
) -> list[ActionItem]:
    """Open actions past their due date on active goals the actor may see, oldest first (`others_only`:
    not the actor's own, for a coach's list)."""
    return list(overdue_actions_rows(actor=actor, employee_id=employee_id, others_only=others_only)[:limit])


def overdue_actions_rows(
    *, actor: policy.Actor, employee_id: int | None = None, others_only: bool = False
) -> QuerySet[ActionItem]:
    rows = (
        policy.scope(actor, ActionItem)
        .filter(done_at__isnull=True, due_on__lt=clock.today(), goal__status=Goal.Status.ACTIVE)
        .select_related("goal__employee")
        .order_by("due_on", "pk")
    )
    if employee_id is not None:
        rows = rows.filter(goal__employee_id=employee_id)
    if others_only:
        rows = rows.exclude(goal__employee_id=actor.user_id)
    return rows


def overdue_count(*, actor: policy.Actor) -> int:
    return (
        policy.scope(actor, ActionItem)
        .filter(done_at__isnull=True, due_on__lt=clock.today(), goal__status=Goal.Status.ACTIVE)
        .count()
    )


def shared_goal_progress(*, actor: policy.Actor) -> list[dict]:
    """HR: progress and status of the goals employees chose to share; never their title or why."""
    rows = list(
        policy.scope(actor, SharedGoalProgress)
        .order_by("employee__last_name", "employee__first_name", "pk")
        .values(
            "pk",
            "employee_id",
            "employee__first_name",
            "employee__last_name",
            "progress",
            "status",
            "target_date",
            "updated_at",
        )
    )
    for row in rows:
        row["status_label"] = Goal.Status(row["status"]).label
    # Read as values, not rows, so the policy does not see them go out: recorded here.
    record_reads_of_many(actor=actor, kind="goal", pairs=[(row["employee_id"], row["pk"]) for row in rows])
    return rows


# --- HR: aggregates only ------------------------------------------------------------------------------


@dataclass
class Figure:
    """One aggregate: its value, or None with the reason it is withheld."""

    value: float | int | None
    withheld: bool = False


@dataclass
class GroupFigures:
    label: str
    programme: str
    people: int
    withheld: bool  # the whole group is below the minimum
    reflections: Figure
    goals: Figure
    people_with_goals: Figure
    average_progress: Figure
    actions_done: Figure
    actions_overdue: Figure
    ratings: Figure
    average_rating: Figure


def _figures(label: str, programme: str, people: int, cells: disclosure.Released, **where) -> GroupFigures:
    """A group's journal figures from the released cells (reports.disclosure): each kind of figure stands
    on its own contributors (writers, goal setters, people with actions, raters)."""
    reflections = cells.total("reflections", **where)
    goals = cells.total("goals", **where)
    actions = cells.total("actions", **where)
    ratings = cells.total("ratings", **where)

    def figure(total, value) -> Figure:
        return Figure(value) if total.shown else Figure(None, withheld=True)

    average_progress = goals.mean("progress", "goals")
    average_rating = ratings.mean("sum", "count")
    return GroupFigures(
        label=label,
        programme=programme,
        people=people,
        withheld=not any(total.shown for total in (reflections, goals, actions, ratings)),
        reflections=figure(reflections, int(reflections["reflections"])),
        goals=figure(goals, int(goals["goals"])),
        people_with_goals=figure(goals, goals.contributors),
        average_progress=figure(goals, round(average_progress) if average_progress is not None else None),
        actions_done=figure(actions, int(actions["done"])),
        actions_overdue=figure(actions, int(actions["overdue"])),
        ratings=figure(ratings, int(ratings["count"])),
        average_rating=figure(ratings, round(average_rating, 1) if average_rating is not None else None),
    )


JOURNAL_KINDS = ("reflections", "goals", "actions", "ratings")


def engagement_overview(*, actor: policy.Actor) -> dict:
    """HR's view of the journal: counts and averages per cohort and for the organisation, each a sum of
    the cells reports.disclosure released (the organisation's row adds the released cells of every cohort,
    so it never opens a withheld one). Two queries however large."""
    policy.require(actor, policy.HR_MANAGER)
    # 1: the cohorts, with how many people are enrolled in each (administrative: HR's to see)
    cohorts = list(
        Cohort.objects.select_related("programme")
        .annotate(
            people=Count(
                "enrolments__employee", filter=~Q(enrolments__status=Enrolment.Status.WITHDRAWN), distinct=True
            )
        )
        .order_by("-programme__starts_on", "programme__name", "name")
    )
    # 2: the released cells
    cells = disclosure.released(actor=actor, kinds=JOURNAL_KINDS)
    rows = [
        _figures(cohort.name, cohort.programme.name, cohort.people, cells, cohort_id=cohort.pk) for cohort in cohorts
    ]
    people = Enrolment.objects.filter(LIVE).values("employee_id").distinct().count()
    return {
        "cohorts": rows,
        "organisation": _figures("", "", people, cells),
        "minimum": disclosure.threshold(),
        "released_on": cells.released_on,
    }


def organisation_figures(*, actor: policy.Actor) -> GroupFigures:
    """The organisation's journal figures over the released cells; two queries."""
    policy.require(actor, policy.HR_MANAGER)
    people = Enrolment.objects.filter(LIVE).values("employee_id").distinct().count()
    return _figures("", "", people, disclosure.released(actor=actor, kinds=JOURNAL_KINDS))

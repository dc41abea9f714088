"""The personal progress report: one employee's programmes, attendance, credits, assessment results, goals
and the reflections chosen for it.

Everything is read as the person asking for the report (the employee, or one of their coaches here), so
the report holds exactly what that reader may see on the pages: a coach gets released results, the goals
and only the reflections the employee shared with them; never the private ones. A coach's download is
recorded in the employee's "who has seen my data" log by the policy, as each row of their content is read.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, Prefetch, Q
from django.http import Http404
from django.utils import timezone

from assessments.models import ActionItem, CheckIn, Goal, Reflection
from assessments.policies import coachee_ids
from assessments.selectors.results import ResultGroup, results_of
from portal import policy
from programmes.models import Attendance, Enrolment, Session
from programmes.selectors.credits import with_credits
from tenants.models import User


@dataclass
class PersonalReport:
    person: User
    for_coach: bool
    enrolments: list[Enrolment]
    attendance: dict[str, int]
    results: list[ResultGroup]
    goals: list[Goal]
    reflections: list[Reflection]
    generated_at: object = field(default_factory=timezone.now)

    @property
    def sessions_attended(self) -> int:
        return self.attendance.get(Attendance.Status.PRESENT, 0)

    @property
    def credits_left(self) -> int:
        return sum(
            max(enrolment.credits_left, 0)
            for enrolment in self.enrolments
            if enrolment.status != Enrolment.Status.WITHDRAWN
        )

    @property
    def credits_used(self) -> int:
        return sum(enrolment.credits_used for enrolment in self.enrolments)

    @property
    def goals_achieved(self) -> int:
        return sum(1 for goal in self.goals if goal.status == Goal.Status.ACHIEVED)


def report_subject(*, actor: policy.Actor, user_id: int) -> User:
    """The employee a report is about: the actor themselves, or someone they coach here; else 404."""
    if actor.is_employee and user_id == actor.user_id:
        return actor.user
    if not actor.is_coach:
        raise Http404(policy.NOT_FOUND)
    rows = policy.scope(actor, User).filter(pk__in=coachee_ids(actor))
    return policy.get_or_404(actor, User, rows, pk=user_id)


def reflection_choices(*, actor: policy.Actor) -> list[Reflection]:
    """The employee's own reflections, to choose which go into their report."""
    return list(
        policy.scope(actor, Reflection)
        .filter(employee_id=actor.user_id)
        .select_related("session")
        .order_by("-created_at", "-pk")
    )


def personal_report(*, actor: policy.Actor, person: User, reflection_ids: list[int] | None = None) -> PersonalReport:
    """Everything the report shows about `person`, as `actor` may see it. A fixed number of queries.

    `reflection_ids`: the employee's choice for their own report. A coach's report holds the reflections
    shared with them, which is all the policy lets a coach read.
    """
    own = person.pk == actor.user_id
    enrolments = list(
        with_credits(policy.scope(actor, Enrolment).filter(employee=person))
        .select_related("programme", "cohort", "coach")
        .order_by("-programme__starts_on")
    )
    attendance = dict(
        policy.scope(actor, Attendance)
        .filter(user=person, session__starts_at__lt=timezone.now())
        .exclude(session__status=Session.Status.CANCELLED)
        .order_by()
        .values_list("status")
        .annotate(n=Count("pk"))
    )
    results = results_of(actor=actor, employee_id=person.pk)
    goals = list(
        policy.scope(actor, Goal)
        .filter(employee=person)
        .prefetch_related(
            Prefetch("actions", policy.scope(actor, ActionItem).order_by("done_at", "due_on", "pk")),
            Prefetch(
                "check_ins", policy.scope(actor, CheckIn).order_by("-created_at", "-pk"), to_attr="latest_check_ins"
            ),
        )
        .order_by("status", "target_date", "-created_at")
    )
    reflections = policy.scope(actor, Reflection).filter(employee=person).select_related("session")
    if own:
        reflections = reflections.filter(pk__in=reflection_ids or [])
    else:
        reflections = reflections.filter(Q(shared_with_coach=True))
    reflections = list(reflections.order_by("created_at", "pk"))
    return PersonalReport(
        person=person,
        for_coach=not own,
        enrolments=enrolments,
        attendance=attendance,
        results=results,
        goals=goals,
        reflections=reflections,
    )

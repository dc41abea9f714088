"""The journal part of the test world, on top of the programmes and sessions parts.

In each organisation (keys in `org.people`):
  j_session        a 1:1 of `employee` with the organisation's coach, yesterday
  j_group          a group session of cohort B (employee2's, led by the coach of both organisations), two days ago
  j_private        a private reflection of `employee` on j_session
  j_shared         a reflection of `employee` shared with their coach, with the coach's reply
  j_goal           a goal of `employee` (progress shared with HR) with an option, an overdue action, a check-in
                   and a comment of the coach; j_option and j_action name the option and the action
  j_rating         `employee`'s rating of j_session; j_coach_feedback the coach's feedback for them on it
  j_note           the coach's private note on j_session; j_summary its shared summary
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.utils import timezone
from django_tenants.utils import tenant_context

from assessments.models.journal import (
    ActionItem,
    CheckIn,
    CoachFeedback,
    Goal,
    GoalComment,
    GoalOption,
    Reflection,
    ReflectionReply,
    SessionFeedback,
    SessionNote,
    SessionSummary,
)
from programmes.models import Attendance, Enrolment, Session
from programmes.services.attendance_counts import attendance_counts_refresh

_known: dict[str, dict] = {}


def _at(days: int, hour: int) -> datetime:
    return timezone.make_aware(datetime.combine(timezone.localdate() + timedelta(days=days), time(hour)))


def _build(org, world) -> dict:
    enrolment = Enrolment.objects.get(pk=org.people["enrolment"])
    one_to_one = Session.objects.filter(title="Journal: 1:1", enrolment=enrolment).first()
    if one_to_one is None:
        one_to_one = Session.objects.create(
            kind=Session.Kind.INDIVIDUAL,
            enrolment=enrolment,
            coach=org.coach,
            title="Journal: 1:1",
            starts_at=_at(-1, 9),
            created_by=org.employee,
        )
        Attendance.objects.create(session=one_to_one, user=org.employee, status=Attendance.Status.PRESENT)
        group = Session.objects.create(
            kind=Session.Kind.GROUP,
            cohort_id=org.people["cohort_b"],
            coach=world.coach_both,
            title="Journal: group",
            starts_at=_at(-2, 14),
            created_by=world.coach_both,
        )
        Attendance.objects.create(session=group, user=org.employee2, status=Attendance.Status.PRESENT)
        attendance_counts_refresh(session_ids=[one_to_one.pk, group.pk])
        Reflection.objects.create(employee=org.employee, session=one_to_one, body="A private thought.")
        shared = Reflection.objects.create(
            employee=org.employee,
            session=one_to_one,
            body="A shared thought.",
            shared_with_coach=True,
            shared_at=timezone.now(),
        )
        ReflectionReply.objects.create(reflection=shared, author=org.coach, body="Thank you for sharing.")
        goal = Goal.objects.create(
            employee=org.employee,
            title="Speak up in planning",
            why="It matters.",
            progress=40,
            progress_shared_with_hr=True,
        )
        GoalOption.objects.create(goal=goal, title="Prepare one point", added_by=org.employee, impact=4, feasibility=5)
        ActionItem.objects.create(goal=goal, title="Draft the point", due_on=timezone.localdate() - timedelta(days=5))
        CheckIn.objects.create(goal=goal, author=org.employee, progress=40, note="Started.")
        GoalComment.objects.create(goal=goal, author=org.coach, body="Good start.")
        SessionFeedback.objects.create(session=one_to_one, employee=org.employee, rating=4, comment="Useful.")
        CoachFeedback.objects.create(session=one_to_one, coach=org.coach, employee=org.employee, body="Well done.")
        SessionNote.objects.create(session=one_to_one, author=org.coach, body="Private observation.")
        SessionSummary.objects.create(session=one_to_one, author=org.coach, body="We agreed on a next step.")
    goal = Goal.objects.get(employee=org.employee, title="Speak up in planning")
    return {
        "j_session": one_to_one.pk,
        "j_group": Session.objects.get(title="Journal: group").pk,
        "j_private": Reflection.objects.get(employee=org.employee, body="A private thought.").pk,
        "j_shared": Reflection.objects.get(employee=org.employee, body="A shared thought.").pk,
        "j_goal": goal.pk,
        "j_option": goal.options.values_list("pk", flat=True).first(),
        "j_action": goal.actions.values_list("pk", flat=True).first(),
        "j_rating": SessionFeedback.objects.get(session=one_to_one, employee=org.employee).pk,
        "j_coach_feedback": CoachFeedback.objects.get(session=one_to_one, employee=org.employee).pk,
        "j_note": SessionNote.objects.get(session=one_to_one).pk,
        "j_summary": SessionSummary.objects.get(session=one_to_one).pk,
    }


def journal_world(world) -> None:
    for org in (world.acme, world.globex):
        schema = org.organisation.schema_name
        if schema not in _known:
            with tenant_context(org.organisation):
                _known[schema] = _build(org, world)
        org.people.update(_known[schema])

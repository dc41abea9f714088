"""Access cases of the coaching journal, and the journal part of the test world they need.

In each organisation (keys in `org.people`, added by `journal_world`, a hook in tests/world_hooks.py):
  j_session        a 1:1 of `employee` with the organisation's coach, yesterday
  j_group          a group session of cohort B (employee2's, led by the coach of both organisations), two days ago
  j_private        a private reflection of `employee` on j_session
  j_shared         a reflection of `employee` shared with their coach, with the coach's reply
  j_goal           a goal of `employee` (progress shared with HR) with an option, an overdue action, a check-in
                   and a comment of the coach; j_option and j_action name the option and the action
  j_rating         `employee`'s rating of j_session; j_coach_feedback the coach's feedback for them on it
  j_note           the coach's private note on j_session; j_summary its shared summary

The roles of the matrix, in these terms: `employee` owns everything; `coach` is their coach (enrolment and
cohort A) and leads j_session; `coach_both` coaches employee2 only; `hr` sees aggregates only.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.utils import timezone
from django_tenants.utils import tenant_context

from tests.access import Case, api, only

_known: dict[str, dict] = {}


def _at(days: int, hour: int) -> datetime:
    return timezone.make_aware(datetime.combine(timezone.localdate() + timedelta(days=days), time(hour)))


def _build(org, world) -> dict:
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


def pk(key: str):
    return lambda world, org: {"pk": world.org(org).people[key]}


def session(key: str = "j_session"):
    return lambda world, org: {"session_pk": world.org(org).people[key]}


def goal_part(key: str, name: str):
    return lambda world, org: {"pk": world.org(org).people["j_goal"], name: world.org(org).people[key]}


def body_for_session(**extra):
    return lambda world, org: {"session": world.org(org).people["j_session"], **extra}


JSON = "application/json"

CASES = [
    # Reflections (pages)
    Case("reflections", only("employee coach coach_both")),
    Case("reflections", only("employee", 302), method="post", data={"body": "New reflection."}),
    Case("reflection_detail", only("employee coach"), kwargs=pk("j_shared")),
    Case("reflection_detail", only("employee"), kwargs=pk("j_private")),
    Case("reflection_edit", only("employee"), kwargs=pk("j_private")),
    Case("reflection_sharing", only("employee", 302), method="post", kwargs=pk("j_private"), data={"shared": "1"}),
    Case("reflection_delete", only("employee", 302), method="post", kwargs=pk("j_private")),
    Case(
        "reflection_reply", only("employee coach", 302), method="post", kwargs=pk("j_shared"), data={"body": "A reply."}
    ),
    Case("reflection_reply", only("employee", 302), method="post", kwargs=pk("j_private"), data={"body": "x"}),
    # Goals (pages)
    Case("goals", only("employee coach coach_both")),
    Case("goals", only("employee", 302), method="post", data={"title": "A new goal"}),
    Case("goal_detail", only("employee coach"), kwargs=pk("j_goal")),
    Case("goal_edit", only("employee"), kwargs=pk("j_goal")),
    Case("goal_sharing", only("employee", 302), method="post", kwargs=pk("j_goal"), data={"shared": "0"}),
    Case("goal_delete", only("employee", 302), method="post", kwargs=pk("j_goal")),
    Case(
        "goal_option_add",
        only("employee coach", 302),
        method="post",
        kwargs=pk("j_goal"),
        data={"title": "Another option"},
    ),
    Case("goal_option_delete", only("employee", 302), method="post", kwargs=goal_part("j_option", "option_pk")),
    Case(
        "goal_decide",
        only("employee", 302),
        method="post",
        kwargs=pk("j_goal"),
        data=lambda world, org: {"option": world.org(org).people["j_option"], "decision": ""},
    ),
    Case("goal_action_add", only("employee", 302), method="post", kwargs=pk("j_goal"), data={"title": "Next step"}),
    Case(
        "goal_action_done",
        only("employee", 302),
        method="post",
        kwargs=goal_part("j_action", "action_pk"),
        data={"done": "1"},
    ),
    Case("goal_action_delete", only("employee", 302), method="post", kwargs=goal_part("j_action", "action_pk")),
    Case("goal_check_in", only("employee", 302), method="post", kwargs=pk("j_goal"), data={"progress": "55"}),
    Case("goal_comment", only("employee coach", 302), method="post", kwargs=pk("j_goal"), data={"body": "Noted."}),
    # Following up a session
    Case("session_follow_up", only("employee coach"), kwargs=session()),
    Case("session_follow_up", only("coach_both"), kwargs=session("j_group")),
    Case("session_rating", only("employee", 302), method="post", kwargs=session(), data={"rating": "5"}),
    Case(
        "session_coach_feedback",
        only("coach", 302),
        method="post",
        kwargs=lambda world, org: {
            "session_pk": world.org(org).people["j_session"],
            "employee_pk": world.org(org).employee.pk,
        },
        data=lambda world, org: {f"p{world.org(org).employee.pk}-body": "Keep going."},
    ),
    Case("session_note", only("coach", 302), method="post", kwargs=session(), data={"body": "Private."}),
    Case("session_note_delete", only("coach", 302), method="post", kwargs=session()),
    Case("session_summary", only("coach", 302), method="post", kwargs=session(), data={"body": "Summary."}),
    Case("journal_engagement", only("hr")),
    Case("access_log", only("employee")),
    # API: reflections
    Case("reflection-list", api("employee coach coach_both")),
    Case("reflection-list", api("employee", 201), method="post", data={"body": "Via the API."}, content_type=JSON),
    Case("reflection-detail", api("employee coach"), kwargs=pk("j_shared")),
    Case("reflection-detail", api("employee"), kwargs=pk("j_private")),
    Case(
        "reflection-detail",
        api("employee"),
        method="patch",
        kwargs=pk("j_shared"),
        data={"shared_with_coach": False},
        content_type=JSON,
    ),
    Case("reflection-detail", api("employee", 204), method="delete", kwargs=pk("j_private")),
    Case(
        "reflection-replies",
        api("employee coach", 201),
        method="post",
        kwargs=pk("j_shared"),
        data={"body": "Reply."},
        content_type=JSON,
    ),
    # API: goals and their parts
    Case("goal-list", api("employee coach coach_both")),
    Case(
        "goal-list", api("employee", 201), method="post", data={"title": "A goal", "why": "Because."}, content_type=JSON
    ),
    Case("goal-detail", api("employee coach"), kwargs=pk("j_goal")),
    Case("goal-detail", api("employee"), method="patch", kwargs=pk("j_goal"), data={"progress": 60}, content_type=JSON),
    Case("goal-detail", api("employee", 204), method="delete", kwargs=pk("j_goal")),
    Case(
        "goal-options",
        api("employee coach", 201),
        method="post",
        kwargs=pk("j_goal"),
        data={"title": "Option"},
        content_type=JSON,
    ),
    Case(
        "goal-actions",
        api("employee", 201),
        method="post",
        kwargs=pk("j_goal"),
        data={"title": "Step"},
        content_type=JSON,
    ),
    Case(
        "goal-check-ins",
        api("employee", 201),
        method="post",
        kwargs=pk("j_goal"),
        data={"progress": 50},
        content_type=JSON,
    ),
    Case(
        "goal-comments",
        api("employee coach", 201),
        method="post",
        kwargs=pk("j_goal"),
        data={"body": "Hm."},
        content_type=JSON,
    ),
    Case(
        "goal-decision",
        api("employee"),
        method="post",
        kwargs=pk("j_goal"),
        data={"decision": "I will."},
        content_type=JSON,
    ),
    Case("goal-option", api("employee", 204), method="delete", kwargs=goal_part("j_option", "option_pk")),
    Case("action-item-detail", api("employee", 204), method="delete", kwargs=pk("j_action")),
    Case("action-item-list", api("employee coach coach_both")),
    Case("action-item-detail", api("employee coach"), kwargs=pk("j_action")),
    Case(
        "action-item-detail",
        api("employee"),
        method="patch",
        kwargs=pk("j_action"),
        data={"done": True},
        content_type=JSON,
    ),
    # API: feedback, notes, summaries. A session the caller neither leads nor takes part in is bad input
    # (400, the same as a session that does not exist); a role that cannot write here gets the 404.
    Case("session-feedback-list", api("employee coach coach_both")),
    Case(
        "session-feedback-list",
        {**api("employee", 201), "coach_both": 400},
        method="post",
        data=body_for_session(rating=4),
        content_type=JSON,
    ),
    Case("session-feedback-detail", api("employee coach"), kwargs=pk("j_rating")),
    Case("coach-feedback-list", api("employee coach coach_both")),
    Case(
        "coach-feedback-list",
        {**api("coach", 201), "coach_both": 400},
        method="post",
        data=lambda world, org: {
            "session": world.org(org).people["j_session"],
            "employee": world.org(org).employee.pk,
            "body": "Feedback.",
        },
        content_type=JSON,
    ),
    Case("coach-feedback-detail", api("employee coach"), kwargs=pk("j_coach_feedback")),
    Case("session-note-list", api("coach coach_both")),
    Case(
        "session-note-list",
        {**api("coach", 201), "coach_both": 400},
        method="post",
        data=body_for_session(body="Note."),
        content_type=JSON,
    ),
    Case("session-note-detail", api("coach"), kwargs=pk("j_note")),
    Case("session-note-detail", api("coach", 204), method="delete", kwargs=pk("j_note")),
    Case("session-summary-list", api("employee coach coach_both")),
    Case(
        "session-summary-list",
        {**api("coach", 201), "coach_both": 400},
        method="post",
        data=body_for_session(body="Summary."),
        content_type=JSON,
    ),
    Case("session-summary-detail", api("employee coach"), kwargs=pk("j_summary")),
    # API: transparency and HR
    Case("api_access_log", api("employee")),
    Case("api_engagement", api("hr")),
]

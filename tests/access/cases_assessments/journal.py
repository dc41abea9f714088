"""Access cases of the coaching journal, on the journal part of the test world (tests/world/journal.py).

The roles of the matrix, in its terms: `employee` owns everything; `coach` is their coach (enrolment and
cohort A) and leads j_session; `coach_both` coaches employee2 only; `hr` sees aggregates only.
"""

from __future__ import annotations

from tests.access import Case, api, only


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

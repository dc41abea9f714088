"""Query counts of the journal's pages, pinned: the same however many reflections, goals, actions,
check-ins, ratings and log entries there are.

django-tenants sets the search path once per schema a request turns to, hence statements(n). A signed-in request on an
organisation host starts with four: 1 domain → organisation, 2 session, 3 user, 4 roles here.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from assessments.models.journal import (
    AccessLogEntry,
    ActionItem,
    CheckIn,
    CoachFeedback,
    Goal,
    GoalComment,
    GoalOption,
    Reflection,
    ReflectionReply,
    SessionFeedback,
)
from assessments.models.pulse import Pulse
from programmes.models import Enrolment, Session
from tests.world import statements

REQUEST = 4
MORE = 30


def more_journal(world) -> None:
    """Thirty more of everything for acme's employee, shared and private, with replies and log entries."""
    org = world.acme
    session = Session.objects.get(pk=org.people["j_session"])
    reflections = Reflection.objects.bulk_create(
        Reflection(employee=org.employee, session=session, body=f"More {n}", shared_with_coach=n % 2 == 0)
        for n in range(MORE)
    )
    ReflectionReply.objects.bulk_create(
        ReflectionReply(reflection=r, author=org.coach, body="Reply") for r in reflections[::2]
    )
    goals = Goal.objects.bulk_create(Goal(employee=org.employee, title=f"Goal {n}", progress=n) for n in range(MORE))
    goal = Goal.objects.get(pk=org.people["j_goal"])
    GoalOption.objects.bulk_create(GoalOption(goal=goal, title=f"Option {n}", added_by=org.coach) for n in range(10))
    ActionItem.objects.bulk_create(
        ActionItem(goal=g, title="Step", due_on=timezone.localdate() - timedelta(days=3)) for g in goals + [goal] * MORE
    )
    CheckIn.objects.bulk_create(CheckIn(goal=goal, author=org.employee, progress=n) for n in range(MORE))
    GoalComment.objects.bulk_create(GoalComment(goal=goal, author=org.coach, body="Hm") for _n in range(MORE))
    AccessLogEntry.objects.bulk_create(
        AccessLogEntry(owner=org.employee, reader=org.coach, reader_role="coach", kind="goal", object_id=goal.pk)
        for _n in range(MORE)
    )
    enrolment = Enrolment.objects.get(pk=org.people["enrolment"])
    Pulse.objects.bulk_create(
        Pulse(
            employee=org.employee,
            enrolment=enrolment,
            feeling=1 + n % 5,
            energy=3,
            confidence=4,
            note=f"Pulse {n}",
            shared_with_coach=n % 2 == 0,
            created_at=timezone.now() - timedelta(days=n),
        )
        for n in range(MORE)
    )
    SessionFeedback.objects.filter(session=session).update(comment="Changed")
    CoachFeedback.objects.filter(session=session).update(body="Changed")


def _pages(world) -> list:
    people = world.acme.people
    return [
        # 5 in one round trip, kept statements (portal.kept): the sessions a reflection may be linked to
        # (policy on sessions) and the coaches named in the privacy note; 6 how many reflections, 7 one page
        # of them with session and reply count
        ("employee", "/reflections/", REQUEST + 3),
        # 5 how many shared with me, 6 the people I coach (filter), 7 one page of reflections
        ("coach", "/reflections/", REQUEST + 3),
        # 5 how many goals, 6 one page with open and overdue action counts, 7 overdue actions with their
        # goals, 8 the coaches named in the privacy note
        ("employee", "/goals/", REQUEST + 4),
        # 5 how many, 6 one page, 7 the read audit (one INSERT for the page), 8 the people I coach,
        # 9 overdue actions of theirs
        ("coach", "/goals/", REQUEST + 5),
        # 5 the goal with its owner, 6 options, 7 who added them, 8 actions, 9 check-ins,
        # 10 comments with their authors, 11 the coaches named in the privacy note
        ("employee", f"/goals/{people['j_goal']}/", REQUEST + 7),
        # the same, with the read audit's INSERT instead of the privacy note
        ("coach", f"/goals/{people['j_goal']}/", REQUEST + 7),
        # 5 the reflection with its writer and session, 6 the replies with their authors, 7 the coaches
        ("employee", f"/reflections/{people['j_shared']}/", REQUEST + 3),
        # 5 the reflection, 6 replies, 7 the read audit
        ("coach", f"/reflections/{people['j_shared']}/", REQUEST + 3),
        # 5 the session (policy on sessions), 6 its summary, 7 the session's employee, 8 their details,
        # 9 the ratings, 10 the feedback given, 11 my note, 12 the read audit of the ratings (one INSERT)
        ("coach", f"/sessions/{people['j_session']}/follow-up/", REQUEST + 8),
        # 5 the session, 6 summary, 7 my reflections on it, 8 my rating, 9 the coach's feedback for me,
        # 10 the coaches named in the privacy notes, 11 my pulse after it
        ("employee", f"/sessions/{people['j_session']}/follow-up/", REQUEST + 7),
        # 5 cohorts with head counts, 6 the released cells of the journal figures (reports.disclosure),
        # 7 the organisation's head count, 8 shared goal progress, 9 the read audit of it
        ("hr", "/engagement/", REQUEST + 5),
        # 5 how many groups of reads, 6 one page of them (grouped by reader, kind and item) with the readers
        ("employee", "/me/access-log/", REQUEST + 2),
        # 5 how many pulses, 6 one page of them with their sessions, 7 the trend's weeks, 8 the coaches named
        # in the privacy note
        ("employee", "/pulses/", REQUEST + 4),
        # 5 the enrolment, 6 coming sessions, 7 past sessions, 8 the coachee's attendance at them, 9 shared
        # reflections (no text), 10 goals with action counts, 11 shared pulses of the trend's weeks, 12 my
        # private notes; the agreement panel: 13 the manager's profile, 14 is the manager a member here (the
        # sponsor), 15 the newest agreement, 16 its acceptances; the stakeholder panel: 17 the released rounds,
        # 18 their raters, 19 the questions, 20 the answers, 21 the dimensions, 22 their bands, 23 the rounds of
        # the change; 24 the read audit (one INSERT for the page)
        ("coach", f"/coachees/{people['enrolment']}/", REQUEST + 20),
    ]


PAGE_NAMES = [
    "reflections (employee)",
    "reflections (coach)",
    "goals (employee)",
    "goals (coach)",
    "goal (employee)",
    "goal (coach)",
    "reflection (employee)",
    "reflection (coach)",
    "follow-up (coach)",
    "follow-up (employee)",
    "engagement (hr)",
    "access log (employee)",
    "pulses (employee)",
    "coachee page (coach)",
]


@pytest.mark.parametrize("index", range(len(PAGE_NAMES)), ids=PAGE_NAMES)
def test_a_journal_page_makes_the_same_queries_however_much_there_is(
    world, client_for, in_tenant, index, django_assert_num_queries
):
    role, path, queries = _pages(world)[index]
    client = client_for(getattr(world.acme, role), world.acme.host)
    with in_tenant(world.acme):  # the world's journal has one of everything but no reads by others yet
        AccessLogEntry.objects.create(
            owner=world.acme.employee, reader=world.acme.coach, kind="goal", object_id=world.acme.people["j_goal"]
        )
    for grow in (False, True):
        if grow:
            with in_tenant(world.acme):
                more_journal(world)
        client.get(path)  # once first: per-process caches (translations, templates) fill up
        with django_assert_num_queries(statements(queries)):
            response = client.get(path)
        assert response.status_code == 200

"""Whose content a list shows, and that every read of someone else's content is in their access log.

A person who is both employee and coach here sees only their own items where an employee's list is shown;
the people they coach appear on the coach's list (`?as=coach`). Every list, detail, fragment, API answer and
PDF that hands a coach a coachee's item writes the coachee's "who has seen my data" log: the policy does it
as it hands the rows out (portal/policy.py, `audit`), one INSERT per page.
"""

from __future__ import annotations

import pytest
from django.apps import apps
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assessments.models.journal import AccessLogEntry, Goal, Reflection
from portal import policy
from programmes.models import Cohort, Enrolment
from tenants.models import Membership, User

OWN_TEXT = "My own thought as a coach who is coached too."


@pytest.fixture
def dual(world, in_tenant):
    """Dana: employee and coach in acme, coaching `employee` (cohort A's coach) and writing her own reflection."""
    user = User.objects.create_user(email="dana@acme.example", password="x", first_name="Dana", last_name="Dual")
    for role in ("employee", "coach"):
        Membership.objects.create(user=user, organisation=world.acme.organisation, role=role)
    with in_tenant(world.acme):
        enrolment = Enrolment.objects.get(pk=world.acme.people["enrolment"])
        Cohort.coaches.through.objects.create(cohort_id=enrolment.cohort_id, user_id=user.pk)
        own = Reflection.objects.create(employee=user, body=OWN_TEXT)
        Goal.objects.create(employee=user, title="Dana's own goal")
        AccessLogEntry.objects.all().delete()
    user.own_reflection = own.pk
    return user


def _log(world, in_tenant) -> list[tuple]:
    with in_tenant(world.acme):
        return list(AccessLogEntry.objects.values_list("owner_id", "reader_id", "kind", "object_id"))


def test_the_employee_reflections_list_holds_only_ones_own(world, client_for, dual):
    client = client_for(dual, world.acme.host)
    page = client.get("/reflections/").content.decode()
    assert OWN_TEXT in page and "A shared thought." not in page
    assert 'href="/reflections/?as=coach"' in page  # the coach's list is one step away, on its own
    fragment = client.get("/reflections/", HTTP_HX_REQUEST="true").content.decode()
    assert OWN_TEXT in fragment and "A shared thought." not in fragment
    rows = client.get("/api/v1/reflections/").json()["results"]
    assert [row["id"] for row in rows] == [dual.own_reflection]


def test_the_employee_goals_list_holds_only_ones_own(world, client_for, dual):
    client = client_for(dual, world.acme.host)
    page = client.get("/goals/").content.decode()
    assert "Dana&#x27;s own goal" in page and "Speak up in planning" not in page and "Draft the point" not in page
    assert {row["title"] for row in client.get("/api/v1/goals/").json()["results"]} == {"Dana's own goal"}
    assert client.get("/api/v1/action-items/").json()["results"] == []
    assert client.get("/api/v1/session-feedback/").json()["results"] == []


def test_the_coach_view_shows_coachees_items_and_logs_each_read(world, client_for, in_tenant, dual):
    client = client_for(dual, world.acme.host)
    listed = client.get("/reflections/?as=coach").content.decode()
    assert "Eva Acme" in listed or world.acme.employee.get_full_name() in listed
    assert OWN_TEXT not in listed and "A shared thought." not in listed  # the coach's list shows no text
    shared = world.acme.people["j_shared"]
    assert "A shared thought." in client.get(f"/reflections/{shared}/").content.decode()
    owner = world.acme.employee.pk
    assert (owner, dual.pk, "reflection", shared) in _log(world, in_tenant)
    rows = client.get("/api/v1/reflections/?as=coach").json()["results"]
    assert [row["id"] for row in rows] == [shared]
    goals = client.get("/goals/?as=coach").content.decode()
    assert "Speak up in planning" in goals and "Dana&#x27;s own goal" not in goals
    assert (owner, dual.pk, "goal", world.acme.people["j_goal"]) in _log(world, in_tenant)


def _reads(world):
    """Every endpoint that hands a coach one of their coachee's items: (url, kind, object id)."""
    people, employee = world.acme.people, world.acme.employee
    return [
        ("/goals/", "goal", people["j_goal"]),
        ("/goals/?status=active", "goal", people["j_goal"]),
        (f"/goals/{people['j_goal']}/", "goal", people["j_goal"]),
        (f"/reflections/{people['j_shared']}/", "reflection", people["j_shared"]),
        (f"/sessions/{people['j_session']}/follow-up/", "feedback", people["j_rating"]),
        (reverse("assignment_result", args=[people["a_initial"]]), "answers", people["a_initial"]),
        (reverse("assignment_result", args=[people["a_initial"]]), "result", people["a_initial"]),
        (reverse("result_coachee", args=[employee.pk]), "result", people["a_initial"]),
        (reverse("coachee_progress_pdf", args=[employee.pk]), "goal", people["j_goal"]),
        (reverse("coachee_progress_pdf", args=[employee.pk]), "reflection", people["j_shared"]),
        ("/api/v1/reflections/", "reflection", people["j_shared"]),
        (f"/api/v1/reflections/{people['j_shared']}/", "reflection", people["j_shared"]),
        ("/api/v1/goals/", "goal", people["j_goal"]),
        (f"/api/v1/goals/{people['j_goal']}/", "goal", people["j_goal"]),
        ("/api/v1/action-items/", "goal", people["j_goal"]),
        (f"/api/v1/action-items/{people['j_action']}/", "goal", people["j_goal"]),
        ("/api/v1/session-feedback/", "feedback", people["j_rating"]),
        (f"/api/v1/session-feedback/{people['j_rating']}/", "feedback", people["j_rating"]),
    ]


def test_every_read_of_a_coachees_content_is_in_their_log(world, client_for, in_tenant):
    coach = client_for(world.acme.coach, world.acme.host)
    owner, reader = world.acme.employee.pk, world.acme.coach.pk
    missing = []
    for url, kind, object_id in _reads(world):
        with in_tenant(world.acme):
            AccessLogEntry.objects.all().delete()
        answer = coach.get(url)
        assert answer.status_code == 200, url
        if (owner, reader, kind, object_id) not in _log(world, in_tenant):
            missing.append((url, kind))
    assert missing == []


def test_a_page_of_reads_is_one_insert(world, client_for, in_tenant):
    with in_tenant(world.acme):
        Goal.objects.bulk_create(Goal(employee=world.acme.employee, title=f"Goal {n}") for n in range(15))
    coach = client_for(world.acme.coach, world.acme.host)
    with CaptureQueriesContext(connection) as queries:
        assert coach.get("/goals/").status_code == 200
    inserts = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("INSERT")]
    assert len(inserts) == 1 and "accesslogentry" in inserts[0]
    with in_tenant(world.acme):
        # each goal once, though the page shows j_goal twice (in the list and beside its overdue action)
        assert AccessLogEntry.objects.filter(object_id=world.acme.people["j_goal"], kind="goal").count() == 1
        assert AccessLogEntry.objects.filter(kind="goal").count() == 16


def test_any_list_through_the_policy_is_logged_by_construction(world, actor, in_tenant):
    # A list no page has yet: nothing to remember, the rows leave the policy already written down.
    with in_tenant(world.acme):
        coach = actor(world.acme.coach, world.acme)
        shared = list(policy.scope(coach, Reflection).filter(shared_with_coach=True))
        assert [r.pk for r in shared] == [world.acme.people["j_shared"]]
        assert (
            AccessLogEntry.objects.filter(owner=world.acme.employee, reader=world.acme.coach, kind="reflection").count()
            == 1
        )
        # names and dates without the text are not a read; the owner's own reads are not logged
        list(policy.scope(coach, Reflection).defer("body"))
        list(policy.scope(actor(world.acme.employee, world.acme), Reflection))
        assert AccessLogEntry.objects.count() == 1


# Journal and assessment models that hold a person's words or figures yet are not logged as reads, and why.
NOT_AUDITED = {
    "AccessLogEntry": "the log itself, read by its owner only",
    "ReflectionReply": "read with its reflection, which is logged",
    "GoalComment": "read with its goal, which is logged",
    "CoachFeedback": "the coach's own writing, for the employee",
    "SessionNote": "read by its author only",
    "SessionSummary": "the coach's writing, shared with the people in the session",
    "SharedGoalProgress": "HR's figures, read as values and logged by their selector",
    "Assignment": "progress (started, handed in), not answers or scores",
}


def test_every_content_model_is_audited_or_says_why_not():

    audited = policy.audited_models()
    journal = [
        model
        for model in apps.get_app_config("assessments").get_models()
        if model.__module__.endswith("journal") or model.__name__ in ("Answer", "Score", "Assignment")
    ]
    unexplained = [
        model.__name__
        for model in journal
        if policy.has_rule(model) and model not in audited and model.__name__ not in NOT_AUDITED
    ]
    assert unexplained == []
    for model, spec in audited.items():
        assert spec.content and all(name in {f.attname for f in model._meta.concrete_fields} for name in spec.content)

"""The confidentiality table of DESIGN.md, row by row, for the journal's models: who may read which rows,
asked of the policy itself, for every kind of person in the organisation."""

from __future__ import annotations

import pytest

from assessments.models import journal
from portal import policy
from programmes.models import Cohort, Enrolment
from tenants.models import Membership

# Who reads the world's journal rows of acme's `employee` (see tests/world/journal.py):
# owner = the employee, coach = their coach (who led the 1:1), second = a second coach of theirs (the
# coach of both, added to their cohort), other = a coach of someone else, hr, employee2.
TABLE = {
    # data: (model, world key, readers)
    "private reflection": (journal.Reflection, "j_private", {"owner"}),
    "shared reflection": (journal.Reflection, "j_shared", {"owner", "coach", "second"}),
    "goal": (journal.Goal, "j_goal", {"owner", "coach", "second"}),
    "goal's shared progress": (journal.SharedGoalProgress, "j_goal", {"hr"}),
    "action": (journal.ActionItem, "j_action", {"owner", "coach", "second"}),
    "option": (journal.GoalOption, "j_option", {"owner", "coach", "second"}),
    "rating": (journal.SessionFeedback, "j_rating", {"owner", "coach"}),
    "coach's feedback": (journal.CoachFeedback, "j_coach_feedback", {"owner", "coach"}),
    "private note": (journal.SessionNote, "j_note", {"coach"}),
    "shared summary": (journal.SessionSummary, "j_summary", {"owner", "coach", "second"}),
}


@pytest.fixture
def readers(world, in_tenant):

    acme = world.acme
    with in_tenant(acme):
        Cohort.objects.get(pk=acme.people["cohort_a"]).coaches.add(world.coach_both)
        return {
            "owner": policy.actor_for(acme.employee, acme.organisation),
            "coach": policy.actor_for(acme.coach, acme.organisation),
            "second": policy.actor_for(world.coach_both, acme.organisation),
            "hr": policy.actor_for(acme.hr, acme.organisation),
            "employee2": policy.actor_for(acme.employee2, acme.organisation),
        }


@pytest.mark.parametrize("data", TABLE)
def test_each_row_reaches_exactly_whom_the_table_names(world, in_tenant, readers, data):
    model, key, allowed = TABLE[data]
    pk = world.acme.people[key]
    with in_tenant(world.acme):
        seen_by = {name for name, reader in readers.items() if policy.scope(reader, model).filter(pk=pk).exists()}
    assert seen_by == allowed


def test_a_coach_of_someone_else_reads_nothing_of_this_employee(world, in_tenant):
    about_the_employee = {
        journal.Reflection: "employee",
        journal.Goal: "employee",
        journal.SessionFeedback: "employee",
        journal.CoachFeedback: "employee",
        journal.ActionItem: "goal__employee",
        journal.SessionNote: "session__enrolment__employee",
        journal.SessionSummary: "session__enrolment__employee",
        journal.AccessLogEntry: "owner",
    }
    with in_tenant(world.acme):
        other = policy.actor_for(world.coach_both, world.acme.organisation)
        for model, path in about_the_employee.items():
            assert not policy.scope(other, model).filter(**{path: world.acme.employee}).exists(), model


def test_a_withdrawn_employees_coach_loses_sight_of_their_journal(world, in_tenant):

    with in_tenant(world.acme):
        Enrolment.objects.filter(pk=world.acme.people["enrolment"]).update(status=Enrolment.Status.WITHDRAWN)
        coach = policy.actor_for(world.acme.coach, world.acme.organisation)
        assert not policy.scope(coach, journal.Goal).filter(employee=world.acme.employee).exists()
        assert not policy.scope(coach, journal.Reflection).filter(employee=world.acme.employee).exists()


def test_a_former_member_reads_nothing(world, in_tenant):

    Membership.objects.filter(user=world.acme.coach, organisation=world.acme.organisation).update(is_active=False)
    with in_tenant(world.acme):
        former = policy.actor_for(world.acme.coach, world.acme.organisation)
        assert not policy.scope(former, journal.SessionNote).exists()
        assert not policy.scope(former, journal.Goal).exists()


def test_platform_staff_and_outsiders_are_turned_away_from_every_journal_endpoint(world, client_for):
    for user in (world.staff, world.outsider):
        client = client_for(user, world.acme.host)
        for path in (
            "/reflections/",
            "/goals/",
            "/engagement/",
            "/me/access-log/",
            "/api/v1/reflections/",
            "/api/v1/goals/",
            "/api/v1/session-notes/",
            "/api/v1/engagement/",
        ):
            assert client.get(path).status_code == 404, (user, path)


@pytest.mark.parametrize(
    "query",
    [
        "?ordering=body",
        "?ordering=-employee__email",
        "?shared=false",
        "?status=active&ordering=why",
        "?session=0",
        "?employee=0&search=a",
    ],
)
def test_crafted_filters_and_orderings_never_widen_a_list(world, client_for, query):
    for path in (
        "/api/v1/reflections/",
        "/api/v1/goals/",
        "/api/v1/session-feedback/",
        "/api/v1/session-summaries/",
        "/api/v1/action-items/",
    ):
        plain = client_for(world.coach_both, world.acme.host).get(path).json()["results"]
        crafted = client_for(world.coach_both, world.acme.host).get(path + query).json()["results"]
        assert {row["id"] for row in crafted} <= {row["id"] for row in plain}, (path, query)


def test_a_coachs_search_box_does_not_search_text_they_are_not_shown(world, client_for):
    # The coach's list of shared reflections shows no text, so a text search must not narrow it by text.
    client = client_for(world.acme.coach, world.acme.host)
    assert client.get("/reflections/?q=nothing-matches-this").content.decode().count("/reflections/") == client.get(
        "/reflections/"
    ).content.decode().count("/reflections/")

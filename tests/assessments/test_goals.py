"""Goals and accountability: the employee's goals with options, a decision, actions and check-ins; the
coach sees and comments; overdue actions on both homes and in a reminder; progress shared with HR."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.utils import timezone

from assessments.homes import journal as homes_journal
from assessments.models.journal import AccessLogEntry, ActionItem, Goal, GoalOption
from assessments.selectors import journal as selectors
from assessments.services import goals as services
from assessments.tasks import overdue_action_reminders


def test_the_api_sets_a_goal_with_a_title_and_why(world, client_for, in_tenant):
    response = client_for(world.acme.employee, world.acme.host).post(
        "/api/v1/goals/",
        {"title": "Say no to extra requests", "why": "My own work slips."},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    data = response.json()
    assert (data["title"], data["why"], data["status"], data["progress"]) == (
        "Say no to extra requests",
        "My own work slips.",
        "active",
        0,
    )
    assert data["progress_shared_with_hr"] is False


@pytest.mark.parametrize(
    "payload, field",
    [
        ({"why": "No title"}, "title"),
        ({"title": "   "}, "title"),
        ({"title": "x" * 201}, "title"),
        ({"title": "Late", "target_date": "2020-01-01"}, "target_date"),
    ],
)
def test_a_goal_with_bad_input_is_refused_with_the_field_named(world, client_for, in_tenant, payload, field):
    with in_tenant(world.acme):
        before = Goal.objects.count()
    response = client_for(world.acme.employee, world.acme.host).post(
        "/api/v1/goals/", payload, content_type="application/json"
    )
    assert response.status_code == 400 and field in response.json()
    with in_tenant(world.acme):
        assert Goal.objects.count() == before


@pytest.mark.parametrize("progress", [-1, 101, "lots"])
def test_progress_runs_from_0_to_100(world, client_for, progress):
    pk = world.acme.people["j_goal"]
    response = client_for(world.acme.employee, world.acme.host).patch(
        f"/api/v1/goals/{pk}/", {"progress": progress}, content_type="application/json"
    )
    assert response.status_code == 400 and "progress" in response.json()


def test_hr_and_another_coach_cannot_set_or_read_goals(world, client_for):
    pk = world.acme.people["j_goal"]
    for user in (world.acme.hr, world.coach_both, world.acme.employee2):
        client = client_for(user, world.acme.host)
        assert client.get(f"/api/v1/goals/{pk}/").status_code == 404
        assert client.get(f"/goals/{pk}/").status_code == 404


def test_the_coach_sees_and_comments_but_does_not_change_the_goal(world, client_for, in_tenant):
    pk = world.acme.people["j_goal"]
    coach = client_for(world.acme.coach, world.acme.host)
    assert coach.get(f"/api/v1/goals/{pk}/").json()["title"] == "Speak up in planning"
    assert (
        coach.post(
            f"/api/v1/goals/{pk}/comments/", {"body": "What helped?"}, content_type="application/json"
        ).status_code
        == 201
    )
    assert coach.patch(f"/api/v1/goals/{pk}/", {"progress": 100}, content_type="application/json").status_code == 404
    assert (
        coach.post(f"/api/v1/goals/{pk}/check-ins/", {"progress": 90}, content_type="application/json").status_code
        == 404
    )
    with in_tenant(world.acme):
        assert Goal.objects.get(pk=pk).progress == 40


@pytest.mark.parametrize("progress", [-5, 150])
def test_progress_outside_0_to_100_is_refused_with_a_readable_message(world, actor, in_tenant, progress):
    with in_tenant(world.acme):
        goal = Goal.objects.get(pk=world.acme.people["j_goal"])
        with pytest.raises(ValidationError) as refused:
            services.check_in_create(actor=actor(world.acme.employee, world.acme), goal=goal, progress=progress)
    assert refused.value.message_dict == {"progress": [f"Progress runs from 0 to 100 %; {progress} is outside it."]}


def test_options_are_weighed_and_the_strongest_is_offered(world, actor, in_tenant):
    with in_tenant(world.acme):
        me = actor(world.acme.employee, world.acme)
        goal = services.goal_create(actor=me, title="Choose a track")
        services.option_add(actor=me, goal=goal, title="Stay", impact=3, feasibility=5)
        strong = services.option_add(actor=me, goal=goal, title="Try a project first", impact=5, feasibility=4)
        offered = services.option_add(actor=actor(world.acme.coach, world.acme), goal=goal, title="Ask for a mentor")
        assert offered.added_by_id == world.acme.coach.pk  # the coach may offer a choice
        goal = selectors.goal_read(actor=me, pk=goal.pk)
        assert selectors.strongest_option(goal) == strong
        with pytest.raises(ValidationError) as refused:
            services.option_add(actor=me, goal=goal, title="Rated wrongly", impact=9)
        assert "impact" in refused.value.message_dict


def test_taking_the_decision_marks_one_option(world, client_for, in_tenant):
    pk, option = world.acme.people["j_goal"], world.acme.people["j_option"]
    client = client_for(world.acme.employee, world.acme.host)
    response = client.post(f"/api/v1/goals/{pk}/decision/", {"option": option}, content_type="application/json")
    assert response.status_code == 200 and response.json()["decision"] == "Prepare one point"
    with in_tenant(world.acme):
        other = GoalOption.objects.create(goal_id=pk, title="Something else")
    client.post(
        f"/api/v1/goals/{pk}/decision/",
        {"option": other.pk, "decision": "Changed my mind."},
        content_type="application/json",
    )
    with in_tenant(world.acme):
        assert list(GoalOption.objects.filter(goal_id=pk, chosen=True).values_list("pk", flat=True)) == [other.pk]
        assert Goal.objects.get(pk=pk).decision == "Changed my mind."
    foreign = client.post(f"/api/v1/goals/{pk}/decision/", {"option": 999_999}, content_type="application/json")
    assert foreign.status_code == 400 and "option" in foreign.json()


def test_an_action_due_in_the_past_is_refused(world, client_for):
    response = client_for(world.acme.employee, world.acme.host).post(
        f"/api/v1/goals/{world.acme.people['j_goal']}/actions/",
        {"title": "Yesterday", "due_on": str(timezone.localdate() - timedelta(days=1))},
        content_type="application/json",
    )
    assert response.status_code == 400 and "due_on" in response.json()


def test_ticking_an_action_off_swaps_its_row(world, client_for, in_tenant):
    people = world.acme.people
    response = client_for(world.acme.employee, world.acme.host).post(
        f"/goals/{people['j_goal']}/actions/{people['j_action']}/done/", {"done": "1"}, HTTP_HX_REQUEST="true"
    )
    html = response.content.decode()
    assert response.status_code == 200 and html.startswith("<li") and "checklist__item--done" in html
    with in_tenant(world.acme):
        assert ActionItem.objects.get(pk=people["j_action"]).done_at is not None


def test_a_check_in_moves_the_goals_progress(world, client_for, in_tenant):
    pk = world.acme.people["j_goal"]
    response = client_for(world.acme.employee, world.acme.host).post(
        f"/goals/{pk}/check-ins/", {"progress": "65", "note": "Two meetings in a row."}
    )
    assert response.status_code == 302
    with in_tenant(world.acme):
        assert Goal.objects.get(pk=pk).progress == 65


def test_a_refused_check_in_shows_the_goal_page_with_the_message(world, client_for):
    response = client_for(world.acme.employee, world.acme.host).post(
        f"/goals/{world.acme.people['j_goal']}/check-ins/", {"progress": "120"}
    )
    assert response.status_code == 400
    assert "Ensure this value is less than or equal to 100." in response.content.decode()


def _panel(panel_function, user, org, actor) -> str:
    """A home panel of ours rendered as the home page would, for `user` in `org`."""

    request = RequestFactory().get("/", HTTP_HOST=org.host)
    request.actor, request.user = actor(user, org), user
    panel = panel_function(request)
    return render_to_string(panel["template"], {"panel": panel}, request=request) if panel else ""


def test_overdue_actions_show_on_the_employees_and_the_coachs_home(world, client_for, actor, in_tenant):

    employee = client_for(world.acme.employee, world.acme.host).get("/").content.decode()
    assert "Draft the point" in employee and "Who has seen my data" in employee
    with in_tenant(world.acme):
        coach = _panel(homes_journal.coach_journal, world.acme.coach, world.acme, actor)
        other = _panel(homes_journal.coach_journal, world.coach_both, world.acme, actor)
    assert "Overdue actions" in coach and "Eva Acme" in coach and "1 overdue" in coach
    assert "Draft the point" not in coach  # the coach's home names people, not what they work on
    assert "Eva Acme" not in other


def test_the_coach_panel_counts_overdue_actions_per_person(world, actor, in_tenant):
    with in_tenant(world.acme):
        rows = selectors.overdue_by_person(actor=actor(world.acme.coach, world.acme))
    assert [(row["goal__employee_id"], row["count"]) for row in rows] == [(world.acme.employee.pk, 1)]


def test_the_reminder_names_counts_not_content_and_comes_once_a_week(world, in_tenant):
    with in_tenant(world.acme):
        organisation = world.acme.organisation
        assert services.overdue_reminders_send(organisation=organisation) == 1
        assert services.overdue_reminders_send(organisation=organisation) == 0  # not again today
        later = timezone.now() + services.REMIND_AGAIN_AFTER + timedelta(hours=1)
        assert services.overdue_reminders_send(organisation=organisation, now=later) == 1
    sent = [message for message in mail.outbox if world.acme.employee.email in message.to]
    assert len(sent) == 2
    assert "Draft the point" not in sent[0].body and "Speak up" not in sent[0].body
    assert "One action on your goals is past its due date." in sent[0].body


def test_the_reminder_skips_done_actions_and_closed_goals(world, in_tenant):
    with in_tenant(world.acme):
        Goal.objects.filter(pk=world.acme.people["j_goal"]).update(status=Goal.Status.PAUSED)
        assert services.overdue_reminders_send(organisation=world.acme.organisation) == 0


def test_sharing_progress_shows_hr_the_figure_never_the_text(world, client_for, in_tenant):
    hr = client_for(world.acme.hr, world.acme.host)
    html = hr.get("/engagement/").content.decode()
    assert "Eva Acme" in html and "40 %" in html
    assert "Speak up in planning" not in html and "It matters." not in html
    api = hr.get("/api/v1/engagement/").json()
    assert [row["progress"] for row in api["shared_goal_progress"]] == [40]
    assert "title" not in api["shared_goal_progress"][0]
    with in_tenant(world.acme):
        assert AccessLogEntry.objects.filter(owner=world.acme.employee, reader=world.acme.hr, kind="goal").count() == 2
    client_for(world.acme.employee, world.acme.host).post(
        f"/goals/{world.acme.people['j_goal']}/sharing/", {"shared": "0"}
    )
    assert "Eva Acme" not in hr.get("/engagement/").content.decode()


def test_the_daily_task_reminds_in_every_organisation_in_its_own_schema(world):

    assert overdue_action_reminders() >= 2  # organisations visited
    reminded = {address for message in mail.outbox for address in message.to}
    assert {world.acme.employee.email, world.globex.employee.email} <= reminded
    dutch = next(message for message in mail.outbox if world.globex.employee.email in message.to)
    assert "globex.localhost" in dutch.body and "acme" not in dutch.body


def test_the_api_removes_an_option_and_an_action_of_ones_own_goal_only(world, client_for, in_tenant):
    from assessments.models.journal import ActionItem, GoalOption

    goal = world.acme.people["j_goal"]
    option, action = world.acme.people["j_option"], world.acme.people["j_action"]
    coach = client_for(world.acme.coach, world.acme.host)
    assert coach.delete(f"/api/v1/goals/{goal}/options/{option}/").status_code == 404
    assert coach.delete(f"/api/v1/action-items/{action}/").status_code == 404
    employee = client_for(world.acme.employee, world.acme.host)
    assert employee.delete(f"/api/v1/goals/{goal}/options/999999/").status_code == 404
    assert employee.delete(f"/api/v1/goals/{goal}/options/{option}/").status_code == 204
    assert employee.delete(f"/api/v1/action-items/{action}/").status_code == 204
    with in_tenant(world.acme):
        assert not GoalOption.objects.filter(pk=option).exists() and not ActionItem.objects.filter(pk=action).exists()

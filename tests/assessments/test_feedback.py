"""Two-way feedback after a session: the employee rates it (1–5, a comment), the coach writes feedback for
the employee; the two of them see both; HR sees aggregates only, withheld for small groups."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.http import Http404
from django.test import override_settings
from django.utils import timezone

from assessments.models.journal import CoachFeedback, SessionFeedback
from assessments.selectors import journal as selectors
from programmes.models import Cohort, Enrolment, Session
from reports import disclosure
from tenants.models import Role, User
from tenants.services import membership_grant


def _rate(client, session: int, rating, comment: str = ""):
    return client.post(
        "/api/v1/session-feedback/",
        {"session": session, "rating": rating, "comment": comment},
        content_type="application/json",
    )


def test_the_employee_rates_a_session_and_rating_again_replaces_it(world, client_for, in_tenant):
    client = client_for(world.acme.employee, world.acme.host)
    session = world.acme.people["j_session"]
    assert _rate(client, session, 2, "Too short.").status_code == 201
    assert _rate(client, session, 5, "On reflection, very useful.").status_code == 201
    with in_tenant(world.acme):
        rows = list(SessionFeedback.objects.filter(session_id=session, employee=world.acme.employee))
    assert [(row.rating, row.comment) for row in rows] == [(5, "On reflection, very useful.")]


@pytest.mark.parametrize("rating", [0, 6, "good", None])
def test_a_rating_outside_1_to_5_is_refused(world, client_for, rating):
    response = _rate(client_for(world.acme.employee, world.acme.host), world.acme.people["j_session"], rating)
    assert response.status_code == 400 and "rating" in response.json()


def test_a_session_that_has_not_taken_place_cannot_be_rated(world, client_for, in_tenant):
    with in_tenant(world.acme):
        future = Session.objects.create(
            kind="individual",
            enrolment_id=world.acme.people["enrolment"],
            coach=world.acme.coach,
            starts_at=timezone.now() + timedelta(days=2),
        )
    response = _rate(client_for(world.acme.employee, world.acme.host), future.pk, 4)
    assert response.status_code == 400
    assert response.json() == {"detail": ["Feedback opens once the session has taken place."]}


def test_only_the_coach_who_led_the_session_writes_feedback_for_someone_in_it(world, client_for):
    session = world.acme.people["j_session"]
    payload = {"session": session, "employee": world.acme.employee.pk, "body": "You prepared well."}
    assert (
        client_for(world.acme.coach, world.acme.host)
        .post("/api/v1/coach-feedback/", payload, content_type="application/json")
        .status_code
        == 201
    )
    assert (
        client_for(world.coach_both, world.acme.host)
        .post("/api/v1/coach-feedback/", payload, content_type="application/json")
        .status_code
        == 400
    )
    stranger = {**payload, "employee": world.acme.employee2.pk}  # not in this 1:1
    response = client_for(world.acme.coach, world.acme.host).post(
        "/api/v1/coach-feedback/", stranger, content_type="application/json"
    )
    assert response.status_code == 400 and "employee" in response.json()


def test_the_two_of_them_see_both_and_no_one_else_does(world, client_for):
    session = world.acme.people["j_session"]
    page = f"/sessions/{session}/follow-up/"
    employee = client_for(world.acme.employee, world.acme.host).get(page).content.decode()
    coach = client_for(world.acme.coach, world.acme.host).get(page).content.decode()
    for html in (employee, coach):
        assert "Useful." in html and "Well done." in html  # the rating's comment and the coach's feedback
    assert "Private observation." in coach and "Private observation." not in employee
    for user in (world.acme.hr, world.coach_both, world.acme.employee2):
        assert client_for(user, world.acme.host).get(page).status_code == 404
    rows = client_for(world.coach_both, world.acme.host).get("/api/v1/session-feedback/").json()["results"]
    assert world.acme.people["j_rating"] not in {row["id"] for row in rows}


def test_the_employee_rates_from_the_follow_up_page(world, client_for, in_tenant):
    session = world.acme.people["j_session"]
    client = client_for(world.acme.employee, world.acme.host)
    assert client.post(f"/sessions/{session}/follow-up/rating/", {"rating": "3", "comment": "Okay."}).status_code == 302
    refused = client.post(f"/sessions/{session}/follow-up/rating/", {"comment": "No rating."})
    assert refused.status_code == 400 and "This field is required." in refused.content.decode()
    with in_tenant(world.acme):
        assert SessionFeedback.objects.get(session_id=session, employee=world.acme.employee).rating == 3


def test_the_coach_writes_feedback_from_the_follow_up_page(world, client_for, in_tenant):
    session, employee = world.acme.people["j_session"], world.acme.employee.pk
    client = client_for(world.acme.coach, world.acme.host)
    response = client.post(f"/sessions/{session}/follow-up/feedback/{employee}/", {f"p{employee}-body": "Bold move."})
    assert response.status_code == 302
    with in_tenant(world.acme):
        assert CoachFeedback.objects.get(session_id=session, employee_id=employee).body == "Bold move."


def _cohort_of(world, size: int, ratings: list[int]) -> Cohort:
    """A cohort of `size` new employees in acme, the first len(ratings) of whom rated a group session."""
    org = world.acme
    cohort = Cohort.objects.create(programme_id=org.people["programme"], name=f"Cohort of {size}")
    session = Session.objects.create(
        kind="group", cohort=cohort, coach=org.coach, starts_at=timezone.now() - timedelta(days=1)
    )
    for number in range(size):
        user = User.objects.create_user(email=f"rater{size}-{number}@acme.test", first_name="Rater")
        membership_grant(user=user, organisation=org.organisation, role=Role.EMPLOYEE)
        Enrolment.objects.create(
            programme_id=org.people["programme"],
            cohort=cohort,
            employee=user,
            coach=org.coach,
            status="active",
            credit_allowance=3,
        )
        if number < len(ratings):
            SessionFeedback.objects.create(
                session=session, employee=user, rating=ratings[number], comment=f"Secret comment {number}"
            )
    return cohort


def test_hr_sees_the_average_rating_of_a_group_of_five_and_never_a_comment(world, client_for, in_tenant, actor):
    with in_tenant(world.acme):
        cohort = _cohort_of(world, 5, [5, 4, 4, 3, 4])
        disclosure.refresh(force=True)
        overview = selectors.engagement_overview(actor=actor(world.acme.hr, world.acme))
    group = next(row for row in overview["cohorts"] if row.label == cohort.name)
    assert (group.people, group.average_rating.value, group.ratings.value) == (5, 4.0, 5)
    html = client_for(world.acme.hr, world.acme.host).get("/engagement/").content.decode()
    assert "Cohort of 5" in html and "Secret comment" not in html


def test_figures_about_fewer_than_five_people_are_withheld_and_the_page_says_why(world, client_for, in_tenant, actor):
    with in_tenant(world.acme):
        small = _cohort_of(world, 4, [1, 2, 1, 2])
        big_few_raters = _cohort_of(world, 6, [1, 5])
        disclosure.refresh(force=True)
        overview = selectors.engagement_overview(actor=actor(world.acme.hr, world.acme))
    rows = {row.label: row for row in overview["cohorts"]}
    assert rows[small.name].withheld and rows[small.name].average_rating.value is None
    assert rows[small.name].reflections.withheld and rows[small.name].ratings.value is None
    # Six enrolled, but only two rated: the threshold counts the raters, so nothing about them is shown,
    # not even how many ratings there are.
    assert rows[big_few_raters.name].people == 6 and rows[big_few_raters.name].withheld
    assert rows[big_few_raters.name].average_rating.withheld and rows[big_few_raters.name].ratings.withheld
    html = client_for(world.acme.hr, world.acme.host).get("/engagement/").content.decode()
    assert "Withheld: fewer than 5 people, so figures could point to individuals." in html


@override_settings(MIN_AGGREGATE_GROUP_SIZE=3)
def test_the_minimum_group_size_is_a_setting(world, in_tenant, actor):
    with in_tenant(world.acme):
        cohort = _cohort_of(world, 3, [2, 3, 4])
        disclosure.refresh(force=True)
        overview = selectors.engagement_overview(actor=actor(world.acme.hr, world.acme))
    assert next(row for row in overview["cohorts"] if row.label == cohort.name).average_rating.value == 3.0
    assert overview["minimum"] == 3


def test_the_aggregates_are_hrs_only(world, actor, in_tenant):

    with in_tenant(world.acme):
        for user in (world.acme.coach, world.acme.employee):
            with pytest.raises(Http404):
                selectors.engagement_overview(actor=actor(user, world.acme))

"""Enrolments: status changes with their history, cohort, coach and the per-person credit allowance,
where someone stands in the organisation, enrolling one person, and who sees which enrolments."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext

from matching.selectors import coachees_counts
from programmes.models import Cohort, CreditTransaction, EmployeeProfile, Enrolment
from programmes.selectors.credits import credit_balance
from programmes.services import enrolment as services
from programmes.services import imports
from tests.world.invitations import accept
from tests.world.matching import profile_ensure


@pytest.fixture
def enrolment(acme):
    return Enrolment.objects.select_related("cohort", "programme").get(pk=acme.people["enrolment"])


def history(enrolment: Enrolment) -> list[tuple[str, str, int]]:
    return list(enrolment.events.order_by("at", "pk").values_list("from_status", "to_status", "by"))


def test_a_status_change_is_recorded_with_who_and_when(hr, enrolment, acme):
    changed = services.enrolment_status_change(actor=hr, enrolment=enrolment, to_status="completed")
    assert changed.status == "completed" and changed.status_changed_by == acme.hr
    assert history(enrolment)[-1] == ("active", "completed", acme.hr.pk)
    services.enrolment_status_change(actor=hr, enrolment=enrolment, to_status="active")
    assert history(enrolment)[-1] == ("completed", "active", acme.hr.pk)


def test_a_status_can_only_follow_the_enrolment_path(hr, enrolment):
    Enrolment.objects.filter(pk=enrolment.pk).update(status="invited")
    with pytest.raises(ValidationError) as error:
        services.enrolment_status_change(actor=hr, enrolment=enrolment, to_status="completed")
    assert error.value.messages == ["An enrolment that is “Invited” cannot become “Completed”."]
    assert Enrolment.objects.get(pk=enrolment.pk).status == "invited"


def test_taking_someone_back_needs_a_free_seat_in_their_cohort(hr, enrolment):
    services.enrolment_status_change(actor=hr, enrolment=enrolment, to_status="withdrawn")
    Cohort.objects.filter(pk=enrolment.cohort_id).update(capacity=0)
    with pytest.raises(ValidationError) as error:
        services.enrolment_status_change(actor=hr, enrolment=enrolment, to_status="active")
    assert error.value.message_dict == {"cohort": ["Cohort “Cohort A” is full (capacity 0)."]}


def test_only_hr_changes_a_status(acme, actor, enrolment):
    with pytest.raises(Http404):
        services.enrolment_status_change(actor=actor(acme.coach, acme), enrolment=enrolment, to_status="completed")


def test_taking_up_the_place_activates_only_invited_enrolments(acme, enrolment):
    Enrolment.objects.filter(pk=enrolment.pk).update(status="invited")
    assert services.enrolments_activate(user=acme.employee) == 1
    assert services.enrolments_activate(user=acme.employee) == 0
    assert Enrolment.objects.get(pk=enrolment.pk).status == "active"
    assert history(enrolment)[-1] == ("invited", "active", acme.employee.pk)


def test_hr_overrides_the_credit_allowance_but_not_below_what_was_used(hr, enrolment, acme):
    services.enrolment_update(
        actor=hr, enrolment=enrolment, cohort=enrolment.cohort, coach=enrolment.coach, credit_allowance=10
    )
    assert Enrolment.objects.get(pk=enrolment.pk).credit_allowance == 10
    CreditTransaction.objects.filter(enrolment=enrolment).delete()
    CreditTransaction.objects.bulk_create(
        CreditTransaction(enrolment=enrolment, delta=-1, reason="booking") for _ in range(3)
    )
    with pytest.raises(ValidationError) as error:
        services.enrolment_update(
            actor=hr, enrolment=enrolment, cohort=enrolment.cohort, coach=enrolment.coach, credit_allowance=2
        )
    assert error.value.message_dict == {
        "credit_allowance": ["3 credits are already used; the allowance cannot be lower."]
    }


def test_moving_to_another_cohort_needs_a_seat_and_the_same_programme(hr, enrolment, acme):
    cohort_b = Cohort.objects.get(pk=acme.people["cohort_b"])
    Cohort.objects.filter(pk=cohort_b.pk).update(capacity=1)  # employee2 holds it
    cohort_b.refresh_from_db()
    with pytest.raises(ValidationError) as error:
        services.enrolment_update(actor=hr, enrolment=enrolment, cohort=cohort_b, coach=None, credit_allowance=6)
    assert error.value.message_dict == {"cohort": ["Cohort “Cohort B” is full (capacity 1)."]}


def test_the_coach_of_an_enrolment_coaches_here(hr, enrolment, acme):
    with pytest.raises(ValidationError) as error:
        services.enrolment_update(
            actor=hr, enrolment=enrolment, cohort=enrolment.cohort, coach=acme.employee2, credit_allowance=6
        )
    assert error.value.message_dict == {"coach": ["Choose someone who coaches in this organisation."]}


def test_where_someone_stands_is_kept_on_their_profile(hr, acme):
    profile = services.profile_update(
        actor=hr, user=acme.employee2, department=" Finance ", job_title="Analyst", manager_email=acme.hr.email.upper()
    )
    assert (profile.department, profile.job_title, profile.manager) == ("Finance", "Analyst", acme.hr)
    with pytest.raises(ValidationError, match="their own manager"):
        services.profile_update(
            actor=hr, user=acme.employee2, department="", job_title="", manager_email=acme.employee2.email
        )
    with pytest.raises(ValidationError, match="has a role in this organisation"):
        services.profile_update(
            actor=hr, user=acme.employee2, department="", job_title="", manager_email="outsider@elsewhere.test"
        )
    assert (
        services.profile_update(actor=hr, user=acme.employee2, department="", job_title="", manager_email="").manager
        is None
    )


def test_enrolling_one_person_uses_the_import_checks(hr, acme):
    cohort = Cohort.objects.get(pk=acme.people["cohort_a"])
    outcome = imports.enrolment_add(
        actor=hr,
        cohort=cohort,
        email="New.Person@Acme.test",
        first_name="New",
        last_name="Person",
        department="IT",
        manager_email=acme.hr.email,
        credit_allowance=9,
    )
    assert outcome.enrolled == 1 and outcome.invited == 1
    with pytest.raises(ValidationError) as error:  # invited once is enough
        imports.enrolment_add(
            actor=hr, cohort=cohort, email="new.person@acme.test", first_name="New", last_name="Person"
        )
    assert error.value.message_dict == {
        "email": ["new.person@acme.test is already enrolled in or invited to this cohort."]
    }
    accept("new.person@acme.test")
    enrolment = Enrolment.objects.get(employee__email="new.person@acme.test")
    assert enrolment.credit_allowance == 9 and enrolment.coach == acme.coach
    assert EmployeeProfile.objects.get(user=enrolment.employee).manager == acme.hr
    with pytest.raises(ValidationError) as error:
        imports.enrolment_add(
            actor=hr, cohort=cohort, email="new.person@acme.test", first_name="New", last_name="Person"
        )
    assert error.value.message_dict == {
        "email": ["new.person@acme.test is already enrolled in or invited to this cohort."]
    }
    with pytest.raises(ValidationError) as error:
        imports.enrolment_add(
            actor=hr,
            cohort=cohort,
            email="other@acme.test",
            first_name="O",
            last_name="Ther",
            manager_email="nobody@elsewhere.test",
        )
    assert list(error.value.message_dict) == ["manager_email"]


def test_enrolling_one_person_with_a_coach_who_has_no_room_is_refused_on_the_coach(hr, acme):
    profile_ensure(acme.coach, capacity=coachees_counts([acme.coach.pk])[acme.coach.pk])
    with pytest.raises(ValidationError) as error:
        imports.enrolment_add(
            actor=hr,
            cohort=Cohort.objects.get(pk=acme.people["cohort_a"]),
            email="new.person@acme.test",
            first_name="New",
            last_name="Person",
            coach=acme.coach,
        )
    assert error.value.message_dict == {"coach": [f"{acme.coach.email} has no room for more coachees."]}


def test_the_one_person_form_shows_the_problem_on_its_field(world, client_for, in_tenant):
    client = client_for(world.acme.hr, world.acme.host)
    response = client.post(
        "/enrolments/new/",
        {
            "cohort": world.acme.people["cohort_b"],
            "email": world.acme.employee.email,
            "first_name": "Eva",
            "last_name": "Acme",
        },
    )
    assert response.status_code == 200
    assert "is already enrolled in this programme, in cohort “Cohort A”" in response.content.decode()


def test_the_enrolment_page_shows_where_the_person_stands_and_their_history(world, client_for):
    body = (
        client_for(world.acme.hr, world.acme.host)
        .get(f"/enrolments/{world.acme.people['enrolment']}/")
        .content.decode()
    )
    assert "Operations" in body and "Planner" in body and "Hilde Acme" in body  # department, title, manager
    assert "Enrolled: Active" in body and "Not accepted yet" in body and "Withdraw from the programme" in body


def test_hr_changes_cohort_coach_credits_and_profile_in_one_form(world, client_for, in_tenant):
    client = client_for(world.acme.hr, world.acme.host)
    response = client.post(
        f"/enrolments/{world.acme.people['enrolment']}/edit/",
        {
            "cohort": world.acme.people["cohort_b"],
            "coach": world.coach_both.pk,
            "credit_allowance": "8",
            "department": "Finance",
            "job_title": "Controller",
            "manager_email": world.acme.hr.email,
        },
    )
    assert response.status_code == 302
    with in_tenant(world.acme):
        enrolment = Enrolment.objects.get(pk=world.acme.people["enrolment"])
        assert (enrolment.cohort_id, enrolment.coach, enrolment.credit_allowance) == (
            world.acme.people["cohort_b"],
            world.coach_both,
            8,
        )
        assert EmployeeProfile.objects.get(user=world.acme.employee).job_title == "Controller"


def test_the_list_filters_and_searches_and_a_coach_sees_only_their_people(world, client_for):
    hr = client_for(world.acme.hr, world.acme.host)
    everyone = hr.get("/enrolments/").content.decode()
    assert world.acme.employee.email in everyone and world.acme.employee2.email in everyone
    found = hr.get("/enrolments/?q=employee2", HTTP_HX_REQUEST="true").content.decode()
    assert world.acme.employee2.email in found and world.acme.employee.email + "<" not in found
    by_department = hr.get("/enrolments/?q=operations").content.decode()
    assert "2 enrolments" in by_department
    coach = client_for(world.acme.coach, world.acme.host).get("/enrolments/").content.decode()
    assert world.acme.employee.email in coach and world.acme.employee2.email not in coach


def test_the_api_enrols_changes_and_moves_people_along(world, client_for, in_tenant):
    client = client_for(world.acme.hr, world.acme.host)
    created = client.post(
        "/api/v1/enrolments/",
        {"cohort": world.acme.people["cohort_a"], "email": "api@acme.test", "first_name": "Api", "last_name": "Person"},
        content_type="application/json",
    )
    assert created.status_code == 202  # invited: enrolled once they accept
    assert created.json() == {
        "status": "invited",
        "email": "api@acme.test",
        "first_name": "Api",
        "last_name": "Person",
        "cohort": world.acme.people["cohort_a"],
    }
    accept("api@acme.test")
    listed = client.get("/api/v1/enrolments/?q=api@acme.test").json()["results"]
    body = client.get(f"/api/v1/enrolments/{listed[0]['id']}/").json()
    assert (body["employee"]["email"], body["status"], body["credit_allowance"]) == ("api@acme.test", "invited", 6)
    assert (body["department"], body["job_title"]) == ("", "")  # where they stand comes along
    changed = client.patch(
        f"/api/v1/enrolments/{body['id']}/?status=active", {"credit_allowance": 4}, content_type="application/json"
    )
    assert changed.status_code == 200 and changed.json()["credit_allowance"] == 4
    assert "department" in changed.json()
    moved = client.post(
        f"/api/v1/enrolments/{body['id']}/status/", {"status": "completed"}, content_type="application/json"
    )
    assert moved.status_code == 400 and "cannot become" in str(moved.json())
    detail = client.get(f"/api/v1/enrolments/{body['id']}/").json()
    assert [(step["from_status"], step["to_status"]) for step in detail["history"]] == [("", "invited")]


def test_an_employee_reads_only_their_own_enrolment_through_the_api(world, client_for):
    client = client_for(world.acme.employee, world.acme.host)
    listed = client.get("/api/v1/enrolments/").json()
    assert [row["id"] for row in listed["results"]] == [world.acme.people["enrolment"]]
    assert client.get(f"/api/v1/enrolments/{world.acme.people['enrolment2']}/").status_code == 404
    assert (
        client.patch(
            f"/api/v1/enrolments/{world.acme.people['enrolment']}/",
            {"credit_allowance": 99},
            content_type="application/json",
        ).status_code
        == 404
    )


def _credits_cell(html: str, email: str) -> str:
    """The last cell of the list's row for `email` (the credits column)."""
    row = html[html.index(email) :]
    row = row[: row.index("</tr>")]
    return row[row.rindex("<td") :]


def test_the_list_shows_credits_left_beside_the_allowance_in_the_same_queries(world, client_for, in_tenant):
    hr = client_for(world.acme.hr, world.acme.host)
    hr.get("/enrolments/")  # per-process caches first
    with CaptureQueriesContext(connection) as before:
        hr.get("/enrolments/")
    with in_tenant(world.acme):
        enrolment = Enrolment.objects.get(pk=world.acme.people["enrolment"])
        Enrolment.objects.filter(pk=enrolment.pk).update(credit_allowance=6)
        CreditTransaction.objects.bulk_create(
            CreditTransaction(enrolment=enrolment, delta=delta, reason=reason)
            for delta, reason in (
                (-1, CreditTransaction.Reason.BOOKING),
                (-1, CreditTransaction.Reason.BOOKING),
                (1, CreditTransaction.Reason.REFUND),
                (-2, CreditTransaction.Reason.ADJUSTMENT),
            )
        )
        for other in Enrolment.objects.exclude(pk=enrolment.pk):  # every row has a ledger now
            CreditTransaction.objects.create(enrolment=other, delta=-1, reason=CreditTransaction.Reason.BOOKING)
        employee = enrolment.employee.email
        left = credit_balance(enrolment=enrolment)  # with whatever the world had booked before
        assert left < 6
    with CaptureQueriesContext(connection) as after:
        html = hr.get("/enrolments/").content.decode()
    cell = _credits_cell(html, employee)
    assert f">{left}<" in cell and "of 6" in cell
    # Credits left are part of the one query for the page of enrolments, not a query per row.
    assert len(after.captured_queries) == len(before.captured_queries)
    coach = client_for(world.acme.coach, world.acme.host).get("/enrolments/").content.decode()
    assert f">{left}<" in _credits_cell(coach, employee)


def test_hr_cannot_give_a_coach_more_coachees_than_their_capacity_across_organisations(hr, enrolment, world):
    coach = world.coach_both  # counted in both organisations
    used = coachees_counts([coach.pk])[coach.pk]
    profile_ensure(coach, capacity=used)
    before = Enrolment.objects.values("cohort", "coach", "credit_allowance").get(pk=enrolment.pk)
    with pytest.raises(ValidationError) as error:
        services.enrolment_update(
            actor=hr, enrolment=enrolment, cohort=enrolment.cohort, coach=coach, credit_allowance=9
        )
    assert error.value.message_dict == {
        "coach": [
            f"{coach.get_full_name()} is fully booked: they take at most {used} active coachees in total. "
            "Choose another coach."
        ]
    }
    assert Enrolment.objects.values("cohort", "coach", "credit_allowance").get(pk=enrolment.pk) == before
    profile_ensure(coach, capacity=used + 1)
    services.enrolment_update(actor=hr, enrolment=enrolment, cohort=enrolment.cohort, coach=coach, credit_allowance=9)
    assert Enrolment.objects.get(pk=enrolment.pk).coach == coach


def test_a_full_coach_keeps_the_coachees_they_have(hr, enrolment):
    coach = enrolment.coach
    profile_ensure(coach, capacity=coachees_counts([coach.pk])[coach.pk])
    services.enrolment_update(actor=hr, enrolment=enrolment, cohort=enrolment.cohort, coach=coach, credit_allowance=7)
    assert Enrolment.objects.get(pk=enrolment.pk).credit_allowance == 7


def test_taking_someone_back_needs_room_with_their_coach_and_changes_nothing_without(hr, enrolment):
    services.enrolment_status_change(actor=hr, enrolment=enrolment, to_status=Enrolment.Status.WITHDRAWN)
    coach = enrolment.coach
    # Meanwhile their coach's places are taken (counted across every organisation they coach for).
    profile_ensure(coach, capacity=coachees_counts([coach.pk])[coach.pk])
    with pytest.raises(ValidationError) as error:
        services.enrolment_status_change(actor=hr, enrolment=enrolment, to_status=Enrolment.Status.ACTIVE)
    assert error.value.message_dict == {
        "coach": [
            f"{coach.get_full_name()} is fully booked: they take at most "
            f"{coachees_counts([coach.pk])[coach.pk]} active coachees in total. Choose another coach for this "
            "person first."
        ]
    }
    assert Enrolment.objects.get(pk=enrolment.pk).status == Enrolment.Status.WITHDRAWN
    assert history(enrolment)[-1][1] == Enrolment.Status.WITHDRAWN  # no event recorded for the refusal
    # Withdrawing and completing never need room; with a place free again, they come back.
    profile_ensure(coach, capacity=coachees_counts([coach.pk])[coach.pk] + 1)
    services.enrolment_status_change(actor=hr, enrolment=enrolment, to_status=Enrolment.Status.ACTIVE)
    assert Enrolment.objects.get(pk=enrolment.pk).status == Enrolment.Status.ACTIVE

"""Answering step by step with autosave: every answer saved as given, a closed tab and a second device
lose nothing, submitted answers never change."""

import pytest
from django.urls import reverse

from assessments.models import Answer, Assignment, Question

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def final(world, in_tenant):
    """The employee's open final assessment (self-confidence at work: 17 questions, steps of 5)."""
    with in_tenant(world.acme):
        assignment = Assignment.objects.get(pk=world.acme.people["a_final"])
        questions = list(Question.objects.filter(version_id=assignment.version_id).order_by("position"))
    return assignment, questions


def saved(world, in_tenant, assignment):
    with in_tenant(world.acme):
        return {
            answer.question_id: answer.value or answer.text or answer.choice_id
            for answer in Answer.objects.filter(assignment=assignment)
        }


def test_each_answer_is_saved_as_given_and_the_page_says_so(world, client_for, in_tenant, final):
    assignment, questions = final
    client = client_for(world.acme.employee, world.acme.host)
    response = client.post(reverse("assignment_autosave", args=[assignment.pk]), {f"q_{questions[0].pk}": "4"}, **HTMX)
    assert response.status_code == 200
    body = response.content.decode()
    assert "Saved at" in body and 'id="answered-count" hx-swap-oob="true"' in body and "1 of 17 answered" in body
    assert saved(world, in_tenant, assignment) == {questions[0].pk: 4}


def test_a_second_device_with_an_older_page_does_not_overwrite_newer_answers(world, client_for, in_tenant, final):
    assignment, questions = final
    laptop = client_for(world.acme.employee, world.acme.host)
    phone = client_for(world.acme.employee, world.acme.host)
    url = reverse("assignment_autosave", args=[assignment.pk])
    first, second = questions[0].pk, questions[1].pk
    phone_page = phone.get(reverse("assignment_answer", args=[assignment.pk]))  # opened before any answer
    assert phone_page.status_code == 200
    laptop.post(url, {f"q_{first}": "5"}, **HTMX)
    # The page sends only the field that changed (hx-params), so the phone's save leaves the first alone.
    assert f'hx-params="q_{first}"' in phone_page.content.decode()
    phone.post(url, {f"q_{second}": "2"}, **HTMX)
    assert saved(world, in_tenant, assignment) == {first: 5, second: 2}


def test_a_closed_tab_reopens_where_it_left_off_with_the_answers_given(world, client_for, in_tenant, final):
    assignment, questions = final
    client = client_for(world.acme.employee, world.acme.host)
    url = reverse("assignment_autosave", args=[assignment.pk])
    for question in questions[:7]:
        client.post(url, {f"q_{question.pk}": "3"}, **HTMX)
    reopened = client_for(world.acme.employee, world.acme.host).get(reverse("assignment_answer", args=[assignment.pk]))
    body = reopened.content.decode()
    assert "Step 2 of 4" in body and "7 of 17 answered" in body
    assert f'name="q_{questions[6].pk}" value="3" checked' in body  # question 7, answered, on step 2
    assert f'name="q_{questions[7].pk}" value="3" checked' not in body


def test_a_wrong_answer_is_not_saved_and_the_page_says_why(world, client_for, in_tenant, final):
    assignment, questions = final
    client = client_for(world.acme.employee, world.acme.host)
    response = client.post(reverse("assignment_autosave", args=[assignment.pk]), {f"q_{questions[0].pk}": "9"}, **HTMX)
    body = response.content.decode()
    assert response.status_code == 200 and 'role="alert"' in body
    assert "Question 1: choose a whole number from 1 to 5" in body
    assert saved(world, in_tenant, assignment) == {}
    without_htmx = client.post(reverse("assignment_autosave", args=[assignment.pk]), {"q_0": "1"})
    assert without_htmx.status_code == 400


def test_the_buttons_save_the_step_without_scripts_and_move_on(world, client_for, in_tenant, final):
    assignment, questions = final
    client = client_for(world.acme.employee, world.acme.host)
    url = reverse("assignment_answer", args=[assignment.pk])
    data = {f"q_{question.pk}": "2" for question in questions[:5]}
    response = client.post(url + "?step=1", {**data, "next": "1"})
    assert response.status_code == 302 and response["Location"].endswith("?step=2")
    assert len(saved(world, in_tenant, assignment)) == 5
    back = client.post(url + "?step=2", {"previous": "1"})
    assert back["Location"].endswith("?step=1")
    last = client.post(url + "?step=4", {"next": "1"})
    assert last["Location"].endswith("?step=review")


def test_the_review_lists_open_required_questions_and_submitting_is_refused_until_answered(
    world, client_for, in_tenant, final
):
    assignment, questions = final
    client = client_for(world.acme.employee, world.acme.host)
    review = client.get(reverse("assignment_answer", args=[assignment.pk]) + "?step=review")
    assert "16 required questions are still open" in review.content.decode()
    refused = client.post(reverse("assignment_submit", args=[assignment.pk]), follow=True)
    assert "Answer every required question first. Still open: 1, 2, 3" in refused.content.decode()
    url = reverse("assignment_autosave", args=[assignment.pk])
    for question in questions:
        if question.required:
            client.post(url, {f"q_{question.pk}": "4"}, **HTMX)
    done = client.post(reverse("assignment_submit", args=[assignment.pk]))
    assert done.status_code == 302 and done["Location"] == reverse("result_mine")


def test_submitted_answers_never_change(world, client_for, in_tenant):
    client = client_for(world.acme.employee, world.acme.host)
    with in_tenant(world.acme):
        submitted = Assignment.objects.get(pk=world.acme.people["a_initial"])
        before = saved(world, in_tenant, submitted)
        question = Question.objects.filter(version_id=submitted.version_id).first()
    response = client.post(reverse("assignment_autosave", args=[submitted.pk]), {f"q_{question.pk}": "1"}, **HTMX)
    assert "can no longer change" in response.content.decode()
    assert saved(world, in_tenant, submitted) == before
    page = client.get(reverse("assignment_answer", args=[submitted.pk]))
    assert page.status_code == 302 and page["Location"] == reverse("assignment_result", args=[submitted.pk])


def test_someone_elses_assessment_is_not_found(world, client_for, final):
    assignment, questions = final
    colleague = client_for(world.acme.employee2, world.acme.host)
    assert colleague.get(reverse("assignment_answer", args=[assignment.pk])).status_code == 404
    assert (
        colleague.post(
            reverse("assignment_autosave", args=[assignment.pk]), {f"q_{questions[0].pk}": "1"}, **HTMX
        ).status_code
        == 404
    )

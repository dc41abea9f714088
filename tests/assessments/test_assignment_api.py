"""The assessments API: mine only, saving answers all or nothing, submitting, results after release."""

import pytest
from django.urls import reverse

from assessments.models import Answer, Assignment, Question

JSON = "application/json"


@pytest.fixture
def api(world, client_for):
    return client_for(world.acme.employee, world.acme.host)


def questions_of(world, in_tenant, key="a_final"):
    with in_tenant(world.acme):
        assignment = Assignment.objects.get(pk=world.acme.people[key])
        return list(Question.objects.filter(version_id=assignment.version_id).order_by("position"))


def test_the_list_is_mine_only(world, api, client_for):
    rows = api.get(reverse("assignment-list")).json()["results"]
    assert {row["id"] for row in rows} == {world.acme.people["a_initial"], world.acme.people["a_final"]}
    initial = next(row for row in rows if row["id"] == world.acme.people["a_initial"])
    assert initial["status"] == "submitted" and initial["results_available"] is True
    assert initial["instrument"]["title"] == "Self-confidence at work" and initial["questions"] == 17
    assert client_for(world.acme.hr, world.acme.host).get(reverse("assignment-list")).json()["results"] == []
    coach_rows = client_for(world.acme.coach, world.acme.host).get(reverse("assignment-list")).json()["results"]
    assert coach_rows == []  # a coach's list is their own assessments, not their coachees'


def test_the_detail_holds_the_questions_in_the_readers_language_and_my_answers(world, client_for):
    client = client_for(world.globex.employee, world.globex.host)
    data = client.get(reverse("assignment-detail", args=[world.globex.people["a_initial"]])).json()
    assert data["questions"][0]["text"] == "In overleggen zeg ik wat ik denk, ook als ik tegenspraak verwacht."
    assert data["questions"][0]["scale_min"] == 1 and data["questions"][0]["scale_max"] == 5
    assert len(data["answers"]) == 17


def test_put_saves_the_answers_named_and_returns_the_progress(world, api, in_tenant):
    questions = questions_of(world, in_tenant)
    url = reverse("assignment-answers", args=[world.acme.people["a_final"]])
    response = api.put(
        url,
        {
            "answers": [
                {"question": questions[0].pk, "value": 5},
                {"question": questions[16].pk, "text": "Ask for help sooner."},
            ]
        },
        content_type=JSON,
    )
    assert response.status_code == 200
    body = response.json()
    assert body["assignment"]["answered"] == 2 and body["assignment"]["status"] == "in_progress"
    assert {a["question"]: a["value"] or a["text"] for a in body["answers"]} == {
        questions[0].pk: 5,
        questions[16].pk: "Ask for help sooner.",
    }
    cleared = api.put(url, {"answers": [{"question": questions[0].pk, "value": None}]}, content_type=JSON)
    assert cleared.json()["assignment"]["answered"] == 1


@pytest.mark.parametrize(
    "payload, message",
    [
        ({"answers": [{"question": "first", "value": 9}]}, "value out of range"),
        ({"answers": []}, "empty"),
        ({}, "missing"),
        ({"answers": [{"value": 3}]}, "no question"),
    ],
)
def test_a_malformed_body_is_refused(world, api, payload, message):
    response = api.put(reverse("assignment-answers", args=[world.acme.people["a_final"]]), payload, content_type=JSON)
    assert response.status_code == 400, message


def test_one_wrong_answer_saves_none_and_the_message_names_the_question(world, api, in_tenant):
    questions = questions_of(world, in_tenant)
    response = api.put(
        reverse("assignment-answers", args=[world.acme.people["a_final"]]),
        {"answers": [{"question": questions[0].pk, "value": 4}, {"question": questions[1].pk, "value": 6}]},
        content_type=JSON,
    )
    assert response.status_code == 400
    assert response.json() == {"detail": ["Question 2: choose a whole number from 1 to 5."]}
    with in_tenant(world.acme):
        assert not Answer.objects.filter(assignment_id=world.acme.people["a_final"]).exists()


def test_submit_lists_what_is_open_and_the_result_waits_for_it(world, api, in_tenant):
    pk = world.acme.people["a_final"]
    assert api.get(reverse("assignment-result", args=[pk])).status_code == 409
    refused = api.post(reverse("assignment-submit", args=[pk]))
    assert refused.status_code == 400 and "Still open: 1, 2, 3" in refused.json()["detail"][0]
    answers = [
        {"question": q.pk, "value": 5} if q.is_scale else {"question": q.pk, "text": "More."}
        for q in questions_of(world, in_tenant)
    ]
    api.put(reverse("assignment-answers", args=[pk]), {"answers": answers}, content_type=JSON)
    done = api.post(reverse("assignment-submit", args=[pk]))
    assert done.status_code == 200 and done.json()["status"] == "submitted"
    result = api.get(reverse("assignment-result", args=[pk])).json()
    assert [(s["dimension"], s["score"]) for s in result["scores"]] == [
        ("voice", 75),
        ("capability", 50),
        ("setbacks", 50),
        ("boundaries", 75),
    ]
    assert result["scores"][0]["band"]["label"] == "A strength"
    again = api.put(reverse("assignment-answers", args=[pk]), {"answers": [answers[0]]}, content_type=JSON)
    assert again.status_code == 400 and "can no longer change" in again.json()["detail"][0]


def test_a_result_waiting_for_release_is_not_served(world, client_for):
    client = client_for(world.acme.employee2, world.acme.host)
    response = client.get(reverse("assignment-result", args=[world.acme.people["a_initial2"]]))
    assert response.status_code == 409 and "coach" in response.json()["detail"]


def test_anyone_elses_assessment_is_not_found_not_even_a_coachees(world, client_for):
    pk = world.acme.people["a_initial"]
    for user in (world.acme.employee2, world.acme.coach, world.acme.hr):
        client = client_for(user, world.acme.host)
        assert client.get(reverse("assignment-result", args=[pk])).status_code == 404
        assert client.get(reverse("assignment-detail", args=[pk])).status_code == 404


def test_instruments_are_listed_for_hr_and_coaches_with_both_languages(world, client_for):
    client = client_for(world.acme.coach, world.acme.host)
    rows = client.get(reverse("instrument-list")).json()["results"]
    keys = {row["key"] for row in rows}
    assert {"self-confidence-at-work", "readiness-for-change", "session-check-in"} <= keys
    builtin = client.get(reverse("instrument-detail", args=[world.acme.people["a_builtin"]])).json()
    assert builtin["frozen"] is True and len(builtin["questions"]) == 17
    assert builtin["dimensions"][0]["bands"][0]["text_nl"]
    assert client_for(world.acme.employee, world.acme.host).get(reverse("instrument-list")).status_code == 404

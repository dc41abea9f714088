"""The rater's personal link: answers once, closes with the round, works only on its organisation's host,
and shows nothing of who else was asked or what anyone answered."""

from __future__ import annotations

import re

from django.test import Client
from django.urls import reverse

from assessments.models import Question
from stakeholders.models import Rater, RaterAnswer, Round
from tenants.tokens import digest_of


def _url(token: str) -> str:
    return reverse("rater_answer", urlconf="portal.urls_tenant", args=[token])


def _questions(world, in_tenant):
    with in_tenant(world.acme):
        round = Round.objects.get(pk=world.acme.people["s_open"])
        return list(Question.objects.filter(version_id=round.version_id).order_by("position"))


def _all_answers(questions, value: int = 4, comment: str = "Plans well.") -> dict:
    return {f"q_{q.pk}": (str(value) if q.is_scale else comment) for q in questions}


def test_a_rater_saves_comes_back_submits_and_the_link_then_closes(world, in_tenant):
    client = Client(HTTP_HOST=world.acme.host)
    url = _url(world.acme.people["s_token_open"])
    questions = _questions(world, in_tenant)
    first = questions[0]
    page = client.get(url)
    assert page.status_code == 200 and "Feedback for" in page.content.decode()
    saved = client.post(url, {f"q_{first.pk}": "5", "save": "1"})
    assert saved.status_code == 302
    again = client.get(url).content.decode()
    assert f'name="q_{first.pk}" value="5" checked' in again
    # Submitting with a question left out is refused, naming it, and nothing is handed in.
    refused = client.post(url, {f"q_{questions[1].pk}": "", "submit": "1"})
    assert refused.status_code == 400 and "Answer this question." in refused.content.decode()
    done = client.post(url, {**_all_answers(questions), "submit": "1"})
    assert done.status_code == 200 and "Thank you" in done.content.decode()
    assert client.get(url).status_code == 404
    assert client.post(url, {**_all_answers(questions, 1), "submit": "1"}).status_code == 404
    with in_tenant(world.acme):
        rater = Rater.objects.get(token_digest=digest_of(world.acme.people["s_token_open"]))
        assert rater.submitted_at is not None
        assert RaterAnswer.objects.filter(rater=rater, value=4).count() == sum(q.is_scale for q in questions)


def test_a_value_off_the_scale_is_refused_and_nothing_is_written(world, in_tenant):
    client = Client(HTTP_HOST=world.acme.host)
    questions = _questions(world, in_tenant)
    response = client.post(_url(world.acme.people["s_token_open"]), {f"q_{questions[0].pk}": "9", "save": "1"})
    assert response.status_code == 400 and "Choose a value from 1 to 5." in response.content.decode()
    with in_tenant(world.acme):
        assert not RaterAnswer.objects.filter(rater__token_digest=digest_of(world.acme.people["s_token_open"])).exists()


def test_a_used_a_closed_and_an_unknown_link_answer_alike(world):
    client = Client(HTTP_HOST=world.acme.host)
    bodies = set()
    for token in (world.acme.people["s_token_used"], world.acme.people["s_token_closed"], "no-such-token"):
        response = client.get(_url(token))
        assert response.status_code == 404
        # The same page but for the address it was asked at and the form's CSRF token.
        page = response.content.decode().replace(token, "TOKEN")
        bodies.add(re.sub(r"[A-Za-z0-9]{64}", "CSRF", page))
    assert len(bodies) == 1 and "This link is closed" in bodies.pop()


def test_a_link_of_one_organisation_is_refused_on_another_host(world):
    client = Client(HTTP_HOST=world.globex.host)
    assert client.get(_url(world.acme.people["s_token_open"])).status_code == 404
    assert client.post(_url(world.acme.people["s_token_open"]), {"submit": "1"}).status_code == 404


def test_the_rater_page_reveals_no_one_else_and_no_answer(world, in_tenant):
    with in_tenant(world.acme):
        round = Round.objects.get(pk=world.acme.people["s_open"])
        others = list(round.raters.exclude(token_digest=digest_of(world.acme.people["s_token_open"])))
        said = list(RaterAnswer.objects.filter(rater__round=round).exclude(text="").values_list("text", flat=True))
    assert said, "another rater of the round has written a comment"
    page = Client(HTTP_HOST=world.acme.host).get(_url(world.acme.people["s_token_open"])).content.decode()
    for rater in others:
        assert rater.email not in page
    for text in said:
        assert text not in page
    assert "Kind and clear." not in page
    # Nor how many were asked or answered.
    assert "of 3" not in page and "answered" not in page.lower().replace("answered by", "")

"""Answers to a signed-in person are never stored by a browser or a proxy (Cache-Control: no-store).

Pages, fragments, files and API answers may hold coaching content; portal.middleware.NoStoreMiddleware
marks them all. The test asks every GET case of the access matrix, as every signed-in role that gets a 200,
on an organisation host and on the public host.
"""

from __future__ import annotations

from django.test import Client
from django.urls import reverse

from tenants import tokens
from tests.responses import answers


def _no_store(response) -> bool:
    return "no-store" in response.get("Cache-Control", "")


def test_every_answer_to_a_signed_in_person_is_no_store(world):
    asked, failures = 0, []
    for answer in answers(world):
        if answer.response.status_code != 200:
            continue
        asked += 1
        if not _no_store(answer.response):
            failures.append(
                f"{answer.case.host} {answer.url} ({answer.role}): "
                f"Cache-Control {answer.response.get('Cache-Control')!r}"
            )
    assert asked > 100
    assert not failures, "answers a cache may keep:\n" + "\n".join(failures)


def test_an_api_answer_to_a_token_is_no_store(world):
    token = tokens.token_create(user=world.acme.employee, name="No store").raw
    client = Client(HTTP_HOST=world.acme.host, HTTP_AUTHORIZATION=f"Token {token}")
    response = client.get(reverse("api-root"))
    assert response.status_code == 200 and _no_store(response)


def test_static_files_and_the_health_check_may_be_cached(world, client_for):
    client = client_for(world.acme.hr, world.acme.host)
    assert "no-store" not in client.get("/static/css/portal.css").get("Cache-Control", "")
    assert client.get("/healthz").status_code == 200

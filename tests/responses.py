"""Every page, fragment, file and API answer a signed-in person can get, found from the access matrix.

The access matrix (tests/access/) names every URL pattern (tests/test_url_coverage.py sees to that) with
the status each role gets. `answers()` asks every GET case as each signed-in role the matrix lets through
(200), so a test over "every response" cannot miss a view added later.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.http import HttpResponse
from django.test import Client
from django.urls import reverse

from tests.access import ROLES, Case
from tests.test_access_matrix import all_cases
from tests.world import sign_in

SIGNED_IN = tuple(role for role in ROLES if role != "anonymous")


@dataclass
class Answer:
    case: Case
    role: str
    url: str
    response: HttpResponse
    body: bytes  # read before the request's savepoint is rolled back (streamed files too)


def get_cases() -> list[Case]:
    return [case for case in all_cases() if case.method == "get"]


def ask(case: Case, world, role: str, org_key: str = "acme") -> Answer:
    """One GET case as `role`, in a savepoint rolled back afterwards (as the access matrix asks it)."""
    host = "localhost" if case.host == "public" else world.org(org_key).host
    client = sign_in(Client(HTTP_HOST=host), world.user(role, org_key), host)
    urlconf = "portal.urls_public" if case.host == "public" else "portal.urls_tenant"
    url = reverse(case.name, urlconf=urlconf, kwargs=case.kwargs(world, org_key) if case.kwargs else {}) + case.query
    with transaction.atomic():
        response = client.get(url, **case.extra)
        body = b"".join(response.streaming_content) if response.streaming else response.content
        transaction.set_rollback(True)
    return Answer(case=case, role=role, url=url, response=response, body=body)


def answers(world, *, roles: tuple[str, ...] = SIGNED_IN, org_key: str = "acme", first_only: bool = False):
    """(Answer) for every GET case and every role in `roles` the matrix expects a 200 for.
    `first_only`: one role per case (enough to learn what kind of answer a URL gives)."""
    for case in get_cases():
        for role in roles:
            if case.status_for(role) != 200:
                continue
            yield ask(case, world, role, org_key)
            if first_only:
                break

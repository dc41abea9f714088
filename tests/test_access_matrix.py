"""Runs every case of the access matrix (tests/access/) for every role, on both organisations."""

from __future__ import annotations

import importlib
import pkgutil

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse

import tests.access
from tests.access import ROLES, Case
from tests.world import sign_in


def all_cases() -> list[Case]:
    """The CASES of every `cases_<app>` module, and of the modules of a `cases_<app>` package."""
    cases = []
    for module in pkgutil.walk_packages(tests.access.__path__, "tests.access."):
        if module.name.removeprefix("tests.access.").startswith("cases_"):
            cases.extend(importlib.import_module(module.name).CASES)
    return cases


def case_id(case: Case) -> str:
    return f"{case.host}:{case.name}:{case.method}"


def request(case: Case, world, org_key: str, user, bound_host: str | None = None):
    host = "localhost" if case.host == "public" else world.org(org_key).host
    client = Client(HTTP_HOST=host)
    if user is not None:
        sign_in(client, user, bound_host or host)
    urlconf = "portal.urls_public" if case.host == "public" else "portal.urls_tenant"
    kwargs = case.kwargs(world, org_key) if case.kwargs else {}
    url = reverse(case.name, urlconf=urlconf, kwargs=kwargs) + case.query
    data = case.data(world, org_key) if callable(case.data) else case.data
    send = getattr(client, case.method)
    options = dict(case.extra)
    if case.content_type:
        options["content_type"] = case.content_type
    # Each request in its own savepoint, so one role's write does not change what the next one sees.
    with transaction.atomic():
        response = send(url, data, **options) if data is not None else send(url, **options)
        transaction.set_rollback(True)
    return response


@pytest.mark.parametrize("case", all_cases(), ids=case_id)
def test_access_matrix(case: Case, world):
    org_keys = ("acme",) if case.host == "public" else ("acme", "globex")
    failures = []
    for org_key in org_keys:
        for role in ROLES:
            user = world.user(role, org_key)
            status = request(case, world, org_key, user).status_code
            if status != case.status_for(role):
                failures.append(f"{org_key} {role}: got {status}, expected {case.status_for(role)}")
        if case.host == "tenant":
            other = world.other(org_key)
            for role in ("hr", "coach", "employee"):
                user = getattr(other, role)
                status = request(case, world, org_key, user).status_code
                if status != case.other_org:
                    failures.append(f"{org_key} other organisation's {role}: got {status}, expected {case.other_org}")
    assert not failures, "\n".join(failures)

"""scim2-tester, the SCIM conformance checker, against our service over HTTP: no check fails or is skipped."""

from __future__ import annotations

from collections import Counter

from scim2_tester import Status, check_server

PASSING = (Status.SUCCESS, Status.COMPLIANT, Status.ACCEPTABLE)


def test_scim2_tester_finds_no_failure(scim_client):
    results = check_server(scim_client("acme"), raise_exceptions=False)
    failures = [
        f"{r.status.name} {r.title} [{r.resource_type}]: {r.reason}" for r in results if r.status not in PASSING
    ]
    assert not failures, "\n".join(failures)
    titles = Counter(r.title for r in results)
    # Discovery, every CRUD check and the PATCH checks all ran.
    for title in ("object_creation", "object_query", "object_replacement", "object_deletion", "check_add_attribute"):
        assert titles[title] >= 1, title
    assert len(results) > 100

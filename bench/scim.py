"""SCIM provisioning: creating people one request at a time, as Entra ID does. A SCIM client POSTs PEOPLE new Users (each an invitation to the employee role, in its own transaction) to a
bench organisation's /scim/v2/Users on gunicorn (2 workers), with a SCIM token; the baseline is the same
number of GET /healthz requests on the same server in the same run. Then 10 % are deactivated by PATCH.
Median of RUNS runs; each run starts from an organisation without provisioned people.

    python -m bench.scim      # alone, on the benchmark database; prints Markdown table rows
    python -m bench.run scim  # through the harness, into BENCHMARKS.md
"""

from __future__ import annotations

import http.client
import json
import os
import time

TITLE = "SCIM: people created one request at a time"
SLUG = "bench-scim"
PEOPLE = int(os.environ.get("BENCH_SCIM_PEOPLE", 5000))
RUNS = int(os.environ.get("BENCH_SCIM_RUNS", 3))
USER = "urn:ietf:params:scim:schemas:core:2.0:User"
PATCH = "urn:ietf:params:scim:api:messages:2.0:PatchOp"


def _fresh(organisation) -> str:
    """No provisioned people and no invitations left by an earlier run; a new token."""
    from django_tenants.utils import tenant_context

    from scim.models import ScimToken, ScimUser
    from scim.tokens import scim_token_create
    from tenants.models import Invitation

    Invitation.objects.filter(organisation=organisation).delete()
    with tenant_context(organisation):
        ScimUser.objects.all().delete()
        ScimToken.objects.all().delete()
        return scim_token_create(organisation=organisation, name="bench", created_by=None).raw


def _send(port: int, method: str, host: str, path: str, token: str = "", body: dict | None = None) -> dict:
    """One request on a connection of its own (gunicorn's sync workers close each one after the answer)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    headers = {"Host": host}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    payload = None
    if body is not None:
        payload = json.dumps(body)
        headers["Content-Type"] = "application/scim+json"
    try:
        connection.request(method, path, body=payload, headers=headers)
        response = connection.getresponse()
        data = response.read()
    finally:
        connection.close()
    if response.status >= 400:
        raise RuntimeError(f"{method} {path}: {response.status} {data[:300]!r}")
    return json.loads(data) if data and path.startswith("/scim/") else {}


def run() -> list[dict]:
    from bench.common import median, organisation_make, portal_server, row
    from tenants.services import organisation_host

    organisation = organisation_make(slug=SLUG, employees=0, coaches=0)
    host = organisation_host(organisation.slug)
    creates, deactivations, baselines = [], [], []
    with portal_server(workers=2) as server:
        for run_number in range(RUNS):
            token = _fresh(organisation)
            started = time.perf_counter()
            for _ in range(PEOPLE):
                _send(server.port, "GET", host, "/healthz")
            baselines.append(PEOPLE / (time.perf_counter() - started))
            ids = []
            started = time.perf_counter()
            for number in range(PEOPLE):
                email = f"person{number:05d}.r{run_number}@bench-scim.example.com"
                body = {
                    "schemas": [USER],
                    "userName": email,
                    "name": {"givenName": "Bench", "familyName": f"{number:05d}"},
                    "emails": [{"value": email, "primary": True}],
                    "active": True,
                }
                ids.append(_send(server.port, "POST", host, "/scim/v2/Users", token, body)["id"])
            creates.append(PEOPLE / (time.perf_counter() - started))
            leaving = ids[: PEOPLE // 10]
            started = time.perf_counter()
            for pk in leaving:
                operation = {"op": "replace", "path": "active", "value": False}
                _send(
                    server.port,
                    "PATCH",
                    host,
                    f"/scim/v2/Users/{pk}",
                    token,
                    {"schemas": [PATCH], "Operations": [operation]},
                )
            deactivations.append(len(leaving) / (time.perf_counter() - started))
    _fresh(organisation)
    baseline = median(baselines)
    notes = f"{PEOPLE} people per run, a connection each, gunicorn 2 workers; baseline GET /healthz {baseline:.0f}/s"
    return [
        row(
            "SCIM POST /Users (invite a new person)",
            runs=RUNS,
            requests_per_second=round(median(creates), 1),
            ratio_to_healthz=round(median(creates) / baseline, 3),
            notes=notes,
        ),
        row(
            "SCIM PATCH active=false (deprovision)",
            runs=RUNS,
            requests_per_second=round(median(deactivations), 1),
            ratio_to_healthz=round(median(deactivations) / baseline, 3),
            notes=notes,
        ),
    ]


if __name__ == "__main__":
    from bench.common import run_alone

    run_alone(run)

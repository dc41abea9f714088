"""A CSV import hit by a killed gunicorn worker or a terminated database connection at a random moment,
20 times: afterwards the file is imported completely or not at all (people, memberships, enrolments and
invitations alike), and sending it again imports it exactly once."""

import time
import uuid
from datetime import timedelta

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context, tenant_context

from programmes.models import Cohort, Enrolment, Programme
from tenants.models import Invitation, Membership
from tests.faults.conftest import TRIALS
from tests.faults.injection import (
    Outcome,
    PendingRequest,
    Tally,
    after_random_delay,
    kill_serving_worker,
    report,
    terminate_connections,
    wait_for_web_workers,
    web_workers,
)
from tests.prod.scenario import DEMO_PASSWORD, HR, organisation

pytestmark = pytest.mark.faults
ROWS = 250  # imported at once by the API, in one transaction


def programme_with_cohort() -> tuple[int, str]:
    tag = uuid.uuid4().hex[:8]
    today = timezone.localdate()
    with tenant_context(organisation("acme")):
        programme = Programme.objects.create(
            name=f"Fault check {tag}",
            starts_on=today,
            ends_on=today + timedelta(days=60),
            status=Programme.Status.ACTIVE,
        )
        cohort = Cohort.objects.create(programme=programme, name=f"Wave {tag}", capacity=ROWS * (TRIALS + 1))
    return programme.pk, cohort.name


def csv_of(emails: list[str], cohort: str) -> bytes:
    return (
        "email,first name,last name,department,cohort\n"
        + "".join(f"{email},Fault,{number:04d},Depot,{cohort}\n" for number, email in enumerate(emails))
    ).encode()


def counts(emails: list[str], programme_id: int) -> dict[str, int]:
    """What the import wrote for these new people: an invitation each, holding a seat in a cohort of the
    programme (nobody becomes a member or is enrolled before accepting, checked here too)."""
    with schema_context("public"):
        assert not Membership.objects.filter(user__email__in=emails, organisation__slug="acme").exists()
        invitations = Invitation.objects.filter(
            email__in=emails, organisation__slug="acme", status=Invitation.Status.PENDING
        )
        cohort_ids = list(invitations.values_list("cohort", flat=True))
    with tenant_context(organisation("acme")):
        assert not Enrolment.objects.filter(programme_id=programme_id, employee__email__in=emails).exists()
        in_programme = set(Cohort.objects.filter(programme_id=programme_id).values_list("pk", flat=True))
    return {"invitations": len(cohort_ids), "seats": sum(1 for cohort in cohort_ids if cohort in in_programme)}


def upload(client, programme_id: int, data: bytes, **kwargs):
    return dict(data={"programme": programme_id}, files={"file": ("employees.csv", data, "text/csv")}, **kwargs)


def test_an_interrupted_import_is_all_or_nothing_and_can_be_sent_again(stack, client_for):
    per_process = len(web_workers(stack)[stack["web"][0]["port"]])
    programme_id, cohort = programme_with_cohort()
    client = client_for("acme.localhost")
    client.obtain_token(HR["acme"], DEMO_PASSWORD)
    # How long one import takes here: the faults fall inside that window.
    emails = [f"calibrate-{uuid.uuid4().hex[:6]}-{n}@acme.example" for n in range(ROWS)]
    started = time.monotonic()
    response = client.post("/api/v1/enrolments/import/", **upload(client, programme_id, csv_of(emails, cohort)))
    duration = time.monotonic() - started
    assert response.status == 200, response.text[:500]
    tally = Tally(f"CSV import of {ROWS} rows ({duration:.1f} s undisturbed)")
    for trial in range(TRIALS):
        emails = [f"fault-{trial}-{uuid.uuid4().hex[:6]}-{n}@acme.example" for n in range(ROWS)]
        data = csv_of(emails, cohort)
        request = PendingRequest(
            client, "POST", "/api/v1/enrolments/import/", **upload(client, programme_id, data)
        ).start()
        if trial % 2 == 0:
            fault = "SIGKILL of the serving gunicorn worker"
            thread, record = after_random_delay(0, duration, lambda: kill_serving_worker(stack, request))
        else:
            fault = "pg_terminate_backend of the web processes' busy connections"
            thread, record = after_random_delay(
                0, duration, lambda: terminate_connections(stack, "web", only_busy=True)
            )
        request.wait()
        thread.join()
        found = counts(emails, programme_id)
        result = (
            "completed"
            if request.response is not None and request.response.status == 200
            else "interrupted"
            if request.interrupted
            else f"answered {request.response.status}"
        )
        tally.add(
            Outcome(trial, fault, record["delay"], hit=bool(record.get("result")), result=result, notes=str(found))
        )
        assert set(found.values()) in ({0}, {ROWS}), f"trial {trial}: a partial import after {fault}: {found}"
        if result == "completed":
            assert found["invitations"] == ROWS
        wait_for_web_workers(stack, per_process)
        again = client.post("/api/v1/enrolments/import/", **upload(client, programme_id, data))
        assert again.status == 200, f"trial {trial}: sending the file again: {again.status} {again.text[:300]}"
        assert set(counts(emails, programme_id).values()) == {ROWS}, f"trial {trial}: not imported exactly once"
    report(tally)

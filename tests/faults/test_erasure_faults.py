"""An erasure carried out by the Celery worker while its pool process is killed or its database
connections are terminated at a random moment, 20 times: at every moment the person is either untouched
or erased in every organisation (never half), the erasure then completes, and no row anywhere still
points at the person's content."""

import time
import uuid
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.utils import timezone
from django_tenants.utils import schema_context, tenant_context

from assessments.models import Goal, Reflection
from programmes.models import Cohort, Enrolment, Programme
from reports.models import ErasureRequest
from reports.tasks import erasures_run
from tenants.models import Membership, Role, User
from tests.faults.conftest import TRIALS
from tests.faults.injection import Outcome, Tally, after_random_delay, kill_celery_child, report, terminate_connections
from tests.prod.scenario import organisation

pytestmark = pytest.mark.faults
SLUGS = ("acme", "globex")


def person_with_content() -> tuple[User, str]:
    """An employee of both organisations with an enrolment, reflections and goals in each, and an erasure
    of everything they have, due now, asked in Acme."""
    canary = f"canary-{uuid.uuid4().hex}"
    with schema_context("public"):
        person = User.objects.create_user(email=f"{canary}@acme.example", first_name="Canary", last_name="Person")
        for slug in SLUGS:
            Membership.objects.create(user=person, organisation=organisation(slug), role=Role.EMPLOYEE)
    today = timezone.localdate()
    for slug in SLUGS:
        with tenant_context(organisation(slug)):
            programme = Programme.objects.create(
                name=f"Erasure {canary}",
                starts_on=today,
                ends_on=today + timedelta(days=30),
                status=Programme.Status.ACTIVE,
            )
            cohort = Cohort.objects.create(programme=programme, name="Erasure")
            Enrolment.objects.create(
                programme=programme, cohort=cohort, employee=person, status=Enrolment.Status.ACTIVE, credit_allowance=3
            )
            for number in range(3):
                Reflection.objects.create(employee=person, body=f"{canary} reflection {number}")
                Goal.objects.create(employee=person, title=f"{canary} goal {number}", why=canary)
    with tenant_context(organisation("acme")):
        ErasureRequest.objects.create(
            person=person,
            requested_by=person,
            scope=ErasureRequest.Scope.EVERYWHERE,
            due_at=timezone.now() - timedelta(minutes=1),
        )
    return person, canary


def snapshot(person: User, canary: str) -> dict:
    """The person's state in every organisation, read in one consistent snapshot of the database."""
    state = {}
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        with schema_context("public"):
            state["memberships"] = Membership.objects.filter(user=person).count()
            state["email kept"] = User.objects.filter(pk=person.pk, email__startswith=canary).exists()
        for slug in SLUGS:
            with tenant_context(organisation(slug)):
                state[f"{slug} content"] = (
                    Reflection.objects.filter(body__contains=canary).count()
                    + Goal.objects.filter(title__contains=canary).count()
                )
        with tenant_context(organisation("acme")):
            state["request"] = ErasureRequest.objects.get(person=person).status
    return state


UNTOUCHED = {"memberships": 2, "email kept": True, "acme content": 6, "globex content": 6, "request": "pending"}
ERASED = {"memberships": 0, "email kept": False, "acme content": 0, "globex content": 0, "request": "completed"}


def test_an_erasure_is_never_half_done_when_the_worker_dies_under_it(stack):
    tally = Tally("erasure of a person in two organisations on the Celery worker")
    for trial in range(TRIALS):
        person, canary = person_with_content()
        assert snapshot(person, canary) == UNTOUCHED
        erasures_run.delay()
        if trial % 2 == 0:
            fault = "SIGKILL of the Celery pool processes"
            thread, record = after_random_delay(0, 1.5, lambda: kill_celery_child(stack))
        else:
            fault = "pg_terminate_backend of the worker's connections"
            thread, record = after_random_delay(0, 1.5, lambda: terminate_connections(stack, "worker"))
        thread.join()
        seen = snapshot(person, canary)
        assert seen in (UNTOUCHED, ERASED), f"trial {trial}: half an erasure after {fault}: {seen}"
        # Whatever the fault did, the erasure gets done: redelivered by the broker or by the next run.
        deadline = time.monotonic() + 90
        while snapshot(person, canary) != ERASED and time.monotonic() < deadline:
            if snapshot(person, canary) == UNTOUCHED:
                erasures_run.delay()
            time.sleep(2)
        final = snapshot(person, canary)
        assert final == ERASED, f"trial {trial}: the erasure did not complete after {fault}: {final}"
        tally.add(
            Outcome(
                trial,
                fault,
                record["delay"],
                hit=bool(record.get("result")),
                result="erased at once" if seen == ERASED else "erased after a retry",
            )
        )
    report(tally)

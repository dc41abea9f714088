"""Two imports into the same cohort at the same moment, on real database connections: the cohort's row
lock makes the second wait and then see the first one's people (invited, each holding a seat), so a
cohort is never overfilled."""

from __future__ import annotations

import threading
from datetime import date

from django.db import connection
from django.utils import timezone
from django_tenants.utils import schema_context, tenant_context

from portal import policy
from programmes.models import Cohort, EmployeeProfile, Enrolment, Programme
from programmes.services import imports
from tenants.models import Invitation, Membership, PlatformEvent, User
from tests.world import build_world

RACERS = 2
PEOPLE_EACH = 3
CAPACITY = 4


def _file(racer: int) -> bytes:
    rows = [f"race{racer}.{n}@acme.test,Race,{racer}-{n},,,,Race cohort" for n in range(PEOPLE_EACH)]
    return ("email,first name,last name,department,job title,manager email,cohort\n" + "\n".join(rows)).encode()


def test_two_imports_at_once_never_overfill_a_cohort(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        world = build_world()  # committed once per test database; nothing here runs in a test transaction
        acme = world.acme
        started = timezone.now()
        with tenant_context(acme.organisation):
            programme = Programme.objects.create(
                name="Race programme",
                starts_on=date(2026, 1, 1),
                ends_on=date(2026, 12, 31),
                status=Programme.Status.ACTIVE,
            )
            cohort = Cohort.objects.create(programme=programme, name="Race cohort", capacity=CAPACITY)
        barrier = threading.Barrier(RACERS)
        outcomes: dict[int, imports.ImportOutcome] = {}

        def race(racer: int) -> None:
            try:
                with tenant_context(acme.organisation):
                    actor = policy.actor_for(acme.hr, acme.organisation)
                    barrier.wait(timeout=10)
                    outcomes[racer] = imports.enrolment_import(actor=actor, data=_file(racer), programme=programme)
            finally:
                connection.close()

        threads = [threading.Thread(target=race, args=(racer,)) for racer in range(RACERS)]
        try:
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=60)
            with tenant_context(acme.organisation):
                seated = (
                    Enrolment.objects.filter(programme=programme).count()
                    + Invitation.objects.filter(
                        organisation=acme.organisation, cohort=cohort.pk, status=Invitation.Status.PENDING
                    ).count()
                )
            assert sorted(outcome.ok for outcome in outcomes.values()) == [False, True]
            assert seated == PEOPLE_EACH <= CAPACITY
            loser = next(outcome for outcome in outcomes.values() if not outcome.ok)
            assert "“Race cohort” is full from this row on" in loser.errors[0].message
        finally:
            _clean_up(acme, programme, started)


def _clean_up(acme, programme: Programme, started) -> None:
    """Remove exactly what this test made."""
    with tenant_context(acme.organisation):
        users = list(
            User.objects.filter(email__startswith="race", email__endswith="@acme.test").values_list("pk", flat=True)
        )
        EmployeeProfile.objects.filter(user_id__in=users).delete()
        Enrolment.objects.filter(programme=programme).delete()  # and their history
        Cohort.objects.filter(programme=programme).delete()
        programme.delete()
    with schema_context("public"):
        Invitation.objects.filter(
            organisation=acme.organisation, email__startswith="race", email__endswith="@acme.test"
        ).delete()
        Membership.objects.filter(user_id__in=users).delete()
        PlatformEvent.objects.filter(
            organisation=acme.organisation, action="invitations.imported", created_at__gte=started
        ).delete()
        with tenant_context(acme.organisation):  # users' rows in the organisation's schema are gone already
            User.objects.filter(pk__in=users).delete()

"""A coach's capacity is never exceeded, on real concurrent connections.

Employees of both organisations press "choose" on the same coach at the same moment, each thread with its
own database connection on its own organisation's host: exactly as many get the coach as the coach has
places left, counted across both organisations; everyone else is told the coach is full. HR assigning by
hand and an import naming the coach race the same way. The threads must
see the data, so it is committed: the test makes its own coach and people and removes exactly what it made.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.sessions.models import Session as WebSession
from django.db import connection, transaction
from django.test import Client
from django_tenants.utils import schema_context, tenant_context

from coaches.models import CoachProfile
from matching.models import Intake, PoolMember, Suggestion
from matching.services import coach_room_held
from portal import policy
from programmes.models import LIVE_STATUSES, EmployeeProfile, Enrolment, Programme
from programmes.services import imports
from tenants.models import Membership, Role, User
from tests.connections import in_own_connection
from tests.programmes.test_booking_concurrency import _press_together
from tests.world import PASSWORD, build_world, sign_in

PER_ORGANISATION = 5
DOMAIN = "@race-choose.test"


@dataclass
class Chooser:
    client: Client
    suggestion_id: int
    enrolment_id: int
    org: object


@dataclass
class Made:
    users: list = field(default_factory=list)
    session_keys: list = field(default_factory=list)


def _setup(world, made: Made, capacity: int) -> tuple[User, list[Chooser]]:
    with schema_context("public"):
        coach = User.objects.create_user(email=f"coach{DOMAIN}", password=PASSWORD, first_name="Rae", last_name="Race")
        made.users.append(coach)
        CoachProfile.objects.create(coach=coach, languages=["en"], modes=["video"], capacity=capacity)
    choosers = []
    for org in (world.acme, world.globex):
        Membership.objects.create(user=coach, organisation=org.organisation, role=Role.COACH, is_active=True)
        with tenant_context(org.organisation):
            PoolMember.objects.create(coach=coach, status=PoolMember.Status.ACCEPTED)
            for number in range(PER_ORGANISATION):
                user = User.objects.create_user(
                    email=f"chooser{number}-{org.organisation.slug}{DOMAIN}",
                    password=PASSWORD,
                    first_name="Chooser",
                    last_name=str(number),
                )
                made.users.append(user)
                Membership.objects.create(user=user, organisation=org.organisation, role=Role.EMPLOYEE)
                enrolment = Enrolment.objects.create(
                    programme_id=org.people["programme"],
                    cohort_id=org.people["cohort_b"],
                    employee=user,
                    status=Enrolment.Status.ACTIVE,
                    credit_allowance=3,
                )
                intake = Intake.objects.create(
                    enrolment=enrolment, employee=user, focus=["career"], language="en", mode="video", times=["morning"]
                )
                suggestion = Suggestion.objects.create(intake=intake, coach=coach, rank=1, score=1)
                client = sign_in(Client(HTTP_HOST=org.host), user, org.host)
                made.session_keys.append(client.session.session_key)
                choosers.append(Chooser(client, suggestion.pk, enrolment.pk, org))
    return coach, choosers


def _clean(world, made: Made) -> None:
    user_ids = [user.pk for user in made.users]
    for org in (world.acme, world.globex):
        with tenant_context(org.organisation):
            Intake.objects.filter(enrolment__employee_id__in=user_ids).delete()
            Enrolment.objects.filter(employee_id__in=user_ids).delete()
            PoolMember.objects.filter(coach_id__in=user_ids).delete()
    with tenant_context(world.acme.organisation):
        WebSession.objects.filter(session_key__in=made.session_keys).delete()
        Membership.objects.filter(user_id__in=user_ids).delete()
        CoachProfile.objects.filter(coach_id__in=user_ids).delete()
        User.objects.filter(pk__in=user_ids).delete()


def _coached_by(world, coach_id: int) -> int:
    """The coach's coachees in both organisations: invited or active enrolments naming them."""
    total = 0
    for org in (world.acme, world.globex):
        with tenant_context(org.organisation):
            total += Enrolment.objects.filter(coach_id=coach_id, status__in=LIVE_STATUSES).count()
    return total


@contextmanager
def _coach_and_choosers(capacity: int) -> Iterator[tuple]:
    """The world, what is made for the race (removed afterwards, as is anything a failed run left), the
    coach with `capacity` places and five employees in each organisation who may choose them; every write
    on connections of its own, committed, as the racing requests see them."""
    assert connection.settings_dict["NAME"] == settings.DATABASES["default"]["TEST"]["NAME"]
    world = in_own_connection(build_world)
    in_own_connection(lambda: _clean(world, Made(users=list(User.objects.filter(email__endswith=DOMAIN)))))
    made = Made()
    try:
        coach, choosers = in_own_connection(lambda: _setup(world, made, capacity))
        yield world, made, coach, choosers
    finally:
        in_own_connection(lambda: _clean(world, made))


def _race(capacity: int) -> None:
    with _coach_and_choosers(capacity) as (world, _made, coach, choosers):
        results = _press_together(
            [
                lambda chooser=chooser: chooser.client.post(f"/api/v1/suggestions/{chooser.suggestion_id}/choose/")
                for chooser in choosers
            ]
        )
        errors = [result for result in results if isinstance(result, Exception)]
        assert not errors, errors
        statuses = sorted(response.status_code for response in results)
        assert statuses == [200] * capacity + [409] * (len(choosers) - capacity), statuses
        assert {response.json()["code"] for response in results if response.status_code == 409} == {"coach_full"}
        assert in_own_connection(lambda: _coached_by(world, coach.pk)) == capacity


def test_ten_employees_of_two_organisations_choosing_a_coachs_last_place_at_once_one_gets_it(db):
    _race(capacity=1)


def test_a_coach_with_three_places_gets_three_coachees_however_many_choose_at_once(db):
    _race(capacity=3)


def test_hr_assigning_and_an_employee_choosing_a_coachs_last_place_at_once_only_one_gets_it(db):
    """HR's assignment by hand takes the same lock and counts the same coachees as choosing: with one
    place left, one of the two wins and the other is told the coach is full, whichever comes first."""
    with _coach_and_choosers(capacity=1) as (world, made, coach, choosers):
        chooser, assigned = choosers[0], choosers[1]  # both in acme: HR assigns the coach to the second
        hr = _hr_signed_in(world, made)
        results = _press_together(
            [
                lambda: chooser.client.post(f"/api/v1/suggestions/{chooser.suggestion_id}/choose/"),
                lambda: hr.patch(
                    f"/api/v1/enrolments/{assigned.enrolment_id}/",
                    {"coach": coach.pk},
                    content_type="application/json",
                ),
            ]
        )
        _one_of_the_two_won(world, coach, results, "Choose another coach.")


def test_hr_taking_someone_back_and_an_employee_choosing_their_coachs_last_place_at_once_only_one_gets_it(db):
    """Taking back a withdrawn person whose enrolment names the coach gives the coach a coachee again: it
    takes the same lock and counts the same way as choosing."""
    with _coach_and_choosers(capacity=1) as (world, made, coach, choosers):
        chooser, returning = choosers[0], choosers[1]
        in_own_connection(lambda: _withdrawn_with(world, returning.enrolment_id, coach))
        hr = _hr_signed_in(world, made)
        results = _press_together(
            [
                lambda: chooser.client.post(f"/api/v1/suggestions/{chooser.suggestion_id}/choose/"),
                lambda: hr.post(
                    f"/api/v1/enrolments/{returning.enrolment_id}/status/",
                    {"status": "active"},
                    content_type="application/json",
                ),
            ]
        )
        _one_of_the_two_won(world, coach, results, "Choose another coach for this person first.")


def _hr_signed_in(world, made: Made) -> Client:
    hr = in_own_connection(lambda: sign_in(Client(HTTP_HOST=world.acme.host), world.acme.hr, world.acme.host))
    made.session_keys.append(hr.session.session_key)
    return hr


def _withdrawn_with(world, enrolment_id: int, coach: User) -> None:
    with tenant_context(world.acme.organisation):
        Enrolment.objects.filter(pk=enrolment_id).update(coach=coach, status=Enrolment.Status.WITHDRAWN)


def _one_of_the_two_won(world, coach: User, results: list, hr_advice: str) -> None:
    """The employee's choice and HR's change raced for the coach's one place: one of them was refused as
    its own path refuses, and the coach has one coachee."""
    errors = [result for result in results if isinstance(result, Exception)]
    assert not errors, errors
    chose, by_hr = results
    assert sorted([chose.status_code, by_hr.status_code]) in ([200, 400], [200, 409]), (chose, by_hr)
    if chose.status_code == 409:
        assert chose.json()["code"] == "coach_full"
    else:
        assert by_hr.json() == {
            "coach": [f"Rae Race is fully booked: they take at most 1 active coachees in total. {hr_advice}"]
        }
    assert in_own_connection(lambda: _coached_by(world, coach.pk)) == 1


def _newcomer(world, made: Made) -> User:
    """An employee of acme in no programme yet, whom an import enrols at once."""
    user = User.objects.create_user(email=f"newcomer{DOMAIN}", password=PASSWORD, first_name="New", last_name="Comer")
    made.users.append(user)
    Membership.objects.create(user=user, organisation=world.acme.organisation, role=Role.EMPLOYEE)
    return user


def _import_naming(world, newcomer: User, coach: User):
    """Acme's HR imports a file that gives the newcomer the coach (the service, on its own connection)."""
    data = f"email,first name,last name,cohort,coach email\n{newcomer.email},New,Comer,Cohort B,{coach.email}\n"
    with tenant_context(world.acme.organisation):
        return imports.enrolment_import(
            actor=policy.actor_for(world.acme.hr, world.acme.organisation),
            data=data.encode(),
            programme=Programme.objects.get(pk=world.acme.people["programme"]),
        )


def test_an_import_and_an_employee_elsewhere_taking_a_coachs_last_place_at_once_only_one_gets_it(db):
    """The import holds the coach's profile row under the same lock as choosing, before it checks the
    rows: with one place left, either the employee of the other organisation gets the coach and the import
    is refused naming the coach, or the import enrols its person and the employee is told the coach is
    full."""
    with _coach_and_choosers(capacity=1) as (world, made, coach, choosers):
        try:
            chooser = next(chooser for chooser in choosers if chooser.org is world.globex)
            newcomer = in_own_connection(lambda: _newcomer(world, made))
            results = _press_together(
                [
                    lambda: chooser.client.post(f"/api/v1/suggestions/{chooser.suggestion_id}/choose/"),
                    lambda: _import_naming(world, newcomer, coach),
                ]
            )
            errors = [result for result in results if isinstance(result, Exception)]
            assert not errors, errors
            chose, imported = results
            assert (chose.status_code == 200) != imported.ok, (chose, imported.errors)
            if imported.ok:
                assert chose.status_code == 409 and chose.json()["code"] == "coach_full"
            else:
                assert [error.as_dict() for error in imported.errors] == [
                    {
                        "row": 2,
                        "column": "coach email",
                        "message": f"{coach.email} has no room for more coachees.",
                    }
                ]
            assert in_own_connection(lambda: _coached_by(world, coach.pk)) == 1
        finally:
            in_own_connection(lambda: _clean_newcomer(world, made))


def _clean_newcomer(world, made: Made) -> None:
    with tenant_context(world.acme.organisation):
        EmployeeProfile.objects.filter(user_id__in=[user.pk for user in made.users]).delete()


def test_an_import_waits_for_a_coachs_last_place_being_taken_elsewhere_and_then_finds_them_full(db):
    """Deterministic order: an employee of the other organisation holds the coach's last place (the lock
    taken, the enrolment written, not yet committed) when the import starts. The import waits on the
    coach's lock, not on a count made before it, and once the choice commits it refuses the row and
    writes nothing."""
    holding, release, outcome = threading.Event(), threading.Event(), {}

    def choose_slowly(world, coach: User, enrolment_id: int) -> None:
        try:
            with tenant_context(world.globex.organisation), transaction.atomic():
                assert coach_room_held(coach.pk).left == 1
                Enrolment.objects.filter(pk=enrolment_id).update(coach=coach)
                holding.set()
                release.wait(timeout=30)
        finally:
            connection.close()

    def import_file(world, newcomer: User, coach: User) -> None:
        try:
            outcome["import"] = _import_naming(world, newcomer, coach)
        finally:
            connection.close()

    with _coach_and_choosers(capacity=1) as (world, made, coach, choosers):
        try:
            chooser = next(chooser for chooser in choosers if chooser.org is world.globex)
            newcomer = in_own_connection(lambda: _newcomer(world, made))
            chooser_thread = threading.Thread(target=choose_slowly, args=(world, coach, chooser.enrolment_id))
            chooser_thread.start()
            assert holding.wait(timeout=30)
            import_thread = threading.Thread(target=import_file, args=(world, newcomer, coach))
            import_thread.start()
            assert in_own_connection(_someone_waits_on_a_lock)
            release.set()
            chooser_thread.join(timeout=30)
            import_thread.join(timeout=30)
            imported = outcome["import"]
            assert [error.as_dict() for error in imported.errors] == [
                {
                    "row": 2,
                    "column": "coach email",
                    "message": f"{coach.email} has no room for more coachees.",
                }
            ]
            assert in_own_connection(lambda: _coached_by(world, coach.pk)) == 1
            assert not in_own_connection(lambda: _enrolled(world, newcomer))
        finally:
            release.set()
            in_own_connection(lambda: _clean_newcomer(world, made))


def _someone_waits_on_a_lock() -> bool:
    for _attempt in range(100):
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
            if cursor.fetchone()[0]:
                return True
        time.sleep(0.1)
    return False


def _enrolled(world, user: User) -> bool:
    with tenant_context(world.acme.organisation):
        return Enrolment.objects.filter(employee=user).exists()

"""A coach's capacity is never exceeded, on real concurrent connections.

Employees of both organisations press "choose" on the same coach at the same moment, each thread with its
own database connection on its own organisation's host: exactly as many get the coach as the coach has
places left, counted across both organisations; everyone else is told the coach is full. The threads must
see the data, so it is committed: the test makes its own coach and people and removes exactly what it made.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.sessions.models import Session as WebSession
from django.db import connection
from django.test import Client
from django_tenants.utils import schema_context, tenant_context

from coaches.models import CoachProfile
from matching.models import Intake, PoolMember, Suggestion
from programmes.models import Enrolment
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
    total = 0
    for org in (world.acme, world.globex):
        with tenant_context(org.organisation):
            total += Enrolment.objects.filter(coach_id=coach_id).count()
    return total


def _race(capacity: int) -> None:
    assert connection.settings_dict["NAME"] == settings.DATABASES["default"]["TEST"]["NAME"]
    world = in_own_connection(build_world)
    in_own_connection(lambda: _clean(world, Made(users=list(User.objects.filter(email__endswith=DOMAIN)))))
    made = Made()
    try:
        coach, choosers = in_own_connection(lambda: _setup(world, made, capacity))
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
    finally:
        in_own_connection(lambda: _clean(world, made))


def test_ten_employees_of_two_organisations_choosing_a_coachs_last_place_at_once_one_gets_it(db):
    _race(capacity=1)


def test_a_coach_with_three_places_gets_three_coachees_however_many_choose_at_once(db):
    _race(capacity=3)


def test_hr_assigning_and_an_employee_choosing_a_coachs_last_place_at_once_only_one_gets_it(db):
    """HR's assignment by hand takes the same lock and counts the same coachees as choosing: with one
    place left, one of the two wins and the other is told the coach is full, whichever comes first."""
    assert connection.settings_dict["NAME"] == settings.DATABASES["default"]["TEST"]["NAME"]
    world = in_own_connection(build_world)
    in_own_connection(lambda: _clean(world, Made(users=list(User.objects.filter(email__endswith=DOMAIN)))))
    made = Made()
    try:
        coach, choosers = in_own_connection(lambda: _setup(world, made, capacity=1))
        chooser, assigned = choosers[0], choosers[1]  # both in acme: HR assigns the coach to the second
        hr = in_own_connection(lambda: sign_in(Client(HTTP_HOST=world.acme.host), world.acme.hr, world.acme.host))
        made.session_keys.append(hr.session.session_key)
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
        errors = [result for result in results if isinstance(result, Exception)]
        assert not errors, errors
        chose, assign = results
        assert sorted([chose.status_code, assign.status_code]) in ([200, 400], [200, 409]), (chose, assign)
        if chose.status_code == 409:
            assert chose.json()["code"] == "coach_full"
        else:
            assert assign.json() == {
                "coach": [
                    "Rae Race is fully booked: they take at most 1 active coachees in total. Choose another coach."
                ]
            }
        assert in_own_connection(lambda: _coached_by(world, coach.pk)) == 1
    finally:
        in_own_connection(lambda: _clean(world, made))

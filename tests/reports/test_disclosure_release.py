"""Change over time (reports.disclosure): HR's figures come from cells released at most daily, and a cell's
figures move only when none or at least the threshold of its people changed since the last release."""

from __future__ import annotations

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from assessments.models import SessionFeedback
from programmes.models import Cohort, EmployeeProfile, Enrolment, Programme, Session
from reports import disclosure
from reports.models import ReleasedCell
from tenants.models import Membership, Role, User


def _rater(org, programme, cohort, serial: int, rating: int) -> Enrolment:
    user = User.objects.create_user(email=f"move-{serial}@{org.organisation.slug}.test", password="x" * 20)
    Membership.objects.get_or_create(user=user, organisation=org.organisation, role=Role.EMPLOYEE)
    EmployeeProfile.objects.update_or_create(user=user, defaults={"department": "Sales"})
    enrolment = Enrolment.objects.create(
        programme=programme, cohort=cohort, employee=user, status=Enrolment.Status.ACTIVE, credit_allowance=2
    )
    session = Session.objects.create(
        kind=Session.Kind.INDIVIDUAL,
        enrolment=enrolment,
        coach=org.coach,
        starts_at=timezone.now() - timedelta(days=3),
        status=Session.Status.COMPLETED,
    )
    SessionFeedback.objects.create(session=session, employee=user, rating=rating)
    return enrolment


def _ratings(client, **params):
    ratings = client.get(reverse("reports_dashboard"), params).context["report"].ratings
    return ratings.people, ratings.count, ratings.distribution


def test_moving_one_person_between_cohorts_changes_no_figure_hr_sees(world, in_tenant, client_for):
    today = timezone.localdate()
    with in_tenant(world.acme):
        programme = Programme.objects.create(
            name="Moves", starts_on=today, ends_on=today + timedelta(days=90), status=Programme.Status.ACTIVE
        )
        first, second = (Cohort.objects.create(programme=programme, name=name, capacity=20) for name in "AB")
        enrolments = [_rater(world.acme, programme, first, index, 1 + index % 5) for index in range(6)]
        for index in range(6, 12):
            _rater(world.acme, programme, second, index, 5)
        disclosure.refresh(today=today, force=True)
    client = client_for(world.acme.hr, world.acme.host)
    selections = [
        {"programme": programme.pk},
        {"programme": programme.pk, "cohort": first.pk},
        {"programme": programme.pk, "cohort": second.pk},
        {},
    ]
    before = [_ratings(client, **selection) for selection in selections]
    assert before[1][0] == 6 and before[2][0] == 6  # both cohorts are released
    with in_tenant(world.acme):
        mover = enrolments[0]
        Enrolment.objects.filter(pk=mover.pk).update(cohort=second)
        assert disclosure.refresh(today=today + timedelta(days=1), force=False) is not None
    # The mover's rating now belongs to B, but neither A (5 left) nor B (7 now) changed by enough people:
    # both keep their last release, and so does every margin built from them.
    assert [_ratings(client, **selection) for selection in selections] == before


def test_a_change_of_enough_people_is_released(world, in_tenant, client_for):
    today = timezone.localdate()
    with in_tenant(world.acme):
        programme = Programme.objects.create(
            name="Growth", starts_on=today, ends_on=today + timedelta(days=90), status=Programme.Status.ACTIVE
        )
        cohort = Cohort.objects.create(programme=programme, name="Growing", capacity=20)
        for index in range(5):
            _rater(world.acme, programme, cohort, 100 + index, 4)
        disclosure.refresh(today=today, force=True)
        _rater(world.acme, programme, cohort, 105, 1)
        disclosure.refresh(today=today + timedelta(days=1), force=True)
    client = client_for(world.acme.hr, world.acme.host)
    assert _ratings(client, programme=programme.pk)[:2] == (5, 5)  # one newcomer: held
    with in_tenant(world.acme):
        for index in range(106, 110):
            _rater(world.acme, programme, cohort, index, 2)
        disclosure.refresh(today=today + timedelta(days=2), force=True)
    assert _ratings(client, programme=programme.pk)[:2] == (10, 10)  # five newcomers since the release


def test_a_cell_padded_with_people_who_never_take_part_is_withheld(world, in_tenant, client_for):
    today = timezone.localdate()
    with in_tenant(world.acme):
        programme = Programme.objects.create(
            name="Padded", starts_on=today, ends_on=today + timedelta(days=90), status=Programme.Status.ACTIVE
        )
        cohort = Cohort.objects.create(programme=programme, name="Padded", capacity=20)
        _rater(world.acme, programme, cohort, 200, 1)
        for index in range(201, 206):
            user = User.objects.create_user(email=f"pad-{index}@acme.test", password="x" * 20)
            Enrolment.objects.create(programme=programme, cohort=cohort, employee=user, credit_allowance=2)
        disclosure.refresh(today=today, force=True)
        assert not ReleasedCell.objects.filter(cohort_id=cohort.pk, shown=True).exists()
    report = (
        client_for(world.acme.hr, world.acme.host)
        .get(reverse("reports_dashboard"), {"programme": programme.pk})
        .context["report"]
    )
    assert report.people == 6 and not report.ratings.shown


def test_the_refresh_runs_at_most_once_a_day(world, in_tenant):
    today = timezone.localdate()
    with in_tenant(world.acme):
        assert disclosure.refresh(today=today, force=True) is not None
        assert disclosure.refresh(today=today) is None
        assert disclosure.refresh(today=today + disclosure.REFRESH_PERIOD) is not None


def test_the_release_decision():
    same = {"1": "a", "2": "b", "3": "c", "4": "d", "5": "e"}
    assert disclosure.release_decision(last_released={}, current=same, contributors=5, minimum=5) == "release"
    assert disclosure.release_decision(last_released=same, current=same, contributors=5, minimum=5) == "release"
    one_more = {**same, "6": "f"}
    assert disclosure.release_decision(last_released=same, current=one_more, contributors=6, minimum=5) == "hold"
    changed = {**same, "1": "z"}  # one person's own figures changed
    assert disclosure.release_decision(last_released=same, current=changed, contributors=5, minimum=5) == "hold"
    assert disclosure.release_decision(last_released=same, current={"1": "a"}, contributors=1, minimum=5) == "withhold"

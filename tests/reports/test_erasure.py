"""Erasure of an employee's data (after the grace period, everywhere or in one organisation) and the
retention of coaching content. The canaries of an erased person must be gone from every column of every
schema afterwards."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from assessments.models import Goal, Reflection, SessionNote
from portal import policy
from programmes.models import Attendance, Enrolment
from reports import disclosure
from reports.models import AuditEvent, ErasureRequest
from reports.selectors import dashboard
from reports.services.erasure import erasures_due_run
from reports.services.retention import retention_apply
from reports.tasks import erasures_run, retention_run
from tenants.models import Membership, Role, User
from tests.world.reports import build

TEXT_TYPES = ("text", "character varying", "json", "jsonb")


def columns_holding(needles: list[str]) -> list[str]:
    """Every text column of every schema (public, the template and each organisation's) holding a needle."""
    pattern = "|".join(re.escape(needle) for needle in needles)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_schema, table_name, column_name FROM information_schema.columns "
            "WHERE data_type = ANY(%s) AND table_schema NOT IN ('pg_catalog', 'information_schema') "
            "AND table_schema NOT LIKE 'pg_%%'",
            [list(TEXT_TYPES)],
        )
        found = []
        for schema, table, column in cursor.fetchall():
            cursor.execute(f'SELECT COUNT(*) FROM "{schema}"."{table}" WHERE "{column}"::text ~* %s', [pattern])
            if cursor.fetchone()[0]:
                found.append(f"{schema}.{table}.{column}")
    return found


@pytest.fixture
def two_organisations_person(world, in_tenant):
    """Someone employed by both organisations, with coaching content in each."""
    person = User.objects.create_user(
        email="ingrid.unique@twice.test",
        password="correct horse battery",
        first_name="Ingridunique",
        last_name="Zwaanunique",
    )
    built = {}
    for key, org in (("acme", world.acme), ("globex", world.globex)):
        with in_tenant(org):
            built[key] = build(org, people=5, employees=[person], tag=key[0].upper())
    return person, built


def _canaries(built, person) -> list[str]:
    return [value for key in built for value in built[key].person(person).canaries.values()]


def _make_due(org, in_tenant) -> None:
    with in_tenant(org):
        ErasureRequest.objects.filter(status="pending").update(due_at=timezone.now() - timedelta(minutes=1))


def test_an_employee_schedules_their_own_erasure_and_can_call_it_off(world, in_tenant, client_for, settings):
    settings.ERASURE_GRACE_DAYS = 14
    client = client_for(world.acme.employee, world.acme.host)
    refused = client.post(reverse("my_erasure_request"), {}, follow=True)
    assert "Tick the box" in refused.content.decode()
    client.post(reverse("my_erasure_request"), {"confirm": "on"})
    with in_tenant(world.acme):
        request = ErasureRequest.objects.get(person=world.acme.employee)
        assert request.scope == "everywhere" and request.status == "pending"
        assert timedelta(days=13, hours=23) < request.due_at - timezone.now() <= timedelta(days=14)
    page = client.get(reverse("my_data")).content.decode()
    assert "Cancel the erasure" in page
    client.post(reverse("my_erasure_cancel"))
    with in_tenant(world.acme):
        request.refresh_from_db()
        assert request.status == "cancelled" and request.cancelled_by == world.acme.employee
        actions = list(AuditEvent.objects.filter(subject=world.acme.employee).values_list("action", flat=True))
    assert "erasure.requested" in actions and "erasure.cancelled" in actions


def test_nothing_is_erased_during_the_grace_period(world, in_tenant, two_organisations_person):
    person, built = two_organisations_person
    with in_tenant(world.acme):
        ErasureRequest.objects.create(
            person=person, requested_by=person, scope="everywhere", due_at=timezone.now() + timedelta(days=1)
        )
    assert erasures_run() == 0
    assert len(columns_holding(_canaries(built, person))) >= 10


def test_an_erasure_everywhere_leaves_no_trace_of_the_person_in_any_schema(world, in_tenant, two_organisations_person):
    person, built = two_organisations_person
    with in_tenant(world.acme):
        enrolments_before = Enrolment.objects.count()
        attendance_before = Attendance.objects.count()
        ErasureRequest.objects.create(
            person=person, requested_by=person, scope="everywhere", due_at=timezone.now() - timedelta(minutes=1)
        )
    assert erasures_run() == 1
    needles = _canaries(built, person) + [person.email, "Ingridunique", "Zwaanunique"]
    assert columns_holding(needles) == []
    # Everyone else's content is untouched.
    others = [value for key in built for p in built[key].people if p.user != person for value in p.canaries.values()]
    assert len(columns_holding(others)) >= 10
    # History that figures depend on stays, anonymous.
    with in_tenant(world.acme):
        assert Enrolment.objects.count() == enrolments_before and Attendance.objects.count() == attendance_before
        request = ErasureRequest.objects.get(person=person)
        assert request.status == "completed" and set(request.summary) >= {"acme", "globex", "account"}
        assert AuditEvent.objects.filter(action="erasure.completed").exists()
    person.refresh_from_db()
    assert not person.is_active and not person.has_usable_password() and person.email.endswith("@erased.invalid")
    assert not Membership.objects.filter(user=person).exists()


def test_hrs_erasure_covers_their_organisation_only(
    world, in_tenant, client_for, two_organisations_person, django_capture_on_commit_callbacks, mailoutbox
):
    person, built = two_organisations_person
    client = client_for(world.acme.hr, world.acme.host)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("reports_erasure"), {"email": person.email.upper(), "confirm": "on"})
    assert response.status_code == 302
    assert [message.to for message in mailoutbox] == [[person.email]]  # the person hears of it, with time to act
    assert "/my-data/" in mailoutbox[0].body and "Acme Logistics" in mailoutbox[0].subject
    _make_due(world.acme, in_tenant)
    with in_tenant(world.acme):
        assert erasures_due_run() == 1
        enrolment = Enrolment.objects.get(programme=built["acme"].programme, employee__email__startswith="erased-")
        assert not Enrolment.objects.filter(employee=person).exists()
        assert not Reflection.objects.filter(employee=person).exists()
        assert not SessionNote.objects.filter(session__enrolment=enrolment).exists()
    acme = list(built["acme"].person(person).canaries.values())
    globex = list(built["globex"].person(person).canaries.values())
    assert columns_holding(acme) == []
    assert len(columns_holding(globex)) >= 10
    person.refresh_from_db()
    assert person.is_active and Membership.objects.filter(user=person, organisation=world.globex.organisation).exists()
    assert not Membership.objects.filter(user=person, organisation=world.acme.organisation).exists()
    with in_tenant(world.globex):
        assert Goal.objects.filter(employee=person).exists()


def test_the_dashboard_counts_stay_right_after_an_erasure(world, in_tenant, two_organisations_person):

    person, built = two_organisations_person
    actor = policy.actor_for(world.acme.hr, world.acme.organisation)

    with in_tenant(world.acme):
        filters = dashboard.Filters(programme=built["acme"].programme)
        disclosure.refresh(force=True)
        before = dashboard.dashboard(actor=actor, filters=filters)
        ErasureRequest.objects.create(
            person=person,
            requested_by=world.acme.hr,
            scope="organisation",
            due_at=timezone.now() - timedelta(minutes=1),
        )
        erasures_due_run()
        disclosure.refresh(today=timezone.localdate() + disclosure.REFRESH_PERIOD)
        after = dashboard.dashboard(actor=actor, filters=filters)
    assert after.people == before.people == 5
    assert after.attendance == before.attendance and after.credits == before.credits
    # Content figures move only when enough people changed (reports.disclosure): one erasure moves none.
    assert after.completion == before.completion and after.ratings == before.ratings


def test_erasure_is_refused_for_someone_who_also_coaches_here(world, in_tenant, client_for):
    Membership.objects.create(user=world.acme.coach, organisation=world.acme.organisation, role=Role.EMPLOYEE)
    response = client_for(world.acme.hr, world.acme.host).post(
        reverse("reports_erasure"), {"email": world.acme.coach.email, "confirm": "on"}
    )
    assert response.status_code == 200
    assert "Remove those roles first" in response.content.decode()
    with in_tenant(world.acme):
        assert not ErasureRequest.objects.exists()


def test_hr_cannot_erase_someone_of_another_organisation(world, in_tenant, client_for):
    response = client_for(world.acme.hr, world.acme.host).post(
        reverse("reports_erasure"), {"email": world.globex.employee.email, "confirm": "on"}
    )
    assert "No employee of this organisation has that email address" in response.content.decode()
    with in_tenant(world.acme):
        assert not ErasureRequest.objects.exists()


def test_a_second_erasure_of_the_same_person_is_refused(world, in_tenant, client_for):
    client = client_for(world.acme.hr, world.acme.host)
    data = {"email": world.acme.employee2.email, "confirm": "on"}
    assert client.post(reverse("reports_erasure"), data).status_code == 302
    again = client.post(reverse("reports_erasure"), data)
    assert "already scheduled" in again.content.decode()


def test_retention_deletes_coaching_content_past_the_period_only(world, in_tenant):
    organisation = world.acme.organisation
    organisation.retention_months = 24
    with in_tenant(world.acme):
        built = build(world.acme, people=5)
        old, recent = built.people[0], built.people[1]
        long_ago = timezone.now() - timedelta(days=800)
        Reflection.objects.filter(employee=old.user).update(updated_at=long_ago, created_at=long_ago)
        Goal.objects.filter(employee=old.user).update(updated_at=long_ago)
        deleted = retention_apply(organisation=organisation)
        assert deleted == {
            "assessments.Reflection": 2,
            "assessments.Goal": 1,
            "assessments.ActionItem": 1,
            "assessments.CheckIn": 1,
        }
        assert not Reflection.objects.filter(employee=old.user).exists()
        assert Reflection.objects.filter(employee=recent.user).count() == 2
        assert Goal.objects.filter(employee=recent.user).exists()
        event = AuditEvent.objects.get(action="retention.purged")
    assert event.detail["months"] == 24 and event.detail["rows"] == deleted
    assert columns_holding([old.canaries["reflection-private"], old.canaries["goal"]]) == []


def test_the_nightly_task_applies_each_organisations_retention(world, in_tenant, settings, tmp_path):

    settings.OFFBOARDING_ARCHIVE_DIR = tmp_path
    with in_tenant(world.acme):
        built = build(world.acme, people=5)
        Reflection.objects.filter(employee=built.people[0].user).update(
            updated_at=timezone.now() - timedelta(days=40 * 31)
        )
    outcome = retention_run()
    assert outcome["acme"] == {"assessments.Reflection": 2}
    assert outcome["archives"] == []

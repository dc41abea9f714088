"""The attendance counts each session keeps (programmes.services.attendance_counts) equal a fresh count of
its rows after every kind of change to attendance, and HR's dashboard sums them to the same figures as
counting the rows."""

from __future__ import annotations

import importlib
import re
from datetime import timedelta
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.utils import timezone

from portal import policy
from programmes.availability.services import Meeting
from programmes.models import Attendance, Cohort, Enrolment, Programme, Session
from programmes.services import imports
from programmes.services.attendance import attendance_mark
from programmes.services.attendance_counts import (
    attendance_counts_mismatched,
    attendance_counts_repair,
)
from programmes.services.booking import slot_book
from programmes.services.enrolment import enrolment_status_change
from programmes.services.sessions import session_cancel, session_schedule
from reports.models import ErasureRequest
from reports.selectors import dashboard
from reports.services.erasure import erasures_due_run
from tests.world.reports import build
from tests.world.sessions import accept_agreement, at, free_slot


def in_step(org) -> None:
    """The kept counts equal a fresh count, and the dashboard's attendance read from them equals the one
    counted from the rows, for the organisation, each programme and each cohort."""
    assert attendance_counts_mismatched() == []
    actor = policy.actor_for(org.hr, org.organisation)
    selections = [dashboard.Filters()]
    selections += [dashboard.Filters(programme=programme) for programme in Programme.objects.all()]
    selections += [
        dashboard.Filters(programme=cohort.programme, cohort=cohort)
        for cohort in Cohort.objects.select_related("programme")
    ]
    for filters in selections:
        counted = {
            row["group"]: dashboard.Attendance_(
                present=row["present"], absent=row["absent"], excused=row["excused"], unmarked=row["unmarked"]
            )
            for row in dashboard._attendance_of_people(actor, filters)
        }
        assert dashboard._attendance(actor, filters) == counted, filters


def _counts(session: Session) -> tuple[int, int, int, int]:
    session.refresh_from_db()
    return session.present_count, session.absent_count, session.excused_count, session.expected_count


def _past_group(org) -> Session:
    session = Session.objects.get(pk=org.people["session_group"])
    Session.objects.filter(pk=session.pk).update(starts_at=timezone.now() - timedelta(days=1))
    session.refresh_from_db()
    return session


def test_the_world_keeps_its_counts_in_step(world, in_tenant):
    for org in (world.acme, world.globex):
        with in_tenant(org):
            assert Session.objects.filter(expected_count__gt=0).exists()
            in_step(org)


def test_marking_attendance_recounts_the_session(world, actor, in_tenant):
    org = world.acme
    with in_tenant(org):
        session = _past_group(org)
        members = list(Enrolment.objects.filter(cohort=session.cohort).values_list("employee_id", flat=True))
        expected = _counts(session)[3]
        attendance_mark(actor=actor(org.coach, org), session=session, marks={members[0]: "present"})
        assert _counts(session) == (1, 0, 0, expected - 1)
        in_step(org)
        # Corrected: the same person now excused, everyone else absent.
        marks = {members[0]: "excused"} | dict.fromkeys(members[1:], "absent")
        attendance_mark(actor=actor(org.coach, org), session=session, marks=marks)
        assert _counts(session) == (0, len(members) - 1, 1, 0)
        in_step(org)


def test_marking_through_the_api_recounts_the_session(world, client_for, in_tenant):
    org = world.acme
    response = client_for(org.coach, org.host).post(
        f"/api/v1/sessions/{org.people['session_past']}/attendance/",
        {"marks": [{"user": org.employee.pk, "status": "absent"}]},
        content_type="application/json",
    )
    assert response.status_code == 200
    with in_tenant(org):
        assert _counts(Session.objects.get(pk=org.people["session_past"])) == (0, 1, 0, 0)
        in_step(org)


def test_scheduling_a_group_session_counts_its_participants(world, actor, in_tenant):
    org = world.acme
    with in_tenant(org):
        cohort = Enrolment.objects.get(pk=org.people["enrolment"]).cohort
        session = session_schedule(
            actor=actor(org.coach, org),
            kind="group",
            starts_at=at(12, 14),
            duration_minutes=90,
            meeting=Meeting(mode="in_person", location="Room 2"),
            cohort=cohort,
            title="Counted",
        )
        assert _counts(session)[3] == Attendance.objects.filter(session=session).count() > 0
        in_step(org)


def test_booking_and_cancelling_keep_the_counts(world, actor, in_tenant):
    org = world.acme
    slot = free_slot(world.coach_both, at(9, 14))
    with in_tenant(org):
        accept_agreement(org.employee2)
        session = slot_book(actor=actor(org.employee2, org), slot_id=slot.pk)
        assert _counts(session) == (0, 0, 0, 1)
        in_step(org)
        session_cancel(actor=actor(org.employee2, org), session=session)
        # The row stays; the dashboard leaves cancelled sessions out by the session's status.
        assert _counts(session) == (0, 0, 0, 1)
        in_step(org)


def test_erasure_keeps_the_counts_in_step(world, in_tenant):
    org = world.acme
    with in_tenant(org):
        built = build(org, people=5, tag="E")
        person = built.people[0].user
        in_step(org)
        before = Attendance.objects.filter(user=person).count()
        ErasureRequest.objects.create(
            person=person, requested_by=org.hr, scope="organisation", due_at=timezone.now() - timedelta(minutes=1)
        )
        erasures_due_run()
        assert not Attendance.objects.filter(user=person).exists()
        assert Attendance.objects.filter(user__email__startswith="erased-").count() == before
        in_step(org)


def test_importing_and_withdrawing_enrolments_write_no_attendance(acme, hr, programme):
    before = Attendance.objects.count()
    outcome = imports.enrolment_import(
        actor=hr,
        data=b"email,first name,last name,cohort\ncounted@acme.test,Cas,Counted,cohort a\n",
        programme=programme,
    )
    assert outcome.ok, outcome.errors
    enrolment = Enrolment.objects.get(pk=acme.people["enrolment2"])
    enrolment_status_change(actor=hr, enrolment=enrolment, to_status=Enrolment.Status.WITHDRAWN)
    assert Attendance.objects.count() == before
    in_step(acme)


def test_the_check_finds_a_stray_change_and_the_repair_recounts(world, in_tenant):
    org = world.acme
    with in_tenant(org):
        session_id = org.people["session_past"]
        Attendance.objects.filter(session_id=session_id).update(status=Attendance.Status.PRESENT)  # no recount
        [mismatch] = attendance_counts_mismatched()
        assert mismatch.session_id == session_id
        assert mismatch.counted["present_count"] == mismatch.kept["expected_count"] == 1
        assert attendance_counts_repair() == 1
        in_step(org)


def test_the_command_reports_sessions_that_differ_and_repairs_them(world, in_tenant):
    org = world.globex
    with in_tenant(org):
        session_id = org.people["session_past"]
        Attendance.objects.filter(session_id=session_id).delete()  # no recount
    out = StringIO()
    with pytest.raises(CommandError):
        call_command("attendance_counts", stdout=out)
    assert f"session {session_id} keeps" in out.getvalue()
    call_command("attendance_counts", "--repair", stdout=StringIO())
    out = StringIO()
    call_command("attendance_counts", stdout=out)
    assert "0 sessions differ" in out.getvalue()


def test_the_migration_counts_the_existing_rows(world, in_tenant):
    counts_from_rows = importlib.import_module("programmes.migrations.0012_session_attendance_counts").COUNTS_FROM_ROWS
    org = world.acme
    with in_tenant(org):
        build(org, people=5, tag="M")
        Session.objects.update(present_count=0, absent_count=0, excused_count=0, expected_count=0)
        assert attendance_counts_mismatched()
        with connection.cursor() as cursor:
            cursor.execute(counts_from_rows)
        in_step(org)


# Writes to attendance rows: each module making one must recount the sessions it touched.
WRITES = re.compile(
    r"Attendance\.objects\.(create|bulk_create|get_or_create|update_or_create)\b"
    r"|_bulk\(\s*Attendance\b"
    r"|Attendance\.objects\.[^\n]*\.(update|delete)\("
)


def test_every_module_writing_attendance_recounts_its_sessions():
    root = Path(settings.BASE_DIR)
    folders = [path for path in root.iterdir() if path.is_dir() and not path.is_symlink() and path.name[0] not in "._"]
    folders = [path for path in folders if path.name != "tests"] + [root / "tests" / "world"]
    modules = [path for folder in folders for path in folder.rglob("*.py") if "migrations" not in path.parts]
    writers = {path.relative_to(root) for path in modules if WRITES.search(path.read_text())}
    assert writers, "the pattern finds no writer at all"
    silent = sorted(
        str(path)
        for path in writers
        if "attendance_counts_refresh(" not in (root / path).read_text()
        and path != Path("programmes/services/attendance_counts.py")
    )
    assert silent == []

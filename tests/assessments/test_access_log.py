"""The read audit: every time someone other than the employee opens their results, answers, reflections or
goals; who, what and when, never the content; only the employee reads their own log."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from assessments.models.journal import AccessLogEntry
from assessments.read_audit import record_read


def test_a_read_by_someone_else_is_one_insert(world, actor, in_tenant):
    with in_tenant(world.acme):
        reader = actor(world.acme.coach, world.acme)
        with CaptureQueriesContext(connection) as queries:
            record_read(actor=reader, owner=world.acme.employee, kind="result", object_id=7)
        statements = [q["sql"] for q in queries.captured_queries if not q["sql"].startswith("SET search_path")]
        assert len(statements) == 1 and statements[0].startswith("INSERT")
        entry = AccessLogEntry.objects.get(owner=world.acme.employee, kind="result", object_id=7)
    assert (entry.reader_id, entry.reader_role) == (world.acme.coach.pk, "coach")


def test_reading_ones_own_data_writes_nothing(world, actor, in_tenant):
    with in_tenant(world.acme):
        owner = actor(world.acme.employee, world.acme)
        with CaptureQueriesContext(connection) as queries:
            record_read(actor=owner, owner=world.acme.employee.pk, kind="goal", object_id=1)
        assert not queries.captured_queries
        assert not AccessLogEntry.objects.filter(owner=world.acme.employee).exists()


def test_a_plain_user_may_be_the_reader(world, in_tenant):
    with in_tenant(world.acme):
        record_read(actor=world.acme.hr, owner=world.acme.employee, kind="answers", object_id=3)
        assert AccessLogEntry.objects.get(kind="answers").reader == world.acme.hr


def test_an_unknown_kind_is_a_programming_error(world, actor, in_tenant):
    with in_tenant(world.acme), pytest.raises(ValueError):
        record_read(actor=actor(world.acme.coach, world.acme), owner=world.acme.employee, kind="notes", object_id=1)


def test_the_page_lists_who_what_and_when_without_content(world, client_for):
    client_for(world.acme.coach, world.acme.host).get(f"/reflections/{world.acme.people['j_shared']}/")
    client_for(world.acme.coach, world.acme.host).get(f"/goals/{world.acme.people['j_goal']}/")
    html = client_for(world.acme.employee, world.acme.host).get("/me/access-log/").content.decode()
    assert "Cor Acme" in html and "Coach" in html and "Reflection" in html and "Goal" in html
    assert "A shared thought." not in html and "Speak up in planning" not in html
    only_goals = (
        client_for(world.acme.employee, world.acme.host)
        .get("/me/access-log/?kind=goal", HTTP_HX_REQUEST="true")
        .content.decode()
    )
    assert "Goal" in only_goals and ">Reflection<" not in only_goals and "<html" not in only_goals


def test_the_api_lists_the_callers_own_log_only(world, client_for):
    client_for(world.acme.coach, world.acme.host).get(f"/api/v1/goals/{world.acme.people['j_goal']}/")
    rows = client_for(world.acme.employee, world.acme.host).get("/api/v1/me/access-log/").json()["results"]
    assert [(row["reader"]["name"], row["reader"]["role"], row["kind"], row["object_id"]) for row in rows] == [
        ("Cor Acme", "coach", "goal", world.acme.people["j_goal"])
    ]
    assert set(rows[0]) == {"id", "reader", "kind", "kind_label", "object_id", "at"}
    other = client_for(world.acme.employee2, world.acme.host).get("/api/v1/me/access-log/").json()["results"]
    assert other == []


def test_no_one_but_the_employee_reads_a_log(world, client_for):
    for user in (world.acme.coach, world.acme.hr, world.coach_both):
        assert client_for(user, world.acme.host).get("/me/access-log/").status_code == 404
        assert client_for(user, world.acme.host).get("/api/v1/me/access-log/").status_code == 404


def test_the_page_groups_repeated_reads_by_reader_kind_and_item(world, client_for, in_tenant):
    coach = client_for(world.acme.coach, world.acme.host)
    for _ in range(4):
        coach.get(f"/reflections/{world.acme.people['j_shared']}/")
    coach.get(f"/goals/{world.acme.people['j_goal']}/")
    with in_tenant(world.acme):  # someone else read the same reflection once
        record_read(
            actor=world.acme.hr, owner=world.acme.employee, kind="reflection", object_id=world.acme.people["j_shared"]
        )
        last = (
            AccessLogEntry.objects.filter(owner=world.acme.employee, reader=world.acme.coach, kind="reflection")
            .latest("at")
            .at
        )
    html = client_for(world.acme.employee, world.acme.host).get("/me/access-log/").content.decode()
    rows = html.split("<tbody>")[1].split("</tbody>")[0].split("<tr>")[1:]
    assert len(rows) == 3  # the coach's reflection, the coach's goal, HR's reflection
    coach_reflection = next(row for row in rows if "Cor Acme" in row and "Reflection" in row)
    assert "4 times" in coach_reflection
    assert timezone.localtime(last).strftime("%H:%M") in coach_reflection  # when it was last opened
    assert "1 time" in next(row for row in rows if "Hilde Acme" in row)


def test_grouped_reads_are_paginated(world, client_for, in_tenant):
    with in_tenant(world.acme):
        AccessLogEntry.objects.bulk_create(
            AccessLogEntry(
                owner=world.acme.employee, reader=world.acme.coach, reader_role="coach", kind="result", object_id=number
            )
            for number in range(1, 31)
            for _ in range(3)
        )
    client = client_for(world.acme.employee, world.acme.host)
    first = client.get("/me/access-log/").content.decode()
    second = client.get("/me/access-log/?page=2").content.decode()
    assert first.count("3 times") == 25 and second.count("3 times") == 5
    assert "Page 1 of 2" in first

"""CSV exports for HR: Excel-ready, formula-safe, administrative data only."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse

from portal.csv import neutralise
from reports.models import AuditEvent
from tests.world import statements
from tests.world.reports import all_canaries, build


def download(client, kind: str, **params) -> tuple[bytes, list[list[str]]]:
    response = client.get(reverse("reports_csv", args=[kind]), params)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    body = b"".join(response.streaming_content)
    return body, list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


@pytest.mark.parametrize(
    "value, written",
    [
        ('=HYPERLINK("http://evil")', '\'=HYPERLINK("http://evil")'),
        ("+31 6 1234", "'+31 6 1234"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tTab", "'\tTab"),
        ("Anna", "Anna"),
        (-1, -1),
        (None, ""),
    ],
)
def test_cells_a_spreadsheet_would_run_are_neutralised(value, written):
    assert neutralise(value) == written


def test_the_enrolment_export_is_excel_ready_and_formula_safe(world, in_tenant, client_for):
    with in_tenant(world.acme):
        built = build(world.acme, people=5)
    attacker = built.people[0].user
    attacker.first_name, attacker.last_name = "=cmd|' /C calc'!A0", "@risk"
    attacker.save(update_fields=["first_name", "last_name"])
    body, rows = download(client_for(world.acme.hr, world.acme.host), "enrolments", programme=built.programme.pk)
    assert body.startswith(b"\xef\xbb\xbf")
    assert rows[0][:3] == ["Email", "First name", "Last name"]
    assert len(rows) == 1 + 5
    row = next(row for row in rows if row[0] == attacker.email)
    assert row[1] == "'=cmd|' /C calc'!A0" and row[2] == "'@risk"
    assert row[3] in ("Sales", "Operations") and row[5] == built.programme.name and row[-3:] == ["6", "1", "5"]
    for cells in rows[1:]:
        assert not any(cell[:1] in "=+-@" for cell in cells if cell)


@pytest.mark.parametrize("kind", ["enrolments", "attendance", "credits"])
def test_no_export_holds_coaching_content(world, in_tenant, client_for, kind):
    with in_tenant(world.acme):
        built = build(world.acme, people=5)
    body, rows = download(client_for(world.acme.hr, world.acme.host), kind)
    text = body.decode("utf-8-sig")
    assert len(rows) > 1
    assert not [canary for canary in all_canaries(built) if canary in text]
    assert "Workshop" not in text  # session titles are the coach's words: left out
    with in_tenant(world.acme):
        assert AuditEvent.objects.filter(action="export.csv", actor=world.acme.hr, detail__kind=kind).exists()


def test_attendance_and_credits_follow_the_filters(world, in_tenant, client_for):
    with in_tenant(world.acme):
        built = build(world.acme, people=6)
    client = client_for(world.acme.hr, world.acme.host)
    _body, attendance = download(client, "attendance", programme=built.programme.pk, department="Sales")
    sales = {person.user.email for person in built.people[::2]}
    assert {row[0] for row in attendance[1:]} == sales
    assert len(attendance) - 1 == 3 * 4  # three people, three group sessions and one 1:1 each
    _body, credits = download(client, "credits", cohort=built.cohorts[0].pk)
    assert {row[0] for row in credits[1:]} == {person.user.email for person in built.people[::2]}
    assert {row[6] for row in credits[1:]} == {"-1"}  # numbers stay numbers


def test_an_unknown_export_is_not_found(world, client_for):
    response = client_for(world.acme.hr, world.acme.host).get(reverse("reports_csv", args=["answers"]))
    assert response.status_code == 404


def test_the_number_of_queries_does_not_grow_with_the_rows(world, in_tenant, client_for, django_assert_num_queries):
    with in_tenant(world.acme):
        small = build(world.acme, people=5)
        large = build(world.acme, people=25, tag="L")
    client = client_for(world.acme.hr, world.acme.host)
    for programme in (small.programme, large.programme):
        # domain, session, user, roles, the chosen programme, the audit event, then the rows through one
        # server-side cursor, however many.
        with django_assert_num_queries(statements(6) + 1):
            download(client, "attendance", programme=programme.pk)

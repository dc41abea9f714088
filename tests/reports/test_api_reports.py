"""HR's reports API: the dashboard's figures (the disclosure control of the page), the exports as JSON,
the audit log and erasure requests; and an employee's own erasure."""

from __future__ import annotations

import pytest
from django.urls import reverse

from reports import disclosure
from reports.models import AuditEvent, ErasureRequest
from tests.world.reports import build

JSON = "application/json"


@pytest.fixture
def hr_api(world, client_for):
    return client_for(world.acme.hr, world.acme.host)


def test_the_dashboard_api_gives_the_pages_figures(world, in_tenant, hr_api):
    with in_tenant(world.acme):
        built = build(world.acme, people=10)
        build(world.acme, people=5, tag="BG", name="Background programme")
        disclosure.refresh(force=True)
    page = hr_api.get(reverse("reports_dashboard"), {"programme": built.programme.pk}).context["report"]
    body = hr_api.get("/api/v1/reports/dashboard/", {"programme": built.programme.pk}).json()
    assert body["selection"] == {"programme": built.programme.pk, "cohort": None, "department": ""}
    assert body["people"] == page.people == 10
    assert [step["count"] for step in body["funnel"]] == [step.count for step in page.funnel]
    assert body["attendance"]["present"] == page.attendance.present
    assert body["credits"]["left"] == page.credits.left
    assert [(row["moment"], row["submitted"]) for row in body["completion"]] == [
        (row.moment, row.submitted) for row in page.completion
    ]
    assert body["ratings"]["count"] == page.ratings.count == 10 and body["ratings"]["withheld"] == ""
    assert body["breakdown_by"] == "cohort" and len(body["breakdown"]) == 2


def test_the_dashboard_api_withholds_figures_about_fewer_than_the_minimum(world, in_tenant, hr_api):
    with in_tenant(world.acme):
        built = build(world.acme, people=4)
        disclosure.refresh(force=True)
    body = hr_api.get("/api/v1/reports/dashboard/", {"programme": built.programme.pk}).json()
    assert body["minimum"] == 5 and body["people"] == 4
    ratings = body["ratings"]
    assert "fewer than 5 people" in ratings["withheld"]
    assert (ratings["mean"], ratings["count"], ratings["distribution"]) == (None, 0, [])
    assert body["completion"] == [] and body["overdue"]["action_count"] is None
    assert all(group["dimensions"] == [] for group in body["change"])


def test_a_selection_that_names_nothing_is_refused(world, hr_api):
    for params in ({"programme": "999999"}, {"cohort": "x"}, {"programme": "1", "cohort": "999999"}):
        response = hr_api.get("/api/v1/reports/dashboard/", params)
        assert response.status_code == 400 and response.json()["detail"], params
        assert hr_api.get("/api/v1/reports/exports/enrolments/", params).status_code == 400


@pytest.mark.parametrize("role", ["employee", "coach", "coach_both"])
def test_reports_are_not_there_for_others(world, client_for, role):
    client = client_for(world.user(role), world.acme.host)
    for path in (
        "/api/v1/reports/dashboard/",
        "/api/v1/reports/exports/",
        "/api/v1/reports/exports/enrolments/",
        "/api/v1/reports/audit/",
        "/api/v1/reports/erasure-requests/",
    ):
        assert client.get(path).status_code == 404, path


def test_the_exports_are_the_csv_rows_keyed_by_column(world, hr_api, in_tenant):
    with in_tenant(world.acme):
        before = AuditEvent.objects.filter(action=AuditEvent.Action.CSV_EXPORTED).count()
    kinds = [row["kind"] for row in hr_api.get("/api/v1/reports/exports/").json()]
    assert kinds == ["enrolments", "attendance", "credits"]
    csv_lines = b"".join(hr_api.get(reverse("reports_csv", args=["enrolments"])).streaming_content).decode()
    body = hr_api.get("/api/v1/reports/exports/enrolments/").json()
    assert body["columns"][:3] == ["email", "first_name", "last_name"]
    assert len(body["results"]) == len(csv_lines.strip().splitlines()) - 1 > 0
    assert {row["email"] for row in body["results"]} <= {"employee@acme.test", "employee2@acme.test"}
    assert all(row["email"] in csv_lines for row in body["results"])
    with in_tenant(world.acme):
        assert AuditEvent.objects.filter(action=AuditEvent.Action.CSV_EXPORTED).count() == before + 2


def test_export_pages_and_bad_input(world, hr_api):
    first = hr_api.get("/api/v1/reports/exports/enrolments/", {"page_size": 1}).json()
    assert len(first["results"]) == 1 and first["next"] == 2
    second = hr_api.get("/api/v1/reports/exports/enrolments/", {"page_size": 1, "page": 2}).json()
    assert second["results"] != first["results"]
    assert hr_api.get("/api/v1/reports/exports/reflections/").status_code == 404
    bad = hr_api.get("/api/v1/reports/exports/credits/", {"page": "0", "page_size": "5000"})
    assert bad.status_code == 400 and set(bad.json()) == {"page", "page_size"}


def test_the_audit_log_lists_events_newest_first_by_category(world, hr_api):
    hr_api.get("/api/v1/reports/exports/credits/")
    lines = hr_api.get("/api/v1/reports/audit/", {"category": "exports"}).json()["results"]
    assert lines[0]["action"] == AuditEvent.Action.CSV_EXPORTED and lines[0]["actor"] == "Hilde Acme"
    assert "credits" in lines[0]["details"]
    roles = hr_api.get("/api/v1/reports/audit/", {"category": "roles"}).json()["results"]
    assert all(line["source"] == "platform" for line in roles)
    bad = hr_api.get("/api/v1/reports/audit/", {"category": "secrets"})
    assert bad.status_code == 400 and "category" in bad.json()
    months = hr_api.get("/api/v1/reports/audit/data-rights/").json()
    assert isinstance(months, list)


def test_hr_schedules_and_cancels_an_erasure(world, hr_api, in_tenant):
    refused = hr_api.post("/api/v1/reports/erasure-requests/", {"email": world.acme.employee2.email}, content_type=JSON)
    assert refused.status_code == 400 and "confirm" in refused.json()
    unknown = hr_api.post(
        "/api/v1/reports/erasure-requests/", {"email": world.globex.employee.email, "confirm": True}, content_type=JSON
    )
    assert unknown.status_code == 400 and "No employee" in unknown.json()["email"][0]
    made = hr_api.post(
        "/api/v1/reports/erasure-requests/",
        {"email": world.acme.employee2.email.upper(), "confirm": True},
        content_type=JSON,
    )
    assert made.status_code == 201 and made.json()["status"] == "pending"
    again = hr_api.post(
        "/api/v1/reports/erasure-requests/", {"email": world.acme.employee2.email, "confirm": True}, content_type=JSON
    )
    assert again.status_code == 400 and "already scheduled" in again.json()["detail"][0]
    cancelled = hr_api.post(f"/api/v1/reports/erasure-requests/{made.json()['id']}/cancel/")
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    twice = hr_api.post(f"/api/v1/reports/erasure-requests/{made.json()['id']}/cancel/")
    assert twice.status_code == 400
    with in_tenant(world.acme):
        assert ErasureRequest.objects.get().status == ErasureRequest.Status.CANCELLED


def test_an_employee_asks_for_and_calls_off_their_own_erasure(world, client_for, in_tenant):
    client = client_for(world.acme.employee, world.acme.host)
    assert client.get("/api/v1/me/erasure/").status_code == 404
    assert client.post("/api/v1/me/erasure/", {"confirm": False}, content_type=JSON).status_code == 400
    made = client.post("/api/v1/me/erasure/", {"confirm": True}, content_type=JSON)
    assert made.status_code == 201 and made.json()["scope"] == "everywhere"
    assert client.get("/api/v1/me/erasure/").json()["id"] == made.json()["id"]
    # HR does not see a person's own request.
    hr = client_for(world.acme.hr, world.acme.host)
    assert hr.get("/api/v1/reports/erasure-requests/").json()["results"] == []
    assert hr.post(f"/api/v1/reports/erasure-requests/{made.json()['id']}/cancel/").status_code == 404
    assert client.delete("/api/v1/me/erasure/").status_code == 204
    assert client.delete("/api/v1/me/erasure/").status_code == 404
    assert client_for(world.acme.coach, world.acme.host).get("/api/v1/me/erasure/").status_code == 404


def test_a_coach_reads_their_hours_here_and_bad_months_are_refused(world, client_for):
    coach = client_for(world.acme.coach, world.acme.host)
    body = coach.get("/api/v1/reports/coach-hours/", {"from": "2026-01", "to": "2026-03"}).json()
    assert [row["month"] for row in body["months"]] == ["2026-01-01", "2026-02-01", "2026-03-01"]
    assert body["totals"]["sessions"] == sum(row["sessions"] for row in body["months"])
    for params in ({"from": "January"}, {"to": "2026-13"}, {"from": "2020-01", "to": "2026-01"}):
        assert coach.get("/api/v1/reports/coach-hours/", params).status_code == 400, params
    assert client_for(world.acme.hr, world.acme.host).get("/api/v1/reports/coach-hours/").status_code == 404

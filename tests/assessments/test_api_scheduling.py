"""Scheduling assessments (HR) and releasing results (coaches) through the API, with the pages' rules."""

from __future__ import annotations

import pytest

from assessments.models import AccessLogEntry, Assignment, PhaseAssessment
from programmes.models import Phase

JSON = "application/json"


@pytest.fixture
def hr_api(world, client_for):
    return client_for(world.acme.hr, world.acme.host)


def _phase(world, in_tenant) -> int:
    with in_tenant(world.acme):
        return Phase.objects.filter(programme_id=world.acme.people["programme"]).order_by("position").first().pk


def test_hr_schedules_moves_and_withdraws_an_assessment(world, hr_api, in_tenant):
    body = {
        "phase": _phase(world, in_tenant),
        "version": world.acme.people["a_custom"],
        "moment": "midpoint",
        "opens_on": "2030-01-01",
        "due_on": "2030-01-15",
    }
    made = hr_api.post("/api/v1/scheduled-assessments/", body, content_type=JSON)
    assert made.status_code == 201, made.content
    scheduled = made.json()
    assert (scheduled["moment"], scheduled["reminder_days_before"]) == ("midpoint", 3)
    with in_tenant(world.acme):
        assert Assignment.objects.filter(phase_assessment_id=scheduled["id"]).count() >= 2
    twice = hr_api.post("/api/v1/scheduled-assessments/", body, content_type=JSON)
    assert twice.status_code == 400 and "moment" in twice.json()
    moved = hr_api.put(
        f"/api/v1/scheduled-assessments/{scheduled['id']}/",
        {"opens_on": "2030-02-01", "due_on": "2030-01-01"},
        content_type=JSON,
    )
    assert moved.status_code == 400 and "due_on" in moved.json()
    moved = hr_api.put(
        f"/api/v1/scheduled-assessments/{scheduled['id']}/",
        {"opens_on": "2030-02-01", "due_on": "2030-02-20", "reminder_days_before": 5},
        content_type=JSON,
    )
    assert moved.status_code == 200 and moved.json()["due_on"] == "2030-02-20"
    assert hr_api.delete(f"/api/v1/scheduled-assessments/{scheduled['id']}/").status_code == 204
    with in_tenant(world.acme):
        assert not PhaseAssessment.objects.filter(pk=scheduled["id"]).exists()


def test_scheduling_input_is_checked(world, hr_api, in_tenant):
    bad = hr_api.post(
        "/api/v1/scheduled-assessments/",
        {"phase": 999999, "version": 999999, "moment": "later", "opens_on": "soon"},
        content_type=JSON,
    )
    assert bad.status_code == 400 and {"moment", "opens_on", "due_on"} <= set(bad.json())
    unknown = hr_api.post(
        "/api/v1/scheduled-assessments/",
        {"phase": 999999, "version": 999999, "moment": "final", "opens_on": "2030-01-01", "due_on": "2030-01-02"},
        content_type=JSON,
    )
    assert unknown.status_code == 400 and "phase" in unknown.json()
    started = hr_api.delete(f"/api/v1/scheduled-assessments/{world.acme.people['a_scheduled']}/")
    assert started.status_code == 400 and "started answering" in started.json()["detail"][0]


def test_hr_reads_completion_and_figures_only_of_released_cells(world, hr_api):
    rows = hr_api.get("/api/v1/scheduled-assessments/").json()["results"]
    initial = next(row for row in rows if row["scheduled"]["id"] == world.acme.people["a_scheduled"])
    # Two people handed in: fewer than the minimum, so nothing is released.
    assert initial["completion"]["shown"] is False and initial["completion"]["submitted"] == 0
    figures = hr_api.get(f"/api/v1/scheduled-assessments/{world.acme.people['a_scheduled']}/results/").json()
    assert figures["minimum"] == 5 and all(line["mean"] is None for line in figures["lines"])
    bad = hr_api.get(f"/api/v1/scheduled-assessments/{world.acme.people['a_scheduled']}/results/", {"cohort": "999999"})
    assert bad.status_code == 400 and "cohort" in bad.json()


@pytest.mark.parametrize("role", ["employee", "coach", "coach_both"])
def test_only_hr_schedules(world, client_for, role):
    client = client_for(world.user(role), world.acme.host)
    assert client.get("/api/v1/scheduled-assessments/").status_code == 404
    assert client.delete(f"/api/v1/scheduled-assessments/{world.acme.people['a_scheduled']}/").status_code == 404


def test_the_coach_reads_and_releases_a_coachees_result(world, client_for, in_tenant):
    coach = client_for(world.coach_both, world.acme.host)
    waiting = world.acme.people["a_initial2"]
    rows = coach.get("/api/v1/coachee-assignments/", {"employee": world.acme.employee2.pk}).json()["results"]
    assert waiting in {row["id"] for row in rows} and {row["employee"] for row in rows} == {world.acme.employee2.pk}
    result = coach.get(f"/api/v1/coachee-assignments/{waiting}/result/")
    assert result.status_code == 200 and result.json()["scores"]
    with in_tenant(world.acme):
        assert AccessLogEntry.objects.filter(owner_id=world.acme.employee2.pk, reader_id=world.coach_both.pk).exists()
    released = coach.post(f"/api/v1/coachee-assignments/{waiting}/release/")
    assert released.status_code == 200 and released.json()["released_at"] is not None
    employee = client_for(world.acme.employee2, world.acme.host)
    assert employee.get(f"/api/v1/assignments/{waiting}/result/").status_code == 200


def test_others_cannot_release(world, client_for):
    waiting = world.acme.people["a_initial2"]
    # The organisation's own coach does not coach employee2; HR and the employee are not coaches of theirs.
    for user in (world.acme.coach, world.acme.hr, world.acme.employee2):
        client = client_for(user, world.acme.host)
        assert client.post(f"/api/v1/coachee-assignments/{waiting}/release/").status_code == 404
    not_handed_in = client_for(world.acme.coach, world.acme.host).get(
        f"/api/v1/coachee-assignments/{world.acme.people['a_final']}/result/"
    )
    assert not_handed_in.status_code == 409

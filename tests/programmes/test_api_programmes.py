"""The programmes and cohorts API, and the OpenAPI schema describing programmes, cohorts and enrolments."""

from __future__ import annotations

from programmes.models import Programme

JSON = "application/json"


def test_hr_creates_a_programme_with_its_own_phases_and_copies_it(world, client_for, in_tenant):
    client = client_for(world.acme.hr, world.acme.host)
    created = client.post(
        "/api/v1/programmes/",
        {
            "name": "Sales coaching",
            "starts_on": "2027-01-04",
            "ends_on": "2027-03-26",
            "status": "active",
            "phases": [{"name": "Kick-off", "kind": "intake"}, {"name": "On the road"}],
        },
        content_type=JSON,
    )
    assert created.status_code == 201
    body = created.json()
    assert [(phase["position"], phase["name"], phase["kind"]) for phase in body["phases"]] == [
        (1, "Kick-off", "intake"),
        (2, "On the road", "other"),
    ]
    copied = client.post(
        f"/api/v1/programmes/{body['id']}/copy/",
        {"name": "Sales coaching II", "starts_on": "2027-04-05"},
        content_type=JSON,
    )
    assert copied.status_code == 201
    copy = copied.json()
    assert (copy["status"], copy["copied_from"], copy["ends_on"]) == ("draft", body["id"], "2027-06-25")


def test_a_programme_that_ends_before_it_starts_is_refused_with_the_field(world, client_for):
    response = client_for(world.acme.hr, world.acme.host).post(
        "/api/v1/programmes/", {"name": "X", "starts_on": "2027-02-01", "ends_on": "2027-01-01"}, content_type=JSON
    )
    assert response.status_code == 400 and response.json() == {"ends_on": ["The end date is before the start date."]}


def test_an_employee_lists_only_their_programme_and_cannot_change_it(world, client_for, in_tenant):
    with in_tenant(world.acme):
        Programme.objects.create(name="Not yours", starts_on="2026-01-01", ends_on="2026-02-01")
    client = client_for(world.acme.employee, world.acme.host)
    names = [row["name"] for row in client.get("/api/v1/programmes/").json()["results"]]
    assert names == ["Leadership in practice"]
    response = client.put(
        f"/api/v1/programmes/{world.acme.people['programme']}/",
        {"name": "Mine now", "starts_on": "2026-01-01", "ends_on": "2026-12-01"},
        content_type=JSON,
    )
    assert response.status_code == 404


def test_cohorts_show_their_seats_and_coaches_and_refuse_a_coach_from_elsewhere(world, client_for):
    client = client_for(world.acme.hr, world.acme.host)
    cohort = client.get(f"/api/v1/cohorts/{world.acme.people['cohort_a']}/").json()
    assert (cohort["name"], cohort["seats_taken"], cohort["coaches"]) == ("Cohort A", 1, [world.acme.coach.pk])
    filtered = client.get(f"/api/v1/cohorts/?programme={world.acme.people['programme']}").json()
    assert sorted(row["name"] for row in filtered["results"]) == ["Cohort A", "Cohort B"]
    refused = client.post(
        "/api/v1/cohorts/",
        {"programme": world.acme.people["programme"], "name": "Cohort C", "coaches": [world.globex.coach.pk]},
        content_type=JSON,
    )
    assert refused.status_code == 400 and "coaches" in refused.json()


def test_the_schema_describes_programmes_cohorts_enrolments_and_the_import(world, client_for):
    schema = client_for(world.acme.hr, world.acme.host).get("/api/v1/schema/", HTTP_ACCEPT="application/json").json()
    for path in (
        "/api/v1/programmes/",
        "/api/v1/programmes/{id}/copy/",
        "/api/v1/cohorts/",
        "/api/v1/enrolments/",
        "/api/v1/enrolments/{id}/status/",
        "/api/v1/enrolments/import/",
    ):
        assert path in schema["paths"], path
    upload = schema["paths"]["/api/v1/enrolments/import/"]["post"]
    assert "multipart/form-data" in upload["requestBody"]["content"]
    assert set(upload["responses"]) == {"200", "400", "401", "403", "404", "422", "429"}
    assert list(upload["requestBody"]["content"]) == ["multipart/form-data"]
    errors = schema["components"]["schemas"]["EnrolmentImportError"]["properties"]
    assert set(errors) == {"row", "column", "message"}

"""The coaching agreement API: read by every member, accepted by employees, published by HR."""

from __future__ import annotations

from programmes.models import AgreementAcceptance

JSON = "application/json"


def test_hr_publishes_a_version_and_employees_accept_it(world, client_for, in_tenant):
    hr = client_for(world.acme.hr, world.acme.host)
    employee = client_for(world.acme.employee, world.acme.host)
    published = hr.post(
        "/api/v1/agreement/versions/", {"body": "We keep what you say to ourselves."}, content_type=JSON
    )
    assert published.status_code == 201
    version = published.json()["version"]
    same = hr.post("/api/v1/agreement/versions/", {"body": "We keep what you say to ourselves. "}, content_type=JSON)
    assert same.status_code == 400 and "same as the current version" in same.json()["body"][0]
    read = employee.get("/api/v1/agreement/").json()
    assert (read["version"], read["body"], read["accepted_current"], read["reach"]) == (
        version,
        "We keep what you say to ourselves.",
        False,
        None,
    )
    stale = employee.post("/api/v1/agreement/accept/", {"version": version - 1}, content_type=JSON)
    assert stale.status_code == 400 and "changed while you were reading" in stale.json()["detail"][0]
    accepted = employee.post("/api/v1/agreement/accept/", {"version": version}, content_type=JSON)
    assert accepted.status_code == 201 and accepted.json()["version"] == version
    assert employee.get("/api/v1/agreement/").json()["accepted_current"] is True
    hr_view = hr.get("/api/v1/agreement/").json()
    assert hr_view["accepted_current"] is None and hr_view["reach"]["accepted"] >= 1
    versions = hr.get("/api/v1/agreement/versions/").json()
    assert versions[0]["version"] == version and versions[0]["accepted"] == 1


def test_only_hr_publishes_and_only_employees_accept(world, client_for, in_tenant):
    coach = client_for(world.acme.coach, world.acme.host)
    assert coach.get("/api/v1/agreement/").status_code == 200
    assert coach.post("/api/v1/agreement/versions/", {"body": "Mine."}, content_type=JSON).status_code == 404
    assert coach.post("/api/v1/agreement/accept/", {"version": 0}, content_type=JSON).status_code == 404
    hr = client_for(world.acme.hr, world.acme.host)
    assert hr.post("/api/v1/agreement/accept/", {"version": 0}, content_type=JSON).status_code == 404
    bad = hr.post("/api/v1/agreement/versions/", {"body": ""}, content_type=JSON)
    assert bad.status_code == 400 and "body" in bad.json()
    bad = client_for(world.acme.employee, world.acme.host).post(
        "/api/v1/agreement/accept/", {"version": "first"}, content_type=JSON
    )
    assert bad.status_code == 400 and "version" in bad.json()
    with in_tenant(world.acme):
        assert not AgreementAcceptance.objects.filter(user=world.acme.hr).exists()

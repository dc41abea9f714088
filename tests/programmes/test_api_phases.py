"""HR's writes to phases and learning resources through the API, with the rules of the programme page."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from programmes.models import Phase, Resource

JSON = "application/json"


@pytest.fixture
def hr_api(world, client_for):
    return client_for(world.acme.hr, world.acme.host)


def test_hr_adds_changes_moves_and_removes_phases(world, hr_api, in_tenant):
    programme = world.acme.people["programme"]
    added = hr_api.post(
        "/api/v1/phases/", {"programme": programme, "name": "Wrap-up", "kind": "intake"}, content_type=JSON
    )
    assert added.status_code == 201, added.content
    phase = added.json()
    changed = hr_api.put(f"/api/v1/phases/{phase['id']}/", {"name": "Closing", "kind": "other"}, content_type=JSON)
    assert changed.status_code == 200 and changed.json()["name"] == "Closing"
    order = hr_api.post(f"/api/v1/phases/{phase['id']}/move/", {"direction": "up"}, content_type=JSON).json()
    assert [row["id"] for row in order].index(phase["id"]) == len(order) - 2
    assert hr_api.delete(f"/api/v1/phases/{phase['id']}/").status_code == 204
    with in_tenant(world.acme):
        positions = list(
            Phase.objects.filter(programme_id=programme).order_by("position").values_list("position", flat=True)
        )
    assert positions == list(range(1, len(positions) + 1))


def test_phase_input_is_checked(world, hr_api):
    programme = world.acme.people["programme"]
    bad = hr_api.post("/api/v1/phases/", {"programme": programme, "kind": "party"}, content_type=JSON)
    assert bad.status_code == 400 and set(bad.json()) == {"name", "kind"}
    unknown = hr_api.post("/api/v1/phases/", {"programme": 999999, "name": "X"}, content_type=JSON)
    assert unknown.status_code == 400 and "programme" in unknown.json()
    late = hr_api.post(
        "/api/v1/phases/", {"programme": programme, "name": "X", "starts_on": "2099-01-01"}, content_type=JSON
    )
    assert late.status_code == 400
    move = hr_api.post("/api/v1/phases/999999/move/", {"direction": "sideways"}, content_type=JSON)
    assert move.status_code == 404


def test_hr_adds_a_link_and_a_file_and_removes_them(world, hr_api, in_tenant):
    programme = world.acme.people["programme"]
    link = hr_api.post(
        "/api/v1/resources/",
        {"programme": programme, "title": "Reading", "url": "https://example.org/read"},
        content_type=JSON,
    )
    assert link.status_code == 201 and link.json()["file_url"] is None
    upload = SimpleUploadedFile("notes.pdf", b"%PDF-1.7 notes", content_type="application/pdf")
    made = hr_api.post("/api/v1/resources/", {"programme": programme, "title": "Notes", "file": upload})
    assert made.status_code == 201 and made.json()["file_url"].endswith("/file/")
    neither = hr_api.post("/api/v1/resources/", {"programme": programme, "title": "Empty"}, content_type=JSON)
    assert neither.status_code == 400 and neither.json() == {"detail": ["Add a link or a file."]}
    bad_type = SimpleUploadedFile("run.exe", b"MZ", content_type="application/octet-stream")
    refused = hr_api.post("/api/v1/resources/", {"programme": programme, "title": "Run", "file": bad_type})
    assert refused.status_code == 400 and "file" in refused.json()
    for body in (link.json(), made.json()):
        assert hr_api.delete(f"/api/v1/resources/{body['id']}/").status_code == 204
    with in_tenant(world.acme):
        assert not Resource.objects.filter(title__in=["Reading", "Notes", "Empty", "Run"]).exists()


@pytest.mark.parametrize("role", ["employee", "coach", "coach_both"])
def test_only_hr_changes_phases_and_resources(world, client_for, role, in_tenant):
    client = client_for(world.user(role), world.acme.host)
    programme = world.acme.people["programme"]
    assert client.post("/api/v1/phases/", {"programme": programme, "name": "X"}, content_type=JSON).status_code == 404
    assert (
        client.post(
            "/api/v1/resources/", {"programme": programme, "title": "X", "url": "https://x.org"}, content_type=JSON
        ).status_code
        == 404
    )
    with in_tenant(world.acme):
        phase = Phase.objects.filter(programme_id=programme).first()
    assert client.delete(f"/api/v1/phases/{phase.pk}/").status_code == 404
    with in_tenant(world.acme):
        assert Phase.objects.filter(pk=phase.pk).exists()

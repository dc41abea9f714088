"""The people, invitations and organisation settings API: HR only, the same rules as the pages."""

from __future__ import annotations

import io

import pytest
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart
from PIL import Image

from tenants.models import Invitation, Membership, Organisation, PlatformEvent

JSON = "application/json"


@pytest.fixture
def hr_api(world, client_for):
    return client_for(world.acme.hr, world.acme.host)


def test_hr_lists_people_by_role_and_search(world, hr_api):
    rows = hr_api.get("/api/v1/people/?role=employee").json()["results"]
    assert {row["email"] for row in rows} == {"employee@acme.test", "employee2@acme.test"}
    found = hr_api.get("/api/v1/people/?q=employee2").json()["results"]
    assert [row["email"] for row in found] == ["employee2@acme.test"]
    # Nobody of the other organisation's own people, whatever the search.
    everyone = hr_api.get("/api/v1/people/?q=globex").json()["results"]
    assert everyone == []


@pytest.mark.parametrize("role", ["employee", "coach", "coach_both"])
def test_people_and_invitations_are_not_there_for_others(world, client_for, role):
    client = client_for(world.user(role), world.acme.host)
    for path in ("/api/v1/people/", "/api/v1/invitations/", "/api/v1/organisation/"):
        assert client.get(path).status_code == 404
    response = client.post(
        "/api/v1/invitations/",
        {"email": "x@example.test", "first_name": "X", "last_name": "Y", "role": "hr_manager"},
        content_type=JSON,
    )
    assert response.status_code == 404
    assert not Invitation.objects.filter(email="x@example.test").exists()


def test_an_invitation_answers_the_same_for_a_new_and_an_existing_address(world, hr_api):
    def invite(email):
        response = hr_api.post(
            "/api/v1/invitations/",
            {"email": email, "first_name": "Ann", "last_name": "Smit", "role": "employee"},
            content_type=JSON,
        )
        assert response.status_code == 201
        body = response.json()
        return {key: value for key, value in body.items() if key not in ("id", "email", "created_at", "expires_at")}

    # The outsider has an account (elsewhere); the other address has none: the same answer for both.
    assert invite(world.outsider.email) == invite("brand.new@example.test")
    assert not Membership.objects.filter(user=world.outsider).exists()


def test_an_invitation_is_refused_with_the_field_named(world, hr_api):
    bad = hr_api.post(
        "/api/v1/invitations/", {"email": "not-an-address", "first_name": "A", "role": "boss"}, content_type=JSON
    )
    assert bad.status_code == 400 and set(bad.json()) == {"email", "last_name", "role"}
    taken = hr_api.post(
        "/api/v1/invitations/",
        {"email": world.acme.employee.email, "first_name": "Eva", "last_name": "Acme", "role": "employee"},
        content_type=JSON,
    )
    assert taken.status_code == 400 and "already has this role" in taken.json()["email"][0]
    assert not Invitation.objects.filter(email=world.acme.employee.email).exists()


def test_hr_resends_and_cancels_an_invitation_once(world, hr_api):
    created = hr_api.post(
        "/api/v1/invitations/",
        {"email": "later@example.test", "first_name": "La", "last_name": "Ter", "role": "coach"},
        content_type=JSON,
    ).json()
    assert hr_api.post(f"/api/v1/invitations/{created['id']}/resend/").status_code == 200
    cancelled = hr_api.post(f"/api/v1/invitations/{created['id']}/cancel/")
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    # No longer pending: not listed, so not found.
    assert hr_api.post(f"/api/v1/invitations/{created['id']}/cancel/").status_code == 404
    assert [row["email"] for row in hr_api.get("/api/v1/invitations/").json()["results"]] == []


def test_another_organisations_invitation_is_not_found(world, hr_api, client_for):
    theirs = client_for(world.globex.hr, world.globex.host).post(
        "/api/v1/invitations/",
        {"email": "theirs@example.test", "first_name": "T", "last_name": "G", "role": "employee"},
        content_type=JSON,
    )
    assert theirs.status_code == 201
    assert hr_api.post(f"/api/v1/invitations/{theirs.json()['id']}/cancel/").status_code == 404
    assert Invitation.objects.get(pk=theirs.json()["id"]).status == Invitation.Status.PENDING


def test_hr_ends_a_role_but_not_their_own_hr_role(world, hr_api):
    pk = world.acme.membership_pk("employee2", "employee")
    ended = hr_api.post(f"/api/v1/people/{pk}/revoke/")
    assert ended.status_code == 200 and ended.json()["is_active"] is False
    own = hr_api.post(f"/api/v1/people/{world.acme.membership_pk('hr', 'hr_manager')}/revoke/")
    assert own.status_code == 400 and "your own HR manager role" in own.json()["detail"][0]
    assert Membership.objects.get(pk=world.acme.membership_pk("hr", "hr_manager")).is_active


def test_hr_reads_and_changes_the_settings_as_the_page_checks_them(world, hr_api):
    settings = hr_api.get("/api/v1/organisation/").json()
    assert settings["slug"] == "acme" and settings["logo_url"] is None
    changed = hr_api.patch(
        "/api/v1/organisation/", {"accent_colour": "#112233", "cancellation_notice_hours": 48}, content_type=JSON
    )
    assert changed.status_code == 200
    assert (changed.json()["accent_colour"], changed.json()["cancellation_notice_hours"]) == ("#112233", 48)
    event = PlatformEvent.objects.filter(action="organisation.settings_changed").latest("pk")
    assert sorted(event.detail["fields"]) == ["accent_colour", "cancellation_notice_hours"]
    refused = hr_api.patch(
        "/api/v1/organisation/", {"retention_months": 2, "cancellation_notice_hours": 999}, content_type=JSON
    )
    assert refused.status_code == 400 and set(refused.json()) == {"retention_months", "cancellation_notice_hours"}
    assert Organisation.objects.get(slug="acme").cancellation_notice_hours == 48
    # Read-only fields are not changed by a write.
    hr_api.patch("/api/v1/organisation/", {"name": "Renamed", "slug": "renamed"}, content_type=JSON)
    assert Organisation.objects.filter(slug="acme", name="Acme Logistics").exists()


def _put_file(client, path, upload):
    return client.put(path, encode_multipart(BOUNDARY, {"logo": upload}), content_type=MULTIPART_CONTENT)


def test_hr_uploads_and_removes_the_logo(world, hr_api):
    image = io.BytesIO()
    Image.new("RGB", (40, 20), "#336699").save(image, "PNG")
    image.seek(0)
    image.name = "logo.png"
    uploaded = _put_file(hr_api, "/api/v1/organisation/logo/", image)
    assert uploaded.status_code == 200, uploaded.content
    assert uploaded.json()["logo_url"].endswith("/branding/logo")
    not_an_image = io.BytesIO(b"hello")
    not_an_image.name = "logo.png"
    refused = _put_file(hr_api, "/api/v1/organisation/logo/", not_an_image)
    assert refused.status_code == 400 and "logo" in refused.json()
    assert hr_api.delete("/api/v1/organisation/logo/").json()["logo_url"] is None


@pytest.mark.parametrize("pk", ["999999", "not-an-id", "00000000-0000-0000-0000-000000000000"])
def test_an_invitation_id_that_names_nothing_is_not_found(world, hr_api, pk):
    # A number or a word where the key is a UUID is the same plain 404 as an id nobody holds, never an error.
    for path in (f"/api/v1/invitations/{pk}/", f"/api/v1/invitations/{pk}/resend/"):
        answer = hr_api.get(path) if path.endswith(f"{pk}/") else hr_api.post(path)
        assert answer.status_code == 404, (path, answer.status_code)
    assert hr_api.delete(f"/api/v1/invitations/{pk}/").status_code in (404, 405)

"""The public host's API: the coach's workspace across organisations, answering an urgent request, and a
person's organisations and invitations."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from programmes.models import UrgentRequest
from tenants.models import Invitation, Membership
from tenants.tokens import token_create


def test_the_coach_of_both_reads_both_organisations_at_once(world, client_for):
    client = client_for(world.coach_both, world.public_host)
    body = client.get("/api/v1/coach/workspace/", {"weeks": 4}).json()
    assert {row["slug"] for row in body["organisations"]} == {"acme", "globex"}
    assert {row["organisation"]["slug"] for row in body["hours"]} == {"acme", "globex"}
    assert all(len(row["months"]) == 6 for row in body["hours"])
    bad = client.get("/api/v1/coach/workspace/", {"weeks": 3})
    assert bad.status_code == 400 and "weeks" in bad.json()


def test_someone_who_coaches_nowhere_has_an_empty_workspace(world, client_for):
    body = client_for(world.acme.employee, world.public_host).get("/api/v1/coach/workspace/").json()
    assert (body["organisations"], body["upcoming"], body["pending"], body["hours"]) == ([], [], [], [])


def test_anonymous_gets_401_and_a_token_stands_for_its_person(world, client):
    assert client.get("/api/v1/coach/workspace/", HTTP_HOST=world.public_host).status_code in (401, 403)
    raw = token_create(user=world.coach_both, name="workspace").raw
    response = client.get("/api/v1/coach/workspace/", HTTP_HOST=world.public_host, HTTP_AUTHORIZATION=f"Token {raw}")
    assert response.status_code == 200 and len(response.json()["organisations"]) == 2
    read_only = token_create(user=world.coach_both, name="read", read_only=True).raw
    refused = client.post(
        "/api/v1/coach/urgent-requests/acme/1/acknowledge/",
        HTTP_HOST=world.public_host,
        HTTP_AUTHORIZATION=f"Token {read_only}",
    )
    assert refused.status_code == 403 and "read-only" in refused.json()["detail"]


def test_the_coach_answers_an_urgent_request_made_to_them_only(world, client_for, in_tenant):
    pk = world.acme.people["urgent"]
    other = client_for(world.coach_both, world.public_host)
    assert other.post(f"/api/v1/coach/urgent-requests/acme/{pk}/acknowledge/").status_code == 404
    coach = client_for(world.acme.coach, world.public_host)
    assert coach.get("/api/v1/coach/workspace/").json()["pending"][0]["id"] == pk
    assert coach.post(f"/api/v1/coach/urgent-requests/globex/{pk}/acknowledge/").status_code == 404
    seen = coach.post(f"/api/v1/coach/urgent-requests/acme/{pk}/acknowledge/")
    assert seen.status_code == 200 and seen.json()["acknowledged_at"]
    with in_tenant(world.acme):
        assert UrgentRequest.objects.get(pk=pk).acknowledged_at is not None


def test_a_person_lists_their_organisations_and_answers_an_invitation(world, client_for):
    mine = client_for(world.coach_both, world.public_host).get("/api/v1/my/organisations/").json()
    assert {(row["slug"], tuple(row["roles"])) for row in mine} == {("acme", ("coach",)), ("globex", ("coach",))}
    invitation = Invitation.objects.create(
        email=world.outsider.email,
        organisation=world.acme.organisation,
        role="employee",
        expires_at=timezone.now() + timedelta(days=7),
    )
    outsider = client_for(world.outsider, world.public_host)
    assert [row["id"] for row in outsider.get("/api/v1/my/invitations/").json()] == [str(invitation.pk)]
    # Not addressed to them: the ordinary 404.
    assert (
        client_for(world.coach_both, world.public_host)
        .post(f"/api/v1/my/invitations/{invitation.pk}/accept/")
        .status_code
        == 404
    )
    accepted = outsider.post(f"/api/v1/my/invitations/{invitation.pk}/accept/")
    assert accepted.status_code == 200 and accepted.json()["status"] == "accepted"
    assert Membership.objects.filter(user=world.outsider, organisation=world.acme.organisation, is_active=True).exists()
    assert outsider.post(f"/api/v1/my/invitations/{invitation.pk}/decline/").status_code == 404

"""HR registers endpoints on the page and through the API: the secret is shown once, bad input changes
nothing, the delivery log shows attempts and sends again; nobody else, and no other organisation, gets in."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone
from django_tenants.utils import tenant_context

from tests.webhooks.helpers import endpoint_make
from tests.world import PASSWORD, statements
from tests.world.two_factor import token_payload
from webhooks.models import Attempt, Delivery, Endpoint, Message


def _api(client_for, user, org):
    client = client_for(None, org.host)
    issued = client.post("/api/v1/auth/token/", token_payload(user, PASSWORD), content_type="application/json")
    assert issued.status_code == 200, issued.content
    client.defaults["HTTP_AUTHORIZATION"] = f"Token {issued.json()['token']}"
    return client


def test_adding_an_endpoint_on_the_page_shows_its_secret_once(world, client_for, in_tenant):
    client = client_for(world.acme.hr, world.acme.host)
    response = client.post(
        reverse("webhooks"),
        {"url": "http://127.0.0.1:9/hooks", "events": ["session.booked", "credits.changed"], "description": "HRIS"},
    )
    assert response.status_code == 201
    with in_tenant(world.acme):
        endpoint = Endpoint.objects.get()
        assert endpoint.events == ["credits.changed", "session.booked"] and endpoint.created_by_id == world.acme.hr.pk
    page = response.content.decode()
    assert endpoint.secret in page and "shown only this once" in page
    for again in (client.get(reverse("webhooks")), client.get(reverse("webhook_endpoint", args=[endpoint.pk]))):
        assert again.status_code == 200 and endpoint.secret not in again.content.decode()


def test_a_refused_address_is_named_on_the_form_and_nothing_is_saved(world, client_for, in_tenant, settings):
    settings.OUTBOUND_ALLOW_PRIVATE_ADDRESSES = False
    response = client_for(world.acme.hr, world.acme.host).post(
        reverse("webhooks"), {"url": "https://169.254.169.254/", "events": ["session.booked"]}
    )
    assert response.status_code == 400 and "private network" in response.content.decode()
    response = client_for(world.acme.hr, world.acme.host).post(
        reverse("webhooks"), {"url": "https://93.184.215.14/", "events": []}
    )
    assert response.status_code == 400 and "Choose at least one event" in response.content.decode()
    with in_tenant(world.acme):
        assert not Endpoint.objects.exists()


def test_rotating_on_the_page_shows_the_new_secret_and_keeps_the_old_for_the_overlap(world, client_for, in_tenant):
    with in_tenant(world.acme):
        endpoint, old = endpoint_make(world.acme, "http://127.0.0.1:9/hooks")
    client = client_for(world.acme.hr, world.acme.host)
    response = client.post(reverse("webhook_endpoint_rotate", args=[endpoint.pk]), {"rotate-overlap_hours": "6"})
    assert response.status_code == 200
    with in_tenant(world.acme):
        endpoint.refresh_from_db()
    assert endpoint.previous_secret == old and endpoint.secret != old and endpoint.secret in response.content.decode()
    assert 5.9 < (endpoint.previous_secret_until - timezone.now()).total_seconds() / 3600 <= 6
    refused = client.post(reverse("webhook_endpoint_rotate", args=[endpoint.pk]), {"rotate-overlap_hours": "999"})
    assert refused.status_code == 400
    with in_tenant(world.acme):
        assert Endpoint.objects.get().secret == endpoint.secret


def test_the_delivery_log_shows_attempts_and_sends_again(world, client_for, in_tenant, receiver):
    with in_tenant(world.acme):
        endpoint, _secret = endpoint_make(world.acme, receiver.url)
        message = Message.objects.create(event_type="session.booked", body='{"type":"x"}', created_at=timezone.now())
        delivery = Delivery.objects.create(message=message, endpoint=endpoint, status=Delivery.Status.FAILED)
        Attempt.objects.create(
            delivery=delivery, started_at=timezone.now(), duration_ms=87, status_code=502, response_body="bad gateway"
        )
    client = client_for(world.acme.hr, world.acme.host)
    page = client.get(reverse("webhook_endpoint", args=[endpoint.pk])).content.decode()
    assert "502" in page and "87 ms" in page and "bad gateway" in page and message.webhook_id in page
    response = client.post(reverse("webhook_delivery_resend", args=[delivery.pk]))
    assert response.status_code == 302
    # Due again now (the test's transaction never commits, so the queued attempt does not run here).
    with in_tenant(world.acme):
        assert Delivery.objects.get(pk=delivery.pk).status == Delivery.Status.PENDING


def test_the_endpoint_page_reads_a_pinned_number_of_queries(world, client_for, in_tenant, django_assert_num_queries):
    with in_tenant(world.acme):
        endpoint, _secret = endpoint_make(world.acme, "http://127.0.0.1:9/hooks")
        for number in range(5):
            message = Message.objects.create(event_type="session.booked", body="{}", created_at=timezone.now())
            delivery = Delivery.objects.create(message=message, endpoint=endpoint)
            Attempt.objects.create(delivery=delivery, started_at=timezone.now(), duration_ms=number, status_code=500)
    client = client_for(world.acme.hr, world.acme.host)
    # 1 the host's domain and organisation, 2 the sign-in session, 3 the user, 4 their roles here,
    # 5 the endpoint (through the policy), 6 its latest deliveries with their messages, 7 their attempts.
    with django_assert_num_queries(statements(7)):
        client.get(reverse("webhook_endpoint", args=[endpoint.pk]))


def test_the_page_reads_a_fixed_number_of_queries(world, client_for, in_tenant, django_assert_max_num_queries):
    with in_tenant(world.acme):
        endpoint, _secret = endpoint_make(world.acme, "http://127.0.0.1:9/hooks")
        for number in range(20):
            message = Message.objects.create(event_type="session.booked", body="{}", created_at=timezone.now())
            delivery = Delivery.objects.create(message=message, endpoint=endpoint)
            Attempt.objects.create(delivery=delivery, started_at=timezone.now(), duration_ms=number, status_code=500)
    client = client_for(world.acme.hr, world.acme.host)
    client.get(reverse("webhook_endpoint", args=[endpoint.pk]))
    with django_assert_max_num_queries(30) as counted:
        client.get(reverse("webhook_endpoint", args=[endpoint.pk]))
    fewer = len(counted.captured_queries)
    with in_tenant(world.acme):
        for _ in range(10):
            message = Message.objects.create(event_type="session.booked", body="{}", created_at=timezone.now())
            Delivery.objects.create(message=message, endpoint=endpoint)
    with django_assert_max_num_queries(fewer):
        client.get(reverse("webhook_endpoint", args=[endpoint.pk]))


def test_the_api_gives_the_secret_once_and_rotates_it(world, client_for, in_tenant):
    client = _api(client_for, world.acme.hr, world.acme)
    created = client.post(
        "/api/v1/webhooks/endpoints/",
        {"url": "http://127.0.0.1:9/hooks", "events": ["person.invited"], "enabled": False},
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["secret"].startswith("whsec_") and body["status"] == "paused"
    shown = client.get(f"/api/v1/webhooks/endpoints/{body['id']}/").json()
    assert "secret" not in shown and shown["events"] == ["person.invited"]
    assert all("secret" not in row for row in client.get("/api/v1/webhooks/endpoints/").json()["results"])
    rotated = client.post(
        f"/api/v1/webhooks/endpoints/{body['id']}/rotate-secret/", {"overlap_hours": 1}, content_type="application/json"
    ).json()
    assert rotated["secret"] != body["secret"] and rotated["previous_secret_until"]
    resumed = client.patch(
        f"/api/v1/webhooks/endpoints/{body['id']}/", {"enabled": True}, content_type="application/json"
    )
    assert resumed.json()["status"] == "active"
    assert client.get(f"/api/v1/webhooks/endpoints/{body['id']}/deliveries/").json() == []


def test_the_api_refuses_bad_input_naming_the_field(world, client_for, in_tenant, settings):
    settings.OUTBOUND_ALLOW_PRIVATE_ADDRESSES = False
    client = _api(client_for, world.acme.hr, world.acme)
    refused = client.post(
        "/api/v1/webhooks/endpoints/",
        {"url": "https://10.0.0.1/x", "events": ["session.booked"]},
        content_type="application/json",
    )
    assert refused.status_code == 400 and "private network" in refused.json()["url"][0]
    unknown = client.post(
        "/api/v1/webhooks/endpoints/",
        {"url": "https://93.184.215.14/x", "events": ["session.notes_written"]},
        content_type="application/json",
    )
    assert unknown.status_code == 400 and "events" in unknown.json()
    with in_tenant(world.acme):
        assert not Endpoint.objects.exists()


def test_another_organisations_endpoint_looks_missing(world, client_for, in_tenant):
    with in_tenant(world.globex):
        endpoint, _secret = endpoint_make(world.globex, "http://127.0.0.1:9/hooks")
    client = _api(client_for, world.acme.hr, world.acme)
    assert client.get(f"/api/v1/webhooks/endpoints/{endpoint.pk}/").status_code == 404
    assert client_for(world.acme.hr, world.acme.host).get(f"/webhooks/{endpoint.pk}/").status_code == 404
    with tenant_context(world.globex.organisation):
        assert Endpoint.objects.filter(pk=endpoint.pk).exists()

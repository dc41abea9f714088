"""Personal API tokens: named, several per person, expiring, shown once and kept hashed, listed and revoked
by their owner (page and API), optionally read-only, limited per token, audited."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_tenants.utils import schema_context
from rest_framework.authtoken.models import Token

from portal import throttling
from programmes.models import Programme
from tenants import tokens
from tenants.models import ApiToken, PlatformEvent
from tests.access.cases_programmes import PROGRAMME
from tests.world import PASSWORD

ACME = "acme.localhost"


def obtain(user, host: str = ACME, **extra):
    return Client(HTTP_HOST=host).post(
        "/api/v1/auth/token/", {"email": user.email, "password": PASSWORD, **extra}, content_type="application/json"
    )


def api(token: str, host: str = ACME) -> Client:
    return Client(HTTP_HOST=host, HTTP_AUTHORIZATION=f"Token {token}")


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


# --- the token endpoint -------------------------------------------------------------------------------


def test_the_token_endpoint_makes_a_named_expiring_token_shown_once(world):
    before = timezone.now()
    response = obtain(world.acme.employee, name="HR sync", expires_in_days=30)
    assert response.status_code == 200
    body = response.json()
    raw = body["token"]
    assert body["name"] == "HR sync" and raw.startswith(body["prefix"] + "_") and body["read_only"] is False
    row = ApiToken.objects.get(pk=body["id"])
    assert row.digest == hashlib.sha256(raw.encode()).hexdigest()
    # The token is nowhere in the database: only its digest and prefix.
    assert raw not in {row.digest, row.prefix, row.name}
    assert before + timedelta(days=30) <= row.expires_at <= timezone.now() + timedelta(days=30)
    assert api(raw).get("/api/v1/me/").status_code == 200


def test_the_token_endpoint_without_a_name_or_expiry_uses_the_defaults(world, settings):
    response = obtain(world.acme.employee)
    body = response.json()
    assert body["name"] == "API token"
    row = ApiToken.objects.get(pk=body["id"])
    expected = timezone.now() + timedelta(days=settings.API_TOKEN_DEFAULT_DAYS)
    assert abs((row.expires_at - expected).total_seconds()) < 60


@pytest.mark.parametrize("days", [0, 366, "soon"])
def test_an_expiry_outside_the_allowed_range_is_refused_with_its_field_named(world, days):
    response = obtain(world.acme.employee, name="x", expires_in_days=days)
    assert response.status_code == 400
    assert set(response.json()) == {"expires_in_days"}
    assert not ApiToken.objects.filter(user=world.acme.employee).exists()


def test_several_tokens_per_person_each_works_and_is_listed_without_itself(world):
    first = obtain(world.acme.employee, name="One").json()["token"]
    second = obtain(world.acme.employee, name="Two").json()["token"]
    assert first != second
    listed = api(first).get("/api/v1/auth/tokens/").json()["results"]
    assert [item["name"] for item in listed] == ["Two", "One"]
    assert all("token" not in item and "digest" not in item for item in listed)
    assert set(listed[0]) == {"id", "name", "prefix", "read_only", "created_at", "expires_at", "last_used_at"}


# --- using a token --------------------------------------------------------------------------------------


def test_an_expired_token_is_refused(world):
    issued = tokens.token_create(user=world.acme.employee, name="Old", expires_in_days=1)
    ApiToken.objects.filter(pk=issued.token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    response = api(issued.raw).get("/api/v1/me/")
    assert response.status_code == 401
    assert "expired" in response.json()["detail"]


def test_a_bearer_token_is_accepted_and_an_unknown_one_refused(world):
    issued = tokens.token_create(user=world.acme.employee, name="Bearer")
    client = Client(HTTP_HOST=ACME, HTTP_AUTHORIZATION=f"Bearer {issued.raw}")
    assert client.get("/api/v1/me/").status_code == 200
    assert api(issued.raw + "x").get("/api/v1/me/").status_code == 401


def test_a_token_grants_only_what_the_membership_here_grants(world):
    issued = tokens.token_create(user=world.acme.employee, name="Employee")
    assert api(issued.raw).get("/api/v1/me/").json()["roles"] == ["employee"]
    assert api(issued.raw, "globex.localhost").get("/api/v1/me/").status_code == 401
    # An employee's token cannot make a programme (HR's) here.
    response = api(issued.raw).post("/api/v1/programmes/", PROGRAMME, content_type="application/json")
    assert response.status_code == 404
    hr = tokens.token_create(user=world.acme.hr, name="HR")
    assert api(hr.raw).post("/api/v1/programmes/", PROGRAMME, content_type="application/json").status_code == 201


def test_a_read_only_token_reads_and_is_refused_any_change_with_a_clear_403(world, in_tenant):
    issued = tokens.token_create(user=world.acme.hr, name="Reader", read_only=True)
    client = api(issued.raw)
    assert client.get("/api/v1/programmes/").status_code == 200
    with in_tenant(world.acme):
        before = Programme.objects.count()
    for method in ("post", "put", "patch", "delete"):
        response = getattr(client, method)("/api/v1/programmes/", {"name": "New"}, content_type="application/json")
        assert response.status_code == 403, method
        assert response.json()["detail"].startswith("This API token is read-only")
    with in_tenant(world.acme):
        assert Programme.objects.count() == before
    # Revoking itself is a change as well.
    assert client.delete(f"/api/v1/auth/tokens/{issued.token.pk}/").status_code == 403


def test_last_use_is_recorded_at_most_once_a_minute(world):
    issued = tokens.token_create(user=world.acme.employee, name="Used")
    assert issued.token.last_used_at is None
    client = api(issued.raw)
    client.get("/api/v1/me/")
    first = ApiToken.objects.get(pk=issued.token.pk).last_used_at
    assert first is not None
    recent = timezone.now() - timedelta(seconds=20)
    ApiToken.objects.filter(pk=issued.token.pk).update(last_used_at=recent)
    client.get("/api/v1/me/")
    assert ApiToken.objects.get(pk=issued.token.pk).last_used_at == recent
    ApiToken.objects.filter(pk=issued.token.pk).update(last_used_at=timezone.now() - timedelta(minutes=2))
    client.get("/api/v1/me/")
    assert ApiToken.objects.get(pk=issued.token.pk).last_used_at > recent


def test_a_request_with_a_recently_used_token_writes_nothing(world, django_assert_max_num_queries):
    issued = tokens.token_create(user=world.acme.employee, name="Cheap")
    client = api(issued.raw)
    client.get("/api/v1/me/")
    with django_assert_max_num_queries(20) as captured:
        client.get("/api/v1/me/")
    assert not [query for query in captured.captured_queries if "UPDATE" in query["sql"].upper()]


# --- revoking -------------------------------------------------------------------------------------------


def test_the_owner_revokes_a_token_through_the_api_and_it_stops_at_once(world):
    keep = tokens.token_create(user=world.acme.employee, name="Keep")
    gone = tokens.token_create(user=world.acme.employee, name="Gone")
    assert api(keep.raw).delete(f"/api/v1/auth/tokens/{gone.token.pk}/").status_code == 204
    assert api(gone.raw).get("/api/v1/me/").status_code == 401
    assert [item["name"] for item in api(keep.raw).get("/api/v1/auth/tokens/").json()["results"]] == ["Keep"]
    # Revoked again: it is no longer there.
    assert api(keep.raw).delete(f"/api/v1/auth/tokens/{gone.token.pk}/").status_code == 404


def test_nobody_else_lists_or_revokes_a_persons_token(world):
    theirs = tokens.token_create(user=world.acme.employee, name="Mine")
    hr = tokens.token_create(user=world.acme.hr, name="HR")
    assert api(hr.raw).get("/api/v1/auth/tokens/").json()["results"][0]["name"] == "HR"
    assert api(hr.raw).get("/api/v1/auth/tokens/").json()["count"] == 1
    assert api(hr.raw).delete(f"/api/v1/auth/tokens/{theirs.token.pk}/").status_code == 404
    assert api(theirs.raw).get("/api/v1/me/").status_code == 200


def test_a_token_is_made_through_the_api_with_its_options(world):
    session = tokens.token_create(user=world.acme.coach, name="Bootstrap")
    response = api(session.raw).post(
        "/api/v1/auth/tokens/",
        {"name": "Reader", "expires_in_days": 7, "read_only": True},
        content_type="application/json",
    )
    assert response.status_code == 201
    body = response.json()
    assert body["read_only"] is True and body["token"].startswith(body["prefix"])
    assert (
        api(body["token"]).post("/api/v1/auth/tokens/", {"name": "x"}, content_type="application/json").status_code
        == 403
    )
    refused = api(session.raw).post(
        "/api/v1/auth/tokens/", {"name": "", "expires_in_days": 9999}, content_type="application/json"
    )
    assert refused.status_code == 400 and set(refused.json()) == {"name", "expires_in_days"}


# --- the page -------------------------------------------------------------------------------------------


def test_the_page_makes_a_token_shows_it_once_lists_and_revokes(world, client_for):
    client = client_for(world.acme.coach, ACME)
    url = reverse("api_tokens_page", urlconf="portal.urls_tenant")
    response = client.post(url, {"name": "Calendar sync", "expires_in_days": "14", "read_only": "on"})
    assert response.status_code == 200
    issued = response.context["issued"]
    page = response.content.decode()
    assert issued.raw in page and "only time it is shown" in page
    token = ApiToken.objects.get(user=world.acme.coach)
    assert token.read_only and token.name == "Calendar sync"
    again = client.get(url).content.decode()
    assert issued.raw not in again and token.prefix in again and "Calendar sync" in again
    revoked = client.post(reverse("api_token_revoke", urlconf="portal.urls_tenant", kwargs={"pk": token.pk}))
    assert revoked.status_code == 302 and revoked["Location"] == url
    assert api(issued.raw).get("/api/v1/me/").status_code == 401
    assert "is revoked" in client.get(url).content.decode()  # the message, once
    assert "Calendar sync" not in client.get(url).content.decode()


def test_the_page_names_what_is_wrong_and_makes_nothing(world, client_for):
    client = client_for(world.acme.employee, ACME)
    url = reverse("api_tokens_page", urlconf="portal.urls_tenant")
    response = client.post(url, {"name": "", "expires_in_days": "1000"})
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert set(errors) == {"name", "expires_in_days"}
    assert response.context["issued"] is None
    assert not ApiToken.objects.filter(user=world.acme.employee).exists()


# --- audit ----------------------------------------------------------------------------------------------


def test_making_and_revoking_a_token_is_audited_without_the_token(world):
    issued = tokens.token_create(user=world.acme.employee, name="Audited", organisation=world.acme.organisation)
    tokens.token_revoke(user=world.acme.employee, token=issued.token, organisation=world.acme.organisation)
    tokens.token_revoke(user=world.acme.employee, token=issued.token)  # twice: recorded once
    events = list(PlatformEvent.objects.filter(actor=world.acme.employee).order_by("pk"))
    assert [event.action for event in events] == ["api_token.created", "api_token.revoked"]
    assert all(event.organisation == world.acme.organisation for event in events)
    assert events[0].detail["prefix"] == issued.token.prefix
    assert all(issued.raw not in str(event.detail) and issued.token.digest not in str(event.detail) for event in events)


def test_the_token_endpoint_audits_the_token_it_makes(world):
    obtain(world.acme.hr, name="Audited")
    event = PlatformEvent.objects.filter(actor=world.acme.hr, action="api_token.created").get()
    assert event.organisation == world.acme.organisation


# --- per-token limit ------------------------------------------------------------------------------------


def test_a_token_over_its_limit_gets_429_with_retry_after_in_header_and_body(world, settings):
    settings.API_TOKEN_PER_MINUTE = 3
    issued = tokens.token_create(user=world.acme.employee, name="Busy")
    other = tokens.token_create(user=world.acme.employee, name="Calm")
    client = api(issued.raw)
    assert [client.get("/api/v1/me/").status_code for _ in range(3)] == [200, 200, 200]
    refused = client.get("/api/v1/me/")
    assert refused.status_code == 429
    wait = int(refused["Retry-After"])
    assert 1 <= wait <= 60
    assert refused.json()["retry_after"] == wait
    assert "Too many requests with this API token" in refused.json()["detail"]
    # Per token: another token of the same person is not held back; the limit holds on every host.
    assert api(other.raw).get("/api/v1/me/").status_code == 200


def test_the_limit_is_a_window_of_a_minute(world, settings):
    settings.API_TOKEN_PER_MINUTE = 2
    start = 6_000_000.0  # the start of a window
    assert throttling.token_request_wait(999_999, now=start) == 0
    assert throttling.token_request_wait(999_999, now=start + 1) == 0
    assert throttling.token_request_wait(999_999, now=start + 15) == 45
    assert throttling.token_request_wait(999_999, now=start + 60) == 0  # the next minute


# --- the DRF tokens made before -----------------------------------------------------------------------


def test_a_drf_token_made_before_keeps_working_once_migrated_and_is_kept_only_hashed(world, settings):
    from importlib import import_module

    migration = import_module("tenants.migrations.0006_api_tokens_from_drf_tokens")
    with schema_context("public"):
        old = Token.objects.create(user=world.acme.employee)
        migration.hash_drf_tokens(apps, SimpleNamespace(connection=connection))
        assert not Token.objects.exists()
    migrated = ApiToken.objects.get(user=world.acme.employee)
    assert migrated.digest == hashlib.sha256(old.key.encode()).hexdigest()
    assert migrated.prefix == old.key[:6] and not migrated.read_only
    assert migrated.expires_at > timezone.now() + timedelta(days=settings.API_TOKEN_MAX_DAYS - 1)
    assert api(old.key).get("/api/v1/me/").status_code == 200


def test_the_limit_of_a_token_holds_across_the_hosts_it_is_used_on(world, settings):
    settings.API_TOKEN_PER_MINUTE = 2
    issued = tokens.token_create(user=world.coach_both, name="Both")
    assert api(issued.raw, ACME).get("/api/v1/me/").status_code == 200
    assert api(issued.raw, "globex.localhost").get("/api/v1/me/").status_code == 200
    assert api(issued.raw, "globex.localhost").get("/api/v1/me/").status_code == 429
    assert api(issued.raw, ACME).get("/api/v1/me/").status_code == 429


def test_hr_sees_that_a_token_was_made_and_revoked_here_never_the_token(world, client_for):
    api(obtain(world.acme.employee, name="Seen").json()["token"]).delete(
        f"/api/v1/auth/tokens/{ApiToken.objects.get(user=world.acme.employee).pk}/"
    )
    token = ApiToken.objects.get(user=world.acme.employee)
    response = client_for(world.acme.hr, ACME).get(reverse("reports_audit"))
    lines = [line for line in response.context["lines"] if line.action.startswith("api_token.")]
    assert [line.label for line in lines] == ["API token revoked", "API token made"]
    assert all(
        line.actor == world.acme.employee.get_full_name() and line.details == f"{token.prefix}…" for line in lines
    )
    assert token.digest not in response.content.decode()
    elsewhere = client_for(world.globex.hr, "globex.localhost").get(reverse("reports_audit"))
    assert not [line for line in elsewhere.context["lines"] if line.action.startswith("api_token.")]

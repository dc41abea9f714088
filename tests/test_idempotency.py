"""`Idempotency-Key` on the API's creating requests (portal.idempotency): a retry answers the first result and
changes nothing; the same key with another body is refused; concurrent retries make one effect."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from django_tenants.utils import tenant_context

from assessments.models import Reflection
from portal import idempotency, tasks
from programmes.models import IdempotencyRecord, Programme, Session
from tenants import tokens
from tenants.models import ApiToken, Invitation, PlatformEvent
from tests.access.cases_programmes import PROGRAMME
from tests.connections import in_own_connection
from tests.programmes.test_booking_concurrency import _press_together, _race_world
from tests.world.sessions import accept_agreement, at, free_slot

JSON = "application/json"


def api(user, host: str) -> Client:
    return Client(HTTP_HOST=host, HTTP_AUTHORIZATION=f"Token {tokens.token_create(user=user, name='Tests').raw}")


def post(client: Client, path: str, data: dict, key: str | None):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key is not None else {}
    return client.post(path, json.dumps(data), content_type=JSON, **headers)


def programmes_named(world, name: str) -> int:
    with tenant_context(world.acme.organisation):
        return Programme.objects.filter(name=name).count()


def test_a_retry_with_the_same_key_answers_the_first_result_and_changes_nothing(world):
    client = api(world.acme.hr, world.acme.host)
    data = {**PROGRAMME, "name": "Once only"}
    first = post(client, "/api/v1/programmes/", data, "key-1")
    assert first.status_code == 201 and "Idempotent-Replayed" not in first
    again = post(client, "/api/v1/programmes/", dict(reversed(list(data.items()))), "key-1")  # same body, other order
    assert again.status_code == 201 and again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert programmes_named(world, "Once only") == 1


def test_without_a_key_every_request_runs(world):
    client = api(world.acme.hr, world.acme.host)
    data = {**PROGRAMME, "name": "Twice"}
    assert post(client, "/api/v1/programmes/", data, None).status_code == 201
    assert post(client, "/api/v1/programmes/", data, None).status_code == 201
    assert programmes_named(world, "Twice") == 2


def test_the_same_key_with_another_body_is_refused_with_422_and_changes_nothing(world):
    client = api(world.acme.hr, world.acme.host)
    assert post(client, "/api/v1/programmes/", {**PROGRAMME, "name": "First"}, "key-2").status_code == 201
    refused = post(client, "/api/v1/programmes/", {**PROGRAMME, "name": "Second"}, "key-2")
    assert refused.status_code == 422
    assert "already used for a different request" in refused.json()["detail"]
    assert programmes_named(world, "Second") == 0


def test_keys_are_per_account_and_per_endpoint(world, in_tenant):
    hr = api(world.acme.hr, world.acme.host)
    assert post(hr, "/api/v1/programmes/", {**PROGRAMME, "name": "Mine"}, "shared").status_code == 201
    # Another endpoint, the same key: a request of its own.
    cohort = {"programme": world.acme.people["programme"], "name": "Keyed cohort"}
    with in_tenant(world.acme):
        before = Programme.objects.get(pk=world.acme.people["programme"]).cohorts.count()
    made = post(hr, "/api/v1/cohorts/", cohort, "shared")
    assert made.status_code == 201, made.content
    with in_tenant(world.acme):
        assert Programme.objects.get(pk=world.acme.people["programme"]).cohorts.count() == before + 1
    # Another person with the same key, even a second HR manager: their own request.
    second_hr = api(world.acme.hr, world.acme.host)  # another token of the same account: the same key space
    assert post(second_hr, "/api/v1/programmes/", {**PROGRAMME, "name": "Mine"}, "shared")["Idempotent-Replayed"]
    coach_both = api(world.coach_both, world.acme.host)
    assert post(coach_both, "/api/v1/programmes/", {**PROGRAMME, "name": "Mine"}, "shared").status_code == 404


def test_keys_are_per_organisation(world):
    """Each organisation keeps its keys in its own schema: the same key on another host is another request."""
    acme = api(world.acme.hr, world.acme.host)
    globex = api(world.globex.hr, world.globex.host)
    assert post(acme, "/api/v1/programmes/", {**PROGRAMME, "name": "Org A"}, "k").status_code == 201
    assert post(globex, "/api/v1/programmes/", {**PROGRAMME, "name": "Org B"}, "k").status_code == 201
    with tenant_context(world.acme.organisation):
        assert IdempotencyRecord.objects.filter(key="k").count() == 1
    with tenant_context(world.globex.organisation):
        assert IdempotencyRecord.objects.filter(key="k").count() == 1


def test_a_refused_request_leaves_the_key_free_for_the_corrected_one(world):
    client = api(world.acme.hr, world.acme.host)
    refused = post(client, "/api/v1/programmes/", {**PROGRAMME, "name": ""}, "fix-me")
    assert refused.status_code == 400
    made = post(client, "/api/v1/programmes/", {**PROGRAMME, "name": "Fixed"}, "fix-me")
    assert made.status_code == 201 and "Idempotent-Replayed" not in made


def test_a_key_expires_after_24_hours(world):
    client = api(world.acme.hr, world.acme.host)
    data = {**PROGRAMME, "name": "Yearly"}
    assert post(client, "/api/v1/programmes/", data, "old-key").status_code == 201
    with tenant_context(world.acme.organisation):
        IdempotencyRecord.objects.filter(key="old-key").update(
            created_at=timezone.now() - timedelta(hours=24, minutes=1)
        )
    again = post(client, "/api/v1/programmes/", data, "old-key")
    assert again.status_code == 201 and "Idempotent-Replayed" not in again
    assert programmes_named(world, "Yearly") == 2


def test_expired_records_are_pruned(world):
    client = api(world.acme.hr, world.acme.host)
    post(client, "/api/v1/programmes/", {**PROGRAMME, "name": "Fresh"}, "fresh")
    post(client, "/api/v1/programmes/", {**PROGRAMME, "name": "Stale"}, "stale")
    with tenant_context(world.acme.organisation):
        IdempotencyRecord.objects.filter(key="stale").update(created_at=timezone.now() - timedelta(hours=25))
        assert idempotency.idempotency_prune() == 1
        assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["fresh"]
        IdempotencyRecord.objects.filter(key="fresh").update(created_at=timezone.now() - timedelta(hours=25))
    assert tasks.idempotency_prune() == 1  # the nightly task visits every organisation


@pytest.mark.parametrize("key", ["", "x" * 256, "bad\u00e9key", "tab\tkey"])
def test_a_malformed_key_is_refused_naming_the_header(world, key):
    client = api(world.acme.hr, world.acme.host)
    response = post(client, "/api/v1/programmes/", {**PROGRAMME, "name": "Malformed"}, key)
    assert response.status_code == 400
    assert "Idempotency-Key" in response.json()
    assert programmes_named(world, "Malformed") == 0


def test_a_booking_retried_with_its_key_answers_the_same_session(world):
    acme = world.acme
    with tenant_context(acme.organisation):
        accept_agreement(acme.employee2)
    slot = free_slot(world.coach_both, at(9, 15))
    client = api(acme.employee2, acme.host)
    url = f"/api/v1/availability/{slot.pk}/book/"
    first = client.post(url, HTTP_IDEMPOTENCY_KEY="book-1")
    assert first.status_code == 201
    again = client.post(url, HTTP_IDEMPOTENCY_KEY="book-1")
    assert again.status_code == 201 and again.json() == first.json() and again["Idempotent-Replayed"] == "true"
    # Without the key the retry is a new booking attempt, which the slot refuses.
    assert client.post(url).status_code == 409
    with tenant_context(acme.organisation):
        assert Session.objects.filter(slot=slot).count() == 1


def test_an_enrolment_retried_with_its_key_invites_once(world, django_capture_on_commit_callbacks):
    client = api(world.acme.hr, world.acme.host)
    data = {"cohort": world.acme.people["cohort_a"], "email": "keyed@new.test", "first_name": "Kay", "last_name": "Ed"}
    with django_capture_on_commit_callbacks(execute=True):
        first = post(client, "/api/v1/enrolments/", data, "enrol-1")
        again = post(client, "/api/v1/enrolments/", data, "enrol-1")
    assert first.status_code == again.status_code == 202
    assert again.json() == first.json() and again["Idempotent-Replayed"] == "true"
    assert Invitation.objects.filter(email="keyed@new.test").count() == 1
    assert [message.to for message in mail.outbox] == [["keyed@new.test"]]


def test_a_reflection_retried_with_its_key_is_written_once(world, in_tenant):
    client = api(world.acme.employee, world.acme.host)
    with in_tenant(world.acme):
        before = Reflection.objects.count()
    data = {"body": "Written once."}
    first = post(client, "/api/v1/reflections/", data, "reflect-1")
    assert first.status_code == 201, first.content
    assert post(client, "/api/v1/reflections/", data, "reflect-1").json() == first.json()
    with in_tenant(world.acme):
        assert Reflection.objects.count() == before + 1


def test_an_import_retried_with_its_key_is_answered_from_the_first(world):
    client = api(world.acme.hr, world.acme.host)
    content = b"email,first name,last name,cohort\nkeyed.import@new.test,Im,Port,Cohort A\n"

    def upload(name: str = "people.csv", body: bytes = content):
        return client.post(
            "/api/v1/enrolments/import/",
            {"file": SimpleUploadedFile(name, body, content_type="text/csv")},
            HTTP_IDEMPOTENCY_KEY="import-1",
        )

    first = upload()
    assert first.status_code == 200, first.content
    again = upload()
    assert again.status_code == 200 and again.json() == first.json() and again["Idempotent-Replayed"] == "true"
    other = upload(body=content.replace(b"keyed.import", b"someone.else"))
    assert other.status_code == 422
    assert not Invitation.objects.filter(email="someone.else@new.test").exists()


def test_the_schema_documents_the_header_on_the_creating_operations(world, client_for):
    schema = client_for(world.acme.hr, world.acme.host).get("/api/v1/schema/?format=json").json()

    def header_names(path: str, method: str = "post") -> set[str]:
        return {p["name"] for p in schema["paths"][path][method].get("parameters", []) if p["in"] == "header"}

    for path in (
        "/api/v1/availability/{id}/book/",
        "/api/v1/enrolments/",
        "/api/v1/enrolments/import/",
        "/api/v1/programmes/",
        "/api/v1/sessions/",
        "/api/v1/goals/",
        "/api/v1/reflections/",
        "/api/v1/urgent-requests/",
    ):
        assert "Idempotency-Key" in header_names(path), path


# --- concurrent retries, on real connections -----------------------------------------------------------


def test_concurrent_retries_with_one_key_make_one_booking(db):
    with _race_world(per_organisation=1, credits=5) as (world, made, bookers):
        booker = bookers[0]
        raw = in_own_connection(lambda: tokens.token_create(user=booker.user, name="Race").raw)
        slot = in_own_connection(lambda: free_slot(world.coach_both, at(60, 10)))
        made.slots.append(slot.pk)
        url = f"/api/v1/availability/{slot.pk}/book/"

        def book():
            client = Client(HTTP_HOST=booker.org.host, HTTP_AUTHORIZATION=f"Token {raw}")
            return client.post(url, HTTP_IDEMPOTENCY_KEY="race-key")

        try:
            results = _press_together([book for _ in range(6)])
            errors = [result for result in results if isinstance(result, Exception)]
            assert not errors, errors
            assert [response.status_code for response in results] == [201] * 6
            assert len({response.json()["id"] for response in results}) == 1
            assert sum(1 for response in results if response.get("Idempotent-Replayed") == "true") == 5

            def sessions() -> int:
                with tenant_context(booker.org.organisation):
                    return Session.objects.filter(slot_id=slot.pk).count()

            assert in_own_connection(sessions) == 1
        finally:

            def forget():
                with tenant_context(booker.org.organisation):
                    IdempotencyRecord.objects.filter(user_id=booker.user.pk).delete()
                ApiToken.objects.filter(user_id=booker.user.pk).delete()
                PlatformEvent.objects.filter(actor_id=booker.user.pk).delete()

            in_own_connection(forget)


def test_concurrent_requests_with_one_key_and_different_bodies_make_one_effect(db):
    with _race_world(per_organisation=1, credits=5) as (world, made, _bookers):
        hr = world.acme.hr
        raw = in_own_connection(lambda: tokens.token_create(user=hr, name="Race HR").raw)

        def make(name: str):
            def call():
                client = Client(HTTP_HOST=world.acme.host, HTTP_AUTHORIZATION=f"Token {raw}")
                return post(client, "/api/v1/programmes/", {**PROGRAMME, "name": name}, "race-programme")

            return call

        names = [f"Raced {number}" for number in range(4)]
        try:
            results = _press_together([make(name) for name in names])
            errors = [result for result in results if isinstance(result, Exception)]
            assert not errors, errors
            assert sorted(response.status_code for response in results) == [201, 422, 422, 422]

            def made_count() -> int:
                with tenant_context(world.acme.organisation):
                    return Programme.objects.filter(name__in=names).count()

            assert in_own_connection(made_count) == 1
        finally:

            def forget():
                with tenant_context(world.acme.organisation):
                    Programme.objects.filter(name__in=names).delete()
                    IdempotencyRecord.objects.filter(key="race-programme").delete()
                ApiToken.objects.filter(user_id=hr.pk, name="Race HR").delete()
                PlatformEvent.objects.filter(actor_id=hr.pk, action__startswith="api_token.").delete()

            in_own_connection(forget)

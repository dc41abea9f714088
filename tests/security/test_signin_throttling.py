"""Sign-in throttling: three wrong passwords for one address and user name, then a cool-off.

The lock holds for the sign-in form and the API token endpoint alike, leaves other people alone, is
written to the log and ends by itself when the cool-off has passed.
"""

import logging
from datetime import timedelta

from axes.models import AccessAttempt
from django.conf import settings
from django.test import Client
from rest_framework.authtoken.models import Token

from tests.world import PASSWORD

ADDRESS = "203.0.113.7"


def form(host: str = "acme.localhost", address: str = ADDRESS) -> Client:
    return Client(HTTP_HOST=host, REMOTE_ADDR=address)


def sign_in(client: Client, email: str, password: str):
    return client.post("/login/", {"username": email, "password": password})


def wrong_passwords(client: Client, email: str, count: int) -> list[int]:
    return [sign_in(client, email, f"wrong {attempt}").status_code for attempt in range(count)]


def test_the_fourth_attempt_after_three_wrong_passwords_is_refused_even_with_the_right_one(world):
    assert settings.AXES_FAILURE_LIMIT == 3
    client = form()
    statuses = wrong_passwords(client, world.acme.hr.email, 3)
    assert statuses[:2] == [200, 200]  # the form again, with its message
    fourth = sign_in(client, world.acme.hr.email, PASSWORD)
    assert fourth.status_code == 429
    assert "Too many sign-in attempts" in fourth.content.decode()
    assert client.get("/").status_code == 302  # not signed in


def test_a_locked_user_name_does_not_lock_out_anyone_else(world):
    wrong_passwords(form(), world.acme.hr.email, 3)
    same_address = form()
    assert sign_in(same_address, world.acme.employee.email, PASSWORD).status_code == 302
    assert same_address.get("/").status_code == 200
    other_address = form(address="198.51.100.23")
    assert sign_in(other_address, world.acme.hr.email, PASSWORD).status_code == 302


def test_the_lock_is_logged_and_recorded_with_the_user_name_and_the_address(world, caplog):
    with caplog.at_level(logging.WARNING, logger="axes"):
        wrong_passwords(form(), world.acme.hr.email, 3)
    # The log line says what happened where; who and from where (personal data) stay in the database.
    locks = [record.getMessage() for record in caplog.records if "Locking out" in record.getMessage()]
    assert len(locks) == 1 and "/login/" in locks[0]
    assert world.acme.hr.email not in locks[0]
    attempt = AccessAttempt.objects.get(username=world.acme.hr.email, ip_address=ADDRESS)
    assert attempt.failures_since_start == 3


def test_the_api_token_endpoint_shares_the_lock(world):
    api = form()
    for attempt in range(3):
        api.post(
            "/api/v1/auth/token/",
            {"email": world.acme.hr.email, "password": f"wrong {attempt}"},
            content_type="application/json",
        )
    response = api.post(
        "/api/v1/auth/token/", {"email": world.acme.hr.email, "password": PASSWORD}, content_type="application/json"
    )
    assert response.status_code == 429
    assert not Token.objects.filter(user=world.acme.hr).exists()
    assert sign_in(form(), world.acme.hr.email, PASSWORD).status_code == 429


def test_the_lock_ends_when_the_cool_off_has_passed(world):
    wrong_passwords(form(), world.acme.hr.email, 3)
    assert sign_in(form(), world.acme.hr.email, PASSWORD).status_code == 429
    AccessAttempt.objects.filter(username=world.acme.hr.email).update(
        attempt_time=AccessAttempt.objects.get(username=world.acme.hr.email).attempt_time
        - settings.AXES_COOLOFF_TIME
        - timedelta(seconds=1)
    )
    client = form()
    assert sign_in(client, world.acme.hr.email, PASSWORD).status_code == 302
    assert client.get("/").status_code == 200


def test_a_successful_sign_in_resets_the_count(world):
    wrong_passwords(form(), world.acme.hr.email, 2)
    assert sign_in(form(), world.acme.hr.email, PASSWORD).status_code == 302
    wrong_passwords(form(), world.acme.hr.email, 2)
    assert sign_in(form(), world.acme.hr.email, PASSWORD).status_code == 302

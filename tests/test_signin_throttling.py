"""Sign-in throttling and password-reset limits behind the load balancer.

Every request comes from the balancer (REMOTE_ADDR) carrying the client's address in X-Forwarded-For, as
in production with TRUSTED_PROXY_COUNT=1. Time passes by moving the recorded attempts into the past.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.core import mail
from django.core.cache import cache
from django.db.models import F
from django.test import Client, RequestFactory
from rest_framework.test import APIClient

from portal.tasks import sign_in_failures_prune
from portal.throttling import account_backoff, client_address
from tests.world import PASSWORD

BALANCER = "10.0.0.2"
HOST = "acme.localhost"


@pytest.fixture(autouse=True)
def behind_the_balancer(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    cache.clear()
    yield
    cache.clear()


def browser(address: str, forged: str = "") -> Client:
    """A browser at `address`, reaching the portal through the balancer (which appends the address)."""
    forwarded = f"{forged}, {address}" if forged else address
    return Client(HTTP_HOST=HOST, REMOTE_ADDR=BALANCER, HTTP_X_FORWARDED_FOR=forwarded)


def api_client(address: str) -> APIClient:
    return APIClient(HTTP_HOST=HOST, REMOTE_ADDR=BALANCER, HTTP_X_FORWARDED_FOR=address)


def sign_in(client: Client, email: str, password: str):
    return client.post("/login/", {"username": email, "password": password})


def time_passes(seconds: int) -> None:
    """Every recorded sign-in attempt and failure happened `seconds` earlier."""
    shift = timedelta(seconds=seconds)
    for model in (AccessAttempt, AccessFailureLog, AccessLog):
        model.objects.update(attempt_time=F("attempt_time") - shift)


@pytest.mark.parametrize(
    ("count", "forwarded", "expected"),
    [
        (0, "198.51.100.7", BALANCER),  # no proxy trusted: the connecting address
        (1, "198.51.100.7", "198.51.100.7"),  # the address the balancer appended
        (1, "6.6.6.6, 198.51.100.7", "198.51.100.7"),  # a forged entry to its left is ignored
        (2, "6.6.6.6, 198.51.100.7, 10.0.0.9", "198.51.100.7"),  # two proxies: second from the right
        (2, "198.51.100.7", BALANCER),  # shorter than the proxy chain: not believed
        (1, "not-an-address", BALANCER),
        (1, "", BALANCER),
    ],
)
def test_the_client_address_is_read_from_the_trusted_end_of_the_header(settings, count, forwarded, expected):
    settings.TRUSTED_PROXY_COUNT = count
    request = RequestFactory().get("/", REMOTE_ADDR=BALANCER, HTTP_X_FORWARDED_FOR=forwarded)
    assert client_address(request) == expected


def test_wrong_passwords_from_one_client_do_not_lock_out_the_right_password_from_another(world):
    email = world.acme.hr.email
    attacker = browser("203.0.113.66")
    for _ in range(5):
        sign_in(attacker, email, "wrong")
    owner = browser("198.51.100.7")
    assert sign_in(owner, email, PASSWORD).status_code == 302
    assert owner.get("/").status_code == 200
    # The guessing client stays locked, even with the right password.
    locked = sign_in(attacker, email, PASSWORD)
    assert locked.status_code == 429
    assert "Try again in 15 minutes" in locked.content.decode()


def test_a_forged_forwarded_for_prefix_neither_dodges_the_lock_nor_spreads_it(world):
    email = world.acme.hr.email
    for forged in ("1.1.1.1", "2.2.2.2", "3.3.3.3"):
        sign_in(browser("203.0.113.66", forged=forged), email, "wrong")
    assert sign_in(browser("203.0.113.66", forged="4.4.4.4"), email, PASSWORD).status_code == 429
    # Another client who forges the guesser's address on the left is judged by its own address.
    assert sign_in(browser("198.51.100.7", forged="203.0.113.66"), email, PASSWORD).status_code == 302


def test_the_per_account_backoff_grows_but_admits_the_right_password_after_the_wait(world):
    email = world.acme.hr.email
    # Ten wrong passwords from ten clients: none is locked on its own, the account is.
    for index in range(10):
        sign_in(browser(f"203.0.113.{index + 1}"), email, "wrong")
    owner = browser("198.51.100.7")
    waiting = sign_in(owner, email, PASSWORD)
    assert waiting.status_code == 429
    assert waiting["Retry-After"] == "2"
    assert "Try again in 2 seconds" in waiting.content.decode()
    # Refused attempts (right or wrong password) are not wrong passwords: they do not move the clock.
    sign_in(browser("203.0.113.200"), email, "wrong")
    assert AccessFailureLog.objects.filter(username=email).count() == 10

    time_passes(2)
    sign_in(browser("203.0.113.11"), email, "wrong")  # the eleventh: the wait doubles
    waiting = sign_in(owner, email, PASSWORD)
    assert waiting.status_code == 429 and waiting["Retry-After"] == "4"
    time_passes(3)
    assert sign_in(owner, email, PASSWORD).status_code == 429
    time_passes(1)
    assert sign_in(owner, email, PASSWORD).status_code == 302
    assert owner.get("/").status_code == 200


def test_a_successful_sign_in_ends_the_per_account_backoff(world):
    email = world.acme.hr.email
    for index in range(10):
        sign_in(browser(f"203.0.113.{index + 1}"), email, "wrong")
    time_passes(2)
    assert sign_in(browser("198.51.100.7"), email, PASSWORD).status_code == 302
    # The failures before that sign-in no longer count: another device signs in at once.
    assert sign_in(browser("198.51.100.8"), email, PASSWORD).status_code == 302


def test_the_backoff_doubles_up_to_its_ceiling(settings):
    settings.SIGN_IN_BACKOFF_AFTER, settings.SIGN_IN_BACKOFF_MAX_SECONDS = 10, 300
    assert [account_backoff(failures) for failures in (0, 9, 10, 11, 12, 17, 18, 40)] == [0, 0, 2, 4, 8, 256, 300, 300]


def test_the_api_answers_a_lock_out_with_json(world):
    email = world.acme.hr.email
    attacker = api_client("203.0.113.66")
    for _ in range(3):
        attacker.post("/api/v1/auth/token/", {"email": email, "password": "wrong"}, format="json")
    locked = attacker.post("/api/v1/auth/token/", {"email": email, "password": PASSWORD}, format="json")
    assert locked.status_code == 429
    assert locked["Content-Type"] == "application/json"
    assert int(locked["Retry-After"]) > 800
    assert locked.json() == {"detail": "Too many sign-in attempts. Try again in 15 minutes."}
    # The owner, elsewhere, gets a token.
    owner = api_client("198.51.100.7")
    response = owner.post("/api/v1/auth/token/", {"email": email, "password": PASSWORD}, format="json")
    assert response.status_code == 200 and "token" in response.json()


def test_the_api_backoff_says_how_many_seconds_to_wait(world):
    email = world.acme.hr.email
    for index in range(10):
        api_client(f"203.0.113.{index + 1}").post(
            "/api/v1/auth/token/", {"email": email, "password": "wrong"}, format="json"
        )
    waiting = api_client("198.51.100.7").post(
        "/api/v1/auth/token/", {"email": email, "password": PASSWORD}, format="json"
    )
    assert waiting.status_code == 429
    assert waiting.json() == {"detail": "Too many sign-in attempts. Try again in 2 seconds."}
    time_passes(2)
    assert (
        api_client("198.51.100.7")
        .post("/api/v1/auth/token/", {"email": email, "password": PASSWORD}, format="json")
        .status_code
        == 200
    )


def reset(client: Client, email: str):
    return client.post("/password-reset/", {"email": email})


def test_a_flood_of_reset_requests_for_one_address_sends_only_a_few_emails(world, settings):
    settings.PASSWORD_RESET_PER_ADDRESS = 3
    responses = [reset(browser(f"203.0.113.{index + 1}"), world.acme.employee.email) for index in range(6)]
    assert {(response.status_code, response["Location"]) for response in responses} == {(302, "/password-reset/sent/")}
    assert len(mail.outbox) == 3
    # The limit holds across hosts: the same address on another host is the same address.
    public = Client(HTTP_HOST="localhost", REMOTE_ADDR=BALANCER, HTTP_X_FORWARDED_FOR="203.0.113.50")
    public.post("/password-reset/", {"email": world.acme.employee.email.upper()})
    assert len(mail.outbox) == 3


def test_one_client_cannot_spray_reset_requests_over_many_addresses(world, settings):
    settings.PASSWORD_RESET_PER_CLIENT = 2
    sprayer = browser("203.0.113.66")
    addresses = [
        world.acme.hr.email,
        world.acme.employee.email,
        world.acme.employee2.email,
        world.acme.coach.email,
        "nobody@acme.test",
    ]
    responses = [reset(sprayer, address) for address in addresses]
    assert {(response.status_code, response["Location"]) for response in responses} == {(302, "/password-reset/sent/")}
    assert len(mail.outbox) == 2
    # Someone else, elsewhere, still gets their link.
    reset(browser("198.51.100.7"), world.acme.employee2.email)
    assert len(mail.outbox) == 3


def test_the_reset_answer_is_the_same_for_an_unknown_address(world):
    known = reset(browser("198.51.100.7"), world.acme.employee.email)
    unknown = reset(browser("198.51.100.8"), "nobody@acme.test")
    assert (known.status_code, known["Location"]) == (unknown.status_code, unknown["Location"])
    assert len(mail.outbox) == 1


def test_the_record_of_wrong_passwords_is_pruned_after_thirty_days(world):

    sign_in(browser("203.0.113.66"), world.acme.hr.email, "wrong")
    time_passes(29 * 24 * 60 * 60)
    sign_in(browser("203.0.113.66"), world.acme.hr.email, "wrong")
    time_passes(2 * 24 * 60 * 60)
    assert sign_in_failures_prune.apply().get() == 1
    assert AccessFailureLog.objects.count() == 1

"""Who is knocking, and how often: the client address behind the load balancer, sign-in throttling and
the password-reset limits, and the per-token limit of the API.

Sign-in has two brakes (django-axes records the attempts; this module decides):
- per account and client address: `AXES_FAILURE_LIMIT` wrong passwords pause that client for that account
  for `AXES_COOLOFF_TIME`. Someone else's wrong passwords, from elsewhere, never lock the real user out.
- per account, across every client: from the `SIGN_IN_BACKOFF_AFTER`-th wrong password within
  `SIGN_IN_BACKOFF_WINDOW` (counted since the last successful sign-in), each next attempt waits a doubling
  number of seconds after the last wrong password, up to `SIGN_IN_BACKOFF_MAX_SECONDS`. A refused attempt is
  not a wrong password (it moves no clock), so the right password gets in once the wait is over.
"""

from __future__ import annotations

import hashlib
import ipaddress
import math
import time
from datetime import datetime, timedelta

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, Max, Sum
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import ngettext
from django_tenants.utils import schema_context
from rest_framework import exceptions
from rest_framework.throttling import BaseThrottle

SIGN_IN_BACKOFF_WINDOW = timedelta(hours=1)
# Wrong passwords (account, client address, time) are kept this long for security review, then deleted.
SIGN_IN_FAILURES_KEPT = timedelta(days=30)
PASSWORD_RESET_WINDOW = timedelta(hours=1)


def client_address(request: HttpRequest) -> str:
    """The address of the client, as the trusted load balancer saw it.

    With `TRUSTED_PROXY_COUNT` = N proxies in front of the portal, each appending the address it was
    reached from to X-Forwarded-For, the client is the N-th entry from the right. Entries to its left were
    written by the client itself and are never believed. A header shorter than N, or not an address, means
    the request did not come through the proxies: the connecting address is used.
    """
    remote = request.META.get("REMOTE_ADDR", "")
    count = settings.TRUSTED_PROXY_COUNT
    if count <= 0:
        return remote
    entries = [entry.strip() for entry in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    if len(entries) < count or not entries[-count]:
        return remote
    try:
        return str(ipaddress.ip_address(entries[-count]))
    except ValueError:
        return remote


# --- signing in -------------------------------------------------------------------------------------


def _now(request: HttpRequest) -> datetime:
    return getattr(request, "axes_attempt_time", None) or timezone.now()


def _client_wait(*, username: str, address: str, now: datetime) -> float:
    cool_off = settings.AXES_COOLOFF_TIME
    recent = AccessAttempt.objects.filter(username=username, ip_address=address, attempt_time__gte=now - cool_off)
    found = recent.aggregate(failures=Sum("failures_since_start"), last=Max("attempt_time"))
    if (found["failures"] or 0) < settings.AXES_FAILURE_LIMIT:
        return 0
    return (found["last"] + cool_off - now).total_seconds()


def account_backoff(failures: int) -> int:
    """Seconds the account waits after its last wrong password, given the wrong passwords in the window."""
    if failures < settings.SIGN_IN_BACKOFF_AFTER:
        return 0
    return min(2 ** (failures - settings.SIGN_IN_BACKOFF_AFTER + 1), settings.SIGN_IN_BACKOFF_MAX_SECONDS)


def _account_wait(*, username: str, now: datetime) -> float:
    since = now - SIGN_IN_BACKOFF_WINDOW
    last_success = AccessLog.objects.filter(username=username).aggregate(last=Max("attempt_time"))["last"]
    if last_success is not None and last_success > since:
        since = last_success
    found = AccessFailureLog.objects.filter(username=username, attempt_time__gt=since).aggregate(
        failures=Count("id"), last=Max("attempt_time")
    )
    delay = account_backoff(found["failures"])
    if not delay:
        return 0
    return (found["last"] + timedelta(seconds=delay) - now).total_seconds()


def sign_in_wait(request: HttpRequest, credentials: dict | None = None) -> int:
    """Whole seconds before this client may try this account again; 0 when it may now."""
    username = get_client_username(request, credentials)
    if not username:
        return 0
    now = _now(request)
    address = getattr(request, "axes_ip_address", None) or client_address(request)
    wait = max(_client_wait(username=username, address=address, now=now), _account_wait(username=username, now=now))
    return max(math.ceil(wait), 0)


class SignInThrottleHandler(AxesDatabaseHandler):
    """axes records the attempts as usual; whether one may be made is `sign_in_wait`'s decision."""

    def is_locked(self, request, credentials: dict | None = None) -> bool:
        return sign_in_wait(request, credentials) > 0


def sign_in_failures_prune() -> int:
    """Delete the record of wrong passwords older than SIGN_IN_FAILURES_KEPT (run nightly)."""
    deleted, _rows = AccessFailureLog.objects.filter(attempt_time__lt=timezone.now() - SIGN_IN_FAILURES_KEPT).delete()
    return deleted


def wait_message(seconds: int) -> str:
    if seconds >= 120:
        minutes = math.ceil(seconds / 60)
        return ngettext(
            "Too many sign-in attempts. Try again in %(count)s minute.",
            "Too many sign-in attempts. Try again in %(count)s minutes.",
            minutes,
        ) % {"count": minutes}
    return ngettext(
        "Too many sign-in attempts. Try again in %(count)s second.",
        "Too many sign-in attempts. Try again in %(count)s seconds.",
        seconds,
    ) % {"count": seconds}


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: dict | None = None
) -> HttpResponse:
    """axes' answer to a refused sign-in: JSON in the API's error format under /api/, a page elsewhere."""
    wait = max(sign_in_wait(request, credentials), 1)
    if request.path.startswith("/api/"):
        response = JsonResponse({"detail": wait_message(wait)}, status=429)
    else:
        response = render(
            request, "registration/locked_out.html", {"message": wait_message(wait), "wait_seconds": wait}, status=429
        )
    response["Retry-After"] = str(wait)
    return response


# --- password reset ---------------------------------------------------------------------------------


def _hit(scope: str, value: str, limit: int) -> bool:
    """Count one request against `scope`/`value` in the current window; true while within `limit`."""
    digest = hashlib.sha256(f"{scope}:{value}".encode()).hexdigest()
    key = f"throttle:{scope}:{digest}"
    # The cache's keys carry the schema of the current host: counted in the public schema, a limit holds
    # across every host the request could be sent to.
    with schema_context("public"):
        cache.add(key, 0, timeout=int(PASSWORD_RESET_WINDOW.total_seconds()))
        try:
            count = cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, timeout=int(PASSWORD_RESET_WINDOW.total_seconds()))
            count = 1
    return count <= limit


def password_reset_allowed(*, request: HttpRequest, email: str) -> bool:
    """Whether a reset email may go out: a few per address, and a few addresses per client, each hour.

    The answer never changes the page shown (it is the same whether or not the address has an account),
    only whether the email is sent.
    """
    if not _hit("reset-client", client_address(request), settings.PASSWORD_RESET_PER_CLIENT):
        return False
    return _hit("reset-address", email.strip().lower(), settings.PASSWORD_RESET_PER_ADDRESS)


# --- API tokens -------------------------------------------------------------------------------------

API_TOKEN_WINDOW_SECONDS = 60


def token_request_wait(token_id: int, *, now: float | None = None) -> int:
    """Count one request of API token `token_id`; whole seconds to wait when over API_TOKEN_PER_MINUTE, else 0.

    A fixed window of a minute per token, counted with the cache's atomic increment (Redis in production),
    in the public schema so the count holds across every host the token is used on.
    """
    now = time.time() if now is None else now
    window = int(now // API_TOKEN_WINDOW_SECONDS)
    key = f"throttle:api-token:{token_id}:{window}"
    with schema_context("public"):
        cache.add(key, 0, timeout=API_TOKEN_WINDOW_SECONDS * 2)
        try:
            count = cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, timeout=API_TOKEN_WINDOW_SECONDS * 2)
            count = 1
    if count <= settings.API_TOKEN_PER_MINUTE:
        return 0
    return max(math.ceil((window + 1) * API_TOKEN_WINDOW_SECONDS - now), 1)


class TokenThrottled(exceptions.Throttled):
    """429 with the wait in the `Retry-After` header and in the body (`retry_after`, seconds)."""

    def __init__(self, wait: int):
        super().__init__(wait=wait)
        message = ngettext(
            "Too many requests with this API token. Try again in %(count)s second.",
            "Too many requests with this API token. Try again in %(count)s seconds.",
            wait,
        ) % {"count": wait}
        self.detail = {
            "detail": exceptions.ErrorDetail(message, code="throttled"),
            "retry_after": wait,
        }


class TokenRateThrottle(BaseThrottle):
    """Per personal API token: API_TOKEN_PER_MINUTE requests a minute (session callers are not counted here)."""

    def allow_request(self, request, view) -> bool:
        token = getattr(request._request, "api_token", None)
        if token is None:
            return True
        wait = token_request_wait(token.pk)
        if wait:
            raise TokenThrottled(wait)
        return True

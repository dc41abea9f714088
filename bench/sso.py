"""Single sign-on: what a sign-in through an organisation's OpenID provider costs the portal against a password
sign-in (Argon2id, the production hashers). The provider is the real one the tests use (panva's oidc-provider
on loopback, tests/oidc_provider.py); the portal's work is the callback: the state and PKCE checked, the code
exchanged at the provider's token endpoint, the ID token's signature, issuer, audience, expiry and nonce checked,
the identity found by (issuer, subject), the session made. The provider's own pages (the person typing their
name there) come before the callback and are not timed.

First in this process through the whole request (Django test client): CPU and wall time per sign-in, several
runs alternating SSO and password; then on gunicorn, one request at a time, in rounds alternating /healthz,
the password POST and the SSO callback, each as a ratio of medians to /healthz in the same round.
"""

from __future__ import annotations

import re
import statistics
import time
from urllib.parse import urlsplit

from bench.common import bench_user, median, organisation_make, portal_server, row
from bench.sign_in import PASSWORD, _sign_in_over_http

TITLE = "Single sign-on: OpenID Connect callback against a password sign-in"
SLUG = "bench-sso"
HOST = f"{SLUG}.localhost"
CLIENT_ID = "bench-sso-portal"
CLIENT_SECRET = "bench-sso-client-secret-0123456789"
SUBJECT = "bench-sso-employee"
CALLBACK = "/login/sso/oidc/callback/"
RUNS = 7
SIGN_INS_PER_RUN = 5
ROUNDS = 5
REQUESTS_PER_ROUND = 8
HEALTHZ_PER_ROUND = 50


def _provider_start(user, redirect_uri: str = f"http://{HOST}{CALLBACK}"):
    from tests.oidc_provider import LocalProvider

    return LocalProvider(
        clients=[{"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, "redirect_uris": [redirect_uri]}],
        accounts={SUBJECT: {"email": user.email, "email_verified": True, "given_name": "Bench", "family_name": "SSO"}},
    )


def _identity_provider(organisation, server, name: str):
    from sso import services
    from sso.models import IdentityProvider

    IdentityProvider.objects.filter(organisation=organisation, name=name).delete()
    return services.identity_provider_create(
        organisation=organisation,
        acting_user=None,
        name=name,
        protocol="oidc",
        kind="keycloak",
        discovery_url=server.discovery_url,
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
    )


# --- in this process ------------------------------------------------------------------------------------


def _timed(call) -> tuple[float, float, object]:
    cpu_start, wall_start = time.process_time(), time.perf_counter()
    result = call()
    return (time.process_time() - cpu_start) * 1000, (time.perf_counter() - wall_start) * 1000, result


def _sso_in_process(server, provider) -> tuple[float, float]:
    from django.test import Client

    client = Client(HTTP_HOST=HOST)
    start = client.get(f"/login/sso/{provider.pk}/")
    if start.status_code != 302:
        raise RuntimeError(f"the SSO start answered {start.status_code}")
    back = urlsplit(server.sign_in(start["Location"], SUBJECT))
    cpu, wall, answer = _timed(lambda: client.get(f"{back.path}?{back.query}"))
    if answer.status_code != 302:
        raise RuntimeError(f"the SSO callback answered {answer.status_code}: {answer.content[:300]!r}")
    return cpu, wall


def _password_in_process(user) -> tuple[float, float]:
    from django.test import Client

    client = Client(HTTP_HOST=HOST)
    client.get("/login/")
    cpu, wall, answer = _timed(lambda: client.post("/login/", {"username": user.email, "password": PASSWORD}))
    if answer.status_code != 302:
        raise RuntimeError(f"the password sign-in answered {answer.status_code}")
    return cpu, wall


# --- over HTTP ------------------------------------------------------------------------------------------


def _sso_over_http(portal, server, provider) -> float:
    """Milliseconds of the callback request (the start, which sets the session, and the provider's pages are
    not timed)."""
    status, headers = portal.send(HOST, "GET", f"/login/sso/{provider.pk}/")
    session = re.search(r"sessionid=([^;]+)", headers.get("Set-Cookie") or "")
    if status != 302 or session is None:
        raise RuntimeError(f"the SSO start over HTTP answered {status}")
    back = urlsplit(server.sign_in(headers["Location"], SUBJECT))
    start = time.perf_counter()
    status, _headers = portal.send(HOST, "GET", f"{back.path}?{back.query}", cookie=f"sessionid={session.group(1)}")
    elapsed = (time.perf_counter() - start) * 1000
    if status != 302:
        raise RuntimeError(f"the SSO callback over HTTP answered {status}")
    return elapsed


def run() -> list[dict]:
    from django.conf import settings
    from django.contrib.auth.hashers import make_password
    from django.test import override_settings

    organisation = organisation_make(slug=SLUG, name="Bench SSO", employees=2)
    user = bench_user(organisation, "employee", 1)
    server = _provider_start(user)
    rows = []
    try:
        with override_settings(
            PASSWORD_HASHERS=settings.PRODUCTION_PASSWORD_HASHERS, OUTBOUND_ALLOW_PRIVATE_ADDRESSES=True
        ):
            provider = _identity_provider(organisation, server, "Bench ID")
            user.password = make_password(PASSWORD)
            user.save(update_fields=["password"])
            _sso_in_process(server, provider)  # the first sign-in links the identity and fills the caches
            _password_in_process(user)
            runs: dict[str, list[tuple[float, float]]] = {"sso": [], "password": []}
            for _run in range(RUNS):
                sso = [_sso_in_process(server, provider) for _i in range(SIGN_INS_PER_RUN)]
                password = [_password_in_process(user) for _i in range(SIGN_INS_PER_RUN)]
                for name, samples in (("sso", sso), ("password", password)):
                    runs[name].append(
                        (statistics.median(s[0] for s in samples), statistics.median(s[1] for s in samples))
                    )
        notes = (
            f"{SIGN_INS_PER_RUN} sign-ins per run, median per run, median of {RUNS} runs alternating; in-process "
            "Django test client; CPU is this process's (the provider's Node process not counted)"
        )
        for name, label in (
            ("sso", "SSO sign-in (OpenID Connect callback, code exchange, ID token checked)"),
            ("password", "password sign-in (POST /login/, Argon2id)"),
        ):
            rows.append(
                row(
                    label,
                    cpu_ms=round(median([cpu for cpu, _wall in runs[name]]), 1),
                    wall_ms=round(median([wall for _cpu, wall in runs[name]]), 1),
                    runs=RUNS,
                    notes=notes,
                )
            )
        ratios = [sso[0] / password[0] for sso, password in zip(runs["sso"], runs["password"], strict=True)]
        rows.append(
            row(
                "SSO CPU per sign-in vs password",
                ratio=round(median(ratios), 2),
                runs=RUNS,
                notes="median of the per-run ratios of CPU time (below 1: the SSO sign-in costs the portal less CPU)",
            )
        )

        samples: dict[str, list[float]] = {"healthz": [], "sso": [], "password": []}
        ratios_sso, ratios_password = [], []
        environment = {"PORTAL_FAST_HASHER": "0", "OUTBOUND_ALLOW_PRIVATE_ADDRESSES": "1"}
        with portal_server(workers=2, environment=environment) as portal:
            # The server's redirect URI carries its port, known only now: a provider (and its client) for it.
            http_server = _provider_start(user, f"http://{HOST}:{portal.port}{CALLBACK}")
            try:
                with override_settings(OUTBOUND_ALLOW_PRIVATE_ADDRESSES=True):
                    http_provider = _identity_provider(organisation, http_server, "Bench ID over HTTP")
                _sso_over_http(portal, http_server, http_provider)  # links the identity, fills the caches
                for _round in range(ROUNDS):
                    healthz = []
                    for _i in range(HEALTHZ_PER_ROUND):
                        start = time.perf_counter()
                        portal.get("localhost", "/healthz")
                        healthz.append((time.perf_counter() - start) * 1000)
                    sso = [_sso_over_http(portal, http_server, http_provider) for _i in range(REQUESTS_PER_ROUND)]
                    password = [_sign_in_over_http(portal.port, HOST, user.email) for _i in range(REQUESTS_PER_ROUND)]
                    samples["healthz"].append(median(healthz))
                    samples["sso"].append(median(sso))
                    samples["password"].append(median(password))
                    ratios_sso.append(median(sso) / median(healthz))
                    ratios_password.append(median(password) / median(healthz))
            finally:
                http_server.stop()
        http_notes = (
            f"{REQUESTS_PER_ROUND} of each per round, one at a time, {ROUNDS} rounds alternating with "
            f"{HEALTHZ_PER_ROUND} × /healthz; gunicorn 2 workers, production hashers"
        )
        rows.append(row("/healthz", median_ms=round(median(samples["healthz"]), 2), ratio_to_healthz=1, runs=ROUNDS))
        rows.append(
            row(
                "SSO callback request (GET /login/sso/oidc/callback/)",
                median_ms=round(median(samples["sso"]), 1),
                ratio_to_healthz=round(median(ratios_sso), 1),
                runs=ROUNDS,
                notes=http_notes + "; includes the code exchange with the provider on loopback",
            )
        )
        rows.append(
            row(
                "password sign-in request (POST /login/), Argon2id",
                median_ms=round(median(samples["password"]), 1),
                ratio_to_healthz=round(median(ratios_password), 1),
                runs=ROUNDS,
                notes=http_notes,
            )
        )
    finally:
        server.stop()
    return rows


if __name__ == "__main__":
    from bench.common import run_alone

    run_alone(run)

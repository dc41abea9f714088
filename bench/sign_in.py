"""Signing in with a password: the CPU time of one sign-in with Argon2id (the first hasher) against PBKDF2 with
1,000,000 iterations (the hasher before it), measured in this process through the whole request (middleware,
form, hash check, session); then the sign-in request on gunicorn against /healthz, one request at a time,
as a ratio of medians measured in the same rounds.
"""

from __future__ import annotations

import http.client
import re
import statistics
import time
from urllib.parse import urlencode

from bench.common import bench_user, median, organisation_make, portal_server, row

TITLE = "Sign-in: Argon2id against PBKDF2"
SLUG = "bench-signin"
PASSWORD = "bench sign-in password"
CPU_RUNS = 7
SIGN_INS_PER_RUN = 5
ROUNDS = 5
REQUESTS_PER_ROUND = 10
HEALTHZ_PER_ROUND = 50
ARGON2 = "django.contrib.auth.hashers.Argon2PasswordHasher"
PBKDF2 = "django.contrib.auth.hashers.PBKDF2PasswordHasher"


def _set_password(user, hasher: str) -> None:
    from django.contrib.auth.hashers import make_password

    user.password = make_password(PASSWORD, hasher=_hasher_name(hasher))
    user.save(update_fields=["password"])


def _hasher_name(hasher: str) -> str:
    return {ARGON2: "argon2", PBKDF2: "pbkdf2_sha256"}[hasher]


def _cpu_per_sign_in(user, host: str, hashers: list[str]) -> tuple[list[float], list[float]]:
    """Per run: CPU and wall milliseconds per sign-in (median of SIGN_INS_PER_RUN), with `hashers` in force."""
    from django.contrib.auth.hashers import make_password
    from django.test import Client, override_settings

    cpu_runs, wall_runs = [], []
    with override_settings(PASSWORD_HASHERS=hashers):
        user.password = make_password(PASSWORD, hasher=_hasher_name(hashers[0]))
        user.save(update_fields=["password"])
        for _run in range(CPU_RUNS):
            cpu, wall = [], []
            for _sign_in in range(SIGN_INS_PER_RUN):
                client = Client(HTTP_HOST=host)
                client.get("/login/")
                cpu_start, wall_start = time.process_time(), time.perf_counter()
                response = client.post("/login/", {"username": user.email, "password": PASSWORD})
                cpu.append((time.process_time() - cpu_start) * 1000)
                wall.append((time.perf_counter() - wall_start) * 1000)
                if response.status_code != 302:
                    raise RuntimeError(f"sign-in answered {response.status_code}")
            cpu_runs.append(statistics.median(cpu))
            wall_runs.append(statistics.median(wall))
    return cpu_runs, wall_runs


def _request(port: int, host: str, method: str, path: str, *, cookie: str = "", body: str = "") -> tuple:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        headers = {"Host": host}
        if cookie:
            headers["Cookie"] = cookie
        if body:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection.request(method, path, body=body or None, headers=headers)
        response = connection.getresponse()
        response.read()
        return response.status, response.getheader("Set-Cookie") or ""
    finally:
        connection.close()


def _sign_in_over_http(port: int, host: str, email: str) -> float:
    """Milliseconds of one sign-in POST (the sign-in page's GET for the CSRF cookie is not timed)."""
    status, set_cookie = _request(port, host, "GET", "/login/")
    token = re.search(r"csrftoken=([^;]+)", set_cookie).group(1)
    body = urlencode({"username": email, "password": PASSWORD, "csrfmiddlewaretoken": token})
    start = time.perf_counter()
    status, _cookie = _request(port, host, "POST", "/login/", cookie=f"csrftoken={token}", body=body)
    elapsed = (time.perf_counter() - start) * 1000
    if status != 302:
        raise RuntimeError(f"sign-in over HTTP answered {status}")
    return elapsed


def run() -> list[dict]:
    from django.conf import settings

    organisation = organisation_make(slug=SLUG, name="Bench Sign-in", employees=2)
    host = f"{SLUG}.localhost"
    user = bench_user(organisation, "employee", 1)
    rows = []

    argon_cpu, argon_wall = _cpu_per_sign_in(user, host, [ARGON2, PBKDF2])
    pbkdf2_cpu, pbkdf2_wall = _cpu_per_sign_in(user, host, [PBKDF2, ARGON2])
    notes = f"{SIGN_INS_PER_RUN} sign-ins per run, median per run, median of the runs; in-process Django test client"
    rows.append(
        row(
            "sign-in, Argon2id (time 2, memory 100 MiB, 8 lanes)",
            cpu_ms=round(median(argon_cpu), 1),
            wall_ms=round(median(argon_wall), 1),
            runs=CPU_RUNS,
            notes=notes,
        )
    )
    rows.append(
        row(
            "sign-in, PBKDF2-SHA256 1,000,000 iterations",
            cpu_ms=round(median(pbkdf2_cpu), 1),
            wall_ms=round(median(pbkdf2_wall), 1),
            runs=CPU_RUNS,
            notes=notes,
        )
    )
    ratios = [argon / pbkdf2 for argon, pbkdf2 in zip(argon_cpu, pbkdf2_cpu, strict=True)]
    rows.append(
        row(
            "Argon2id CPU per sign-in vs PBKDF2",
            ratio=round(median(ratios), 2),
            runs=CPU_RUNS,
            notes="median of the per-run ratios of CPU time (below 1: Argon2id costs less CPU)",
        )
    )

    # On gunicorn with the production hashers (Argon2id first): steady state, and a PBKDF2 hash's first
    # sign-in, which checks it and stores the Argon2id hash in its place.
    assert settings.PRODUCTION_PASSWORD_HASHERS[0] == ARGON2
    pbkdf2_user = bench_user(organisation, "employee", 2)
    samples: dict[str, list[float]] = {"healthz": [], "argon2": [], "upgrade": []}
    ratios_argon, ratios_upgrade = [], []
    with portal_server(workers=2, environment={"PORTAL_FAST_HASHER": "0"}) as server:
        _set_password(user, ARGON2)
        for _round in range(ROUNDS):
            healthz = []
            for _i in range(HEALTHZ_PER_ROUND):
                start = time.perf_counter()
                server.get("localhost", "/healthz")
                healthz.append((time.perf_counter() - start) * 1000)
            argon = [_sign_in_over_http(server.port, host, user.email) for _i in range(REQUESTS_PER_ROUND)]
            upgrade = []
            for _i in range(REQUESTS_PER_ROUND):
                _set_password(pbkdf2_user, PBKDF2)
                upgrade.append(_sign_in_over_http(server.port, host, pbkdf2_user.email))
            samples["healthz"].append(median(healthz))
            samples["argon2"].append(median(argon))
            samples["upgrade"].append(median(upgrade))
            ratios_argon.append(median(argon) / median(healthz))
            ratios_upgrade.append(median(upgrade) / median(healthz))
    http_notes = (
        f"{REQUESTS_PER_ROUND} sign-ins per round, one at a time, {ROUNDS} rounds alternating with "
        f"{HEALTHZ_PER_ROUND} × /healthz; gunicorn 2 workers, production hashers"
    )
    rows.append(row("/healthz", median_ms=round(median(samples["healthz"]), 2), ratio_to_healthz=1, runs=ROUNDS))
    rows.append(
        row(
            "sign-in request (POST /login/), Argon2id hash",
            median_ms=round(median(samples["argon2"]), 1),
            ratio_to_healthz=round(median(ratios_argon), 1),
            runs=ROUNDS,
            notes=http_notes,
        )
    )
    rows.append(
        row(
            "sign-in request, PBKDF2 hash upgraded to Argon2id",
            median_ms=round(median(samples["upgrade"]), 1),
            ratio_to_healthz=round(median(ratios_upgrade), 1),
            runs=ROUNDS,
            notes="the first sign-in after the change: checks the PBKDF2 hash, then stores an Argon2id one",
        )
    )
    return rows


if __name__ == "__main__":
    from bench.common import run_alone

    run_alone(run)

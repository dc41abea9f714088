"""Helpers every benchmark module shares: the benchmark database, timing, bench organisations, a real
server on a port, a small load generator and figures quoted against /healthz.

Benchmarks never touch the demo data: they run against their own database, `portal_bench` on the
embedded server (or the database BENCH_DATABASE_URL names, e.g. one on the machine's PostgreSQL at
127.0.0.1:5432), which `python -m bench.run` drops, re-creates and migrates at the start of every run.

A bench module is `bench/<name>.py` with `run() -> list[dict]`; each dict is one line of figures:
`row("coach page, 5,000 employees", median_ms=..., ratio_to_healthz=..., runs=7, notes="...")`.
`bench.run` calls `configure()` before importing any module, so modules may import Django models.

    organisation_make(slug="bench-big", employees=5000)   # a bench organisation, people in bulk
    with portal_server() as server:                      # gunicorn, 2 workers, on a free port
        cookie = session_cookie(user, "bench-big.localhost")
        figures = page_figures(server, [Target("coach page", "bench-big.localhost", "/coach/", cookie)])
"""

from __future__ import annotations

import http.client
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

BASE_DIR = Path(__file__).resolve().parent.parent
BENCH_PREFIX = "bench-"
BENCH_DATABASE = "portal_bench"
BENCH_PASSWORD = "bench-password-1"

# How every benchmark process runs the portal: DEBUG off (no query log, real error pages), plain http
# on loopback, persistent database connections as in production. PORTAL_TESTING selects the test
# settings' static-file finders (no collectstatic into .data/) and their fast password hasher.
SERVER_ENVIRONMENT = {
    "DJANGO_SETTINGS_MODULE": "portal.settings",
    "DEBUG": "0",
    "PORTAL_TESTING": "1",
    "SECRET_KEY": "bench-" + "k" * 50,
    "PORTAL_SCHEME": "http",
    "SECURE_SSL_REDIRECT": "0",
    "SECURE_HSTS_SECONDS": "0",
    "DB_CONN_MAX_AGE": "60",
    "LOG_LEVEL": "ERROR",
}


# --- the benchmark database -------------------------------------------------------------------------


def database_url() -> str:
    """BENCH_DATABASE_URL, or the `portal_bench` database on the embedded server (started if needed)."""
    if os.environ.get("BENCH_DATABASE_URL"):
        return os.environ["BENCH_DATABASE_URL"]
    from portal import embedded_db

    embedded_db.start()
    return _with_database(embedded_db.database_url(), BENCH_DATABASE)


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, parts.fragment))


def _database_name(url: str) -> str:
    return urlsplit(url).path.lstrip("/")


def configure() -> None:
    """Point this process at the benchmark database and set Django up (before any model import)."""
    os.environ.update(SERVER_ENVIRONMENT)
    os.environ["DATABASE_URL"] = database_url()
    import django

    django.setup()


def run_alone(run) -> None:
    """`python -m bench.<module>`: one module's run() on the benchmark database as it is (migrated first),
    its rows printed as Markdown table rows instead of written to BENCHMARKS.md."""
    from django.core.management import call_command

    configure()
    call_command("migrate", interactive=False, verbosity=0)
    for line in run():
        figures = " | ".join(f"{key}: {value}" for key, value in line.items() if key not in {"benchmark", "notes"})
        print(f"| {line['benchmark']} | {figures} | {line.get('notes', '')} |")


def reset_database() -> None:
    """Drop and re-create the benchmark database, then migrate it (every schema and the template)."""
    import psycopg

    url = os.environ.get("DATABASE_URL") or database_url()
    name = _database_name(url)
    if "bench" not in name:
        raise SystemExit(f"Refusing to drop {name!r}: a benchmark database's name contains 'bench'.")
    from django.db import connections

    connections.close_all()
    with psycopg.connect(_with_database(url, "postgres"), autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)


def postgres_version() -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        return cursor.fetchone()[0]


# --- timing -----------------------------------------------------------------------------------------


def median(values: list[float]) -> float:
    return statistics.median(values)


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def timed(
    func: Callable[[int], object],
    runs: int,
    *,
    before: Callable[[int], object] | None = None,
    after: Callable[[int, object], object] | None = None,
) -> list[float]:
    """Seconds of `func(i)` for i in range(runs); `before(i)` and `after(i, result)` are not timed."""
    seconds = []
    for i in range(runs):
        if before is not None:
            before(i)
        start = time.perf_counter()
        result = func(i)
        seconds.append(time.perf_counter() - start)
        if after is not None:
            after(i, result)
    return seconds


def row(benchmark: str, *, runs: int, notes: str = "", **figures) -> dict:
    """One line of figures, in the shape every bench module returns."""
    return {"benchmark": benchmark, **figures, "runs": runs, "notes": notes}


# --- bench organisations ----------------------------------------------------------------------------


def organisation_make(
    *,
    slug: str,
    name: str | None = None,
    employees: int = 0,
    language: str = "en",
    coaches: int = 1,
    hr_managers: int = 1,
):
    """A provisioned `bench-` organisation (the real path) with people added in bulk.

    People are `<role><n>@<slug>.bench` with BENCH_PASSWORD; returns the Organisation. Creating 5,000
    employees takes a couple of seconds: one password hash, bulk inserts. An organisation of that slug
    left by an earlier run is reused when it has the same people, and made again otherwise.
    """

    from tenants.models import Organisation, Role
    from tenants.services import organisation_create

    if not slug.startswith(BENCH_PREFIX):
        raise ValueError(f"bench organisations' slugs start with {BENCH_PREFIX!r}")
    existing = Organisation.objects.filter(slug=slug).first()
    if existing is not None:
        wanted = {Role.HR_MANAGER: hr_managers, Role.COACH: coaches, Role.EMPLOYEE: employees}
        present = {role: existing.memberships.filter(role=role).count() for role in wanted}
        if present == wanted:
            return existing
        organisation_drop(existing)
    organisation = organisation_create(
        name=name or slug.replace("-", " ").title(), slug=slug, default_language=language
    )
    people_add(organisation, "hr", hr_managers, role=Role.HR_MANAGER)
    people_add(organisation, "coach", coaches, role=Role.COACH)
    people_add(organisation, "employee", employees, role=Role.EMPLOYEE)
    return organisation


def people_add(organisation, prefix: str, count: int, *, role: str = "employee") -> list[int]:
    """`count` people `<prefix><n>@<slug>.bench` with BENCH_PASSWORD and `role` in `organisation`, in bulk
    (one password hash); their ids. People of an earlier organisation of this slug are reused."""
    from django.contrib.auth.hashers import make_password

    from tenants.models import Membership, User

    password = make_password(BENCH_PASSWORD)
    users = [
        User(
            email=f"{prefix}{number}@{organisation.slug}.bench",
            first_name=prefix.title(),
            last_name=f"{number:05d}",
            password=password,
        )
        for number in range(1, count + 1)
    ]
    User.objects.bulk_create(users, batch_size=2000, ignore_conflicts=True)
    ids = dict(User.objects.filter(email__in=[user.email for user in users]).values_list("email", "pk"))
    Membership.objects.bulk_create(
        [Membership(user_id=ids[user.email], organisation=organisation, role=role) for user in users],
        batch_size=2000,
        ignore_conflicts=True,
    )
    return [ids[user.email] for user in users]


def bench_user(organisation, role: str = "hr", number: int = 1):
    from tenants.models import User

    return User.objects.get(email=f"{role}{number}@{organisation.slug}.bench")


def coach_ensure(email: str):
    """A coach of the benchmarks (member of no organisation until a benchmark grants it), made once."""
    from django.contrib.auth.hashers import make_password

    from tenants.models import User

    coach, _created = User.objects.get_or_create(
        email=email, defaults={"first_name": "Bench", "last_name": "Coach", "password": make_password(BENCH_PASSWORD)}
    )
    return coach


def enrolments_make(employee_ids: list[int], coach, *, starts_on, ends_on, capacity: int, credits: int) -> list:
    """In the current organisation's schema: a programme with one cohort, every one of `employee_ids`
    enrolled in it with `coach` as their coach (in bulk)."""
    from programmes.models import Cohort, Enrolment, Programme

    programme = Programme.objects.create(name="Bench programme", starts_on=starts_on, ends_on=ends_on, status="active")
    cohort = Cohort.objects.create(programme=programme, name="Bench cohort", capacity=capacity)
    return Enrolment.objects.bulk_create(
        Enrolment(
            programme=programme,
            cohort=cohort,
            employee_id=employee_id,
            coach=coach,
            status="active",
            credit_allowance=credits,
        )
        for employee_id in employee_ids
    )


def organisation_drop(organisation) -> None:
    """Remove a bench organisation: its schema and its rows, memberships included.

    Its people stay (without a role anywhere): deleting a user makes PostgreSQL check every tenant table
    that refers to users, in every schema, which with hundreds of organisations runs out of lock slots
    (max_locks_per_transaction). organisation_make reuses them.
    """
    if not organisation.slug.startswith(BENCH_PREFIX):
        raise ValueError("only bench organisations are dropped")
    organisation.delete(force_drop=True)


# --- a real server ----------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Server:
    port: int
    workers: int

    def get(self, host: str, path: str, *, cookie: str = "", timeout: float = 30) -> tuple[int, bytes]:
        """One request to 127.0.0.1 with the given Host header (Python does not resolve *.localhost)."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            headers = {"Host": host}
            if cookie:
                headers["Cookie"] = cookie
            connection.request("GET", path, headers=headers)
            response = connection.getresponse()
            return response.status, response.read()
        finally:
            connection.close()

    def send(self, host: str, method: str, path: str, *, cookie: str = "", form: str = "", timeout: float = 60):
        """One request with the given Host header (`form`: an urlencoded body): its status and headers."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            headers = {"Host": host}
            if cookie:
                headers["Cookie"] = cookie
            if form:
                headers["Content-Type"] = "application/x-www-form-urlencoded"
            connection.request(method, path, body=form or None, headers=headers)
            response = connection.getresponse()
            response.read()
            return response.status, response.headers
        finally:
            connection.close()


@contextmanager
def portal_server(*, workers: int = 2, start_seconds: float = 60, environment: dict | None = None) -> Iterator[Server]:
    """gunicorn serving the portal from the benchmark database on a free loopback port (`environment`: more
    variables for the server). The database's statistics are brought up to date first, as autovacuum keeps
    them on a running server: rows loaded in bulk a moment ago would otherwise be planned as empty tables."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    port = free_port()
    environment = {
        **os.environ,
        **SERVER_ENVIRONMENT,
        "DATABASE_URL": os.environ.get("DATABASE_URL") or database_url(),
        **(environment or {}),
    }
    log = tempfile.NamedTemporaryFile(  # noqa: SIM115 (the server writes it until it stops)
        prefix="portal-bench-server-", suffix=".log", delete=False
    )
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "portal.wsgi:application",
            "--workers",
            str(workers),
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            "--backlog",
            "512",
        ],
        cwd=BASE_DIR,
        env=environment,
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
    )
    server = Server(port=port, workers=workers)
    try:
        deadline = time.monotonic() + start_seconds
        while True:
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("gunicorn did not start:\n" + Path(log.name).read_text(errors="replace")[-3000:])
            try:
                if server.get("localhost", "/healthz", timeout=2)[0] == 200:
                    break
            except OSError:
                pass
            time.sleep(0.1)
        # Every worker opens its database connection and warms its caches before anything is measured.
        for _ in range(20 * workers):
            server.get("localhost", "/healthz")
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        Path(log.name).unlink(missing_ok=True)


def session_cookie(user, host: str) -> str:
    """A Cookie header signing `user` in on `host`, made directly (no password hashing, no form)."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django_tenants.utils import schema_context

    from portal.middleware import SESSION_HOST_KEY

    schema = "public" if host == settings.PORTAL_DOMAIN else host.split(".")[0].replace("-", "_")
    with schema_context("public"):
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session[SESSION_HOST_KEY] = schema
        session.create()
    return f"{settings.SESSION_COOKIE_NAME}={session.session_key}"


# --- load -------------------------------------------------------------------------------------------


@dataclass
class Load:
    """What one burst of requests measured."""

    requests: int
    concurrency: int
    seconds: float
    latencies_ms: list[float] = field(repr=False)
    errors: int

    @property
    def rps(self) -> float:
        return self.requests / self.seconds

    @property
    def p50_ms(self) -> float:
        return median(self.latencies_ms)

    @property
    def p95_ms(self) -> float:
        return percentile(self.latencies_ms, 0.95)


def load(
    server: Server,
    host: str,
    path: str,
    *,
    requests: int = 400,
    concurrency: int = 4,
    cookie: str = "",
    expect: int = 200,
) -> Load:
    """`requests` GETs from `concurrency` threads, each waiting for its answer before the next."""
    latencies: list[float] = []
    errors = 0
    remaining = iter(range(requests))
    lock = threading.Lock()

    def client() -> None:
        nonlocal errors
        while True:
            with lock:
                if next(remaining, None) is None:
                    return
            start = time.perf_counter()
            try:
                status, _body = server.get(host, path, cookie=cookie)
            except OSError:
                status = 0
            elapsed = (time.perf_counter() - start) * 1000
            with lock:
                latencies.append(elapsed)
                if status != expect:
                    errors += 1

    threads = [threading.Thread(target=client) for _ in range(concurrency)]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return Load(
        requests=requests,
        concurrency=concurrency,
        seconds=time.perf_counter() - start,
        latencies_ms=latencies,
        errors=errors,
    )


@dataclass
class Target:
    """A page to measure: its name, host, path, and the Cookie header of whoever asks for it."""

    name: str
    host: str
    path: str
    cookie: str = ""
    expect: int = 200


HEALTHZ = Target("/healthz", "localhost", "/healthz")


def page_figures(
    server: Server, targets: list[Target], *, rounds: int = 5, requests: int = 300, concurrency: int = 4
) -> list[dict]:
    """Each target under load, in rounds alternating with /healthz on the same server.

    Per round, each page's median latency is divided by /healthz's median latency of that round; the
    figures are the medians over the rounds, so a machine that slows down for a while moves both.
    Returns rows: /healthz first, then each target with its ratio to /healthz.
    """
    for target in targets:  # fail loudly on a page that does not answer as expected
        status, body = server.get(target.host, target.path, cookie=target.cookie)
        if status != target.expect:
            raise RuntimeError(
                f"{target.name}: {target.host}{target.path} answered {status}, not {target.expect}: {body[:300]!r}"
            )
    samples: dict[str, list[Load]] = {HEALTHZ.name: []} | {target.name: [] for target in targets}
    for _round in range(rounds):
        for target in [HEALTHZ, *targets]:
            samples[target.name].append(
                load(
                    server,
                    target.host,
                    target.path,
                    requests=requests,
                    concurrency=concurrency,
                    cookie=target.cookie,
                    expect=target.expect,
                )
            )
    baseline = samples[HEALTHZ.name]
    rows = []
    for target in [HEALTHZ, *targets]:
        runs = samples[target.name]
        errors = sum(sample.errors for sample in runs)
        rows.append(
            row(
                target.name if target is HEALTHZ else f"{target.name} ({target.host}{target.path})",
                requests_per_s=round(median([sample.rps for sample in runs]), 1),
                median_ms=round(median([sample.p50_ms for sample in runs]), 2),
                p95_ms=round(median([sample.p95_ms for sample in runs]), 2),
                ratio_to_healthz=round(
                    median([sample.p50_ms / base.p50_ms for sample, base in zip(runs, baseline)]), 2
                ),
                runs=rounds,
                notes=(
                    f"{requests} requests × {rounds} rounds, {concurrency} concurrent clients, gunicorn "
                    f"{server.workers} workers" + (f"; {errors} unexpected answers" if errors else "")
                ),
            )
        )
    return rows

"""The checks `make citus-check` runs against the migrated, seeded cluster (scripts/citus.py starts it).

    python -m scripts.citus_checks [--results FILE] [--organisations N] [--people N]
    python -m scripts.citus_checks --single-server [--results FILE]   (on a database without Citus)

Each check prints what it found and fails (exit 1) naming what is wrong:
  layout        the reference tables, the template left local, every organisation a distributed schema,
                Acme and Globex on different workers;
  sequences     every key sequence of every organisation schema past its table's highest key, and a row
                written after distributing gets a new key;
  provisioning  N organisations (CITUS_ORGANISATIONS, default 20, up to 200 and more) provisioned through
                tenants.services.organisation_create, timed, and spread over both workers;
  coach         the demo coach's workspace (selector and the /coach/ page on the public host) shows coming
                sessions of Acme and Globex, whose schemas are on different workers;
  erasure       someone employed by Acme and Globex erased everywhere by reports.services.erasure: none of
                their words, names or address left in Acme's, Globex's or the public schema, on the
                coordinator or on either worker, and the erasure audited in both organisations;
  offboarding   an organisation archived and deleted by reports.services.offboarding: the dump holds its
                rows, its schema is gone from the coordinator and from both workers' Citus metadata, and
                Acme and Globex still answer;
  worker down   the worker holding Globex stopped (`pg_ctl stop -m fast`): Acme keeps answering, Globex answers
                503 with Retry-After (page and API), and answers again by itself once the worker is back;
  move          Acme moved to the other worker by citus_schema_move while N of its people (CITUS_PEOPLE,
                default 50) read pages, write reflections and book 1:1s: no error, every acknowledged write
                there afterwards; then moved back, so the checks can run again on a kept cluster.
With --single-server, seven organisations are provisioned on a plain database instead, for comparison.
Names made by a run carry its time, so the checks can run again on the same cluster (`check --keep`).
Figures go to --results as JSON (scripts/citus.py adds them to its report).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

import django

from scripts import citus as cluster

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
# Archives made by the offboarding check stay with the cluster, not with the development data; the
# bookings' emails go nowhere.
os.environ.setdefault("OFFBOARDING_ARCHIVE_DIR", str(cluster.HOME / "offboarding"))
os.environ.setdefault("EMAIL_URL", "dummy:")
django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection, connections  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone, translation  # noqa: E402
from django.utils.translation import gettext  # noqa: E402
from django_tenants.utils import schema_context, tenant_context  # noqa: E402

from assessments.models import Reflection  # noqa: E402
from assessments.services.reflections import reflection_create  # noqa: E402
from portal import citus  # noqa: E402
from portal.policy import Actor  # noqa: E402
from programmes.models import Session  # noqa: E402
from programmes.selectors.coach import coach_workspace  # noqa: E402
from reports.models import ErasureRequest  # noqa: E402
from reports.services.erasure import erasure_execute, erasure_request  # noqa: E402
from reports.services.offboarding import archive_create, organisation_delete, pg_program  # noqa: E402
from tenants import demo  # noqa: E402
from tenants.models import Membership, Organisation, Role, User  # noqa: E402
from tenants.services import membership_grant, organisation_create  # noqa: E402
from tests.world import sign_in  # noqa: E402

failures: list[str] = []
figures: dict[str, object] = {}
RUN = time.strftime("%Y%m%d%H%M%S")  # in the names a run makes, so that the checks can run again
TEXT_TYPES = ["text", "character varying", "json", "jsonb"]


def expect(condition: bool, message: str) -> None:
    print(("  ok    " if condition else "  FAIL  ") + message, flush=True)
    if not condition:
        failures.append(message)


def rows(sql: str, params=None) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params or [])
        return cursor.fetchall()


def placement() -> dict[str, int]:
    """Each distributed schema's worker port."""
    return dict(
        rows(
            "SELECT DISTINCT ON (s.schema_name) s.schema_name::text, sh.nodeport FROM citus_schemas s "
            "JOIN citus_shards sh ON sh.colocation_id = s.colocation_id ORDER BY s.schema_name"
        )
    )


def check_layout() -> None:
    print("layout", flush=True)
    reference = {name for (name,) in rows("SELECT logicalrelid::text FROM pg_dist_partition WHERE repmodel = 't'")}
    expect(reference == set(citus.REFERENCE_TABLES), f"reference tables: {sorted(reference)}")
    template_known = rows(
        "SELECT logicalrelid::text FROM pg_dist_partition p JOIN pg_class c ON c.oid = p.logicalrelid "
        "WHERE c.relnamespace = %s::regnamespace",
        [settings.TENANT_BASE_SCHEMA],
    )
    expect(template_known == [], f"the template {settings.TENANT_BASE_SCHEMA!r} stays a plain local schema")
    organisations = set(Organisation.objects.exclude(schema_name="public").values_list("schema_name", flat=True))
    where = placement()
    expect(organisations <= set(where), f"every organisation is a distributed schema ({len(organisations)})")
    expect(
        where.get("acme") is not None and where.get("acme") != where.get("globex"),
        f"Acme and Globex on different workers (acme :{where.get('acme')}, globex :{where.get('globex')})",
    )


def check_sequences() -> None:
    print("sequences", flush=True)
    behind = []
    for schema in placement():
        columns = rows(
            "SELECT c.relname, a.attname, pg_get_serial_sequence(format('%%I.%%I', n.nspname, c.relname), a.attname) "
            "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace JOIN pg_attribute a ON a.attrelid = c.oid "
            "WHERE n.nspname = %s AND c.relkind = 'r' AND a.attidentity <> ''",
            [schema],
        )
        for table, column, sequence in columns:
            ((highest, last),) = rows(
                f'SELECT max("{column}"), (SELECT last_value FROM {sequence}) FROM "{schema}"."{table}"'
            )
            if highest is not None and last < highest:
                behind.append(f"{schema}.{table} (key {highest}, sequence {last})")
    expect(not behind, "every key sequence is past its table's highest key" + (f": {behind}" if behind else ""))
    # A table that held rows when its schema was distributed takes a new row with a new key.
    with schema_context("acme"):
        ((highest,),) = rows("SELECT max(id) FROM django_migrations")
        with connection.cursor() as cursor:
            cursor.execute("BEGIN")
            cursor.execute(
                "INSERT INTO django_migrations (app, name, applied) VALUES ('check', 'check', now()) RETURNING id"
            )
            (new_key,) = cursor.fetchone()
            cursor.execute("ROLLBACK")
    expect(new_key > highest, f"a row written after distributing gets key {new_key} (highest copied {highest})")


def check_provisioning(count: int) -> None:
    print(f"provisioning {count} organisations", flush=True)
    seconds, distributing = [], []
    distribute = citus.schema_distribute

    def timed_distribute(schema: str) -> bool:  # the share of provisioning Citus adds
        started = time.perf_counter()
        try:
            return distribute(schema)
        finally:
            distributing.append(time.perf_counter() - started)

    citus.schema_distribute = timed_distribute
    try:
        for number in range(count):
            slug = f"scale-{number:04d}"
            if Organisation.objects.filter(slug=slug).exists():
                continue
            started = time.perf_counter()
            organisation_create(name=f"Scale {number}", slug=slug)
            seconds.append(time.perf_counter() - started)
    finally:
        citus.schema_distribute = distribute
    where = placement()
    spread, everyone = {}, {}
    for schema, port in where.items():
        everyone[port] = everyone.get(port, 0) + 1
        if schema.startswith("scale_"):
            spread[port] = spread.get(port, 0) + 1
    if seconds:
        figures["provisioning organisations"] = len(seconds)
        figures["provisioning median (s)"] = round(statistics.median(seconds), 3)
        figures["provisioning p95 (s)"] = round(sorted(seconds)[int(0.95 * (len(seconds) - 1))], 3)
        figures["provisioning total (s)"] = round(sum(seconds), 1)
        figures["of which citus_schema_distribute, median (s)"] = round(statistics.median(distributing), 3)
        # Whether a crowded cluster provisions more slowly: the first tenth against the last.
        tenth = max(1, len(seconds) // 10)
        figures["provisioning median, first and last tenth (s)"] = (
            f"{statistics.median(seconds[:tenth]):.3f} / {statistics.median(seconds[-tenth:]):.3f}"
        )
    figures["organisations per worker"] = {str(port): number for port, number in sorted(spread.items())}
    figures["organisation schemas per worker, all"] = {str(port): number for port, number in sorted(everyone.items())}
    expect(len(spread) == 2 and min(spread.values()) >= count // 4, f"spread over the workers: {spread}")


def _member_client(slug: str, role: str) -> Client:
    organisation = Organisation.objects.get(slug=slug)
    membership = Membership.objects.filter(organisation=organisation, role=role, is_active=True).first()
    host = f"{slug}.{settings.PORTAL_DOMAIN}"
    return sign_in(Client(HTTP_HOST=host), membership.user, host)


def check_worker_down() -> None:
    print("one worker stopped", flush=True)
    where = placement()
    node = next(name for name, port in cluster.ports().items() if port == where["globex"])
    acme, globex = _member_client("acme", Role.EMPLOYEE), _member_client("globex", Role.EMPLOYEE)
    # The page speaks Globex's language (Dutch).
    with translation.override(Organisation.objects.get(slug="globex").default_language):
        unavailable = gettext("Temporarily unavailable").encode()
    expect(globex.get("/").status_code == 200, "Globex answers before the stop")
    cluster.node_stop(node, mode="fast")
    try:
        page, api = globex.get("/"), globex.get("/api/v1/sessions/")
        expect(
            page.status_code == 503 and page.get("Retry-After") and unavailable in page.content,
            f"Globex's page: {page.status_code} Retry-After {page.get('Retry-After')}",
        )
        expect(
            api.status_code == 503 and api.get("Retry-After") and api.json().get("code") == "temporarily_unavailable",
            f"Globex's API: {api.status_code} {api.content[:120]!r}",
        )
        acme_page, acme_api = acme.get("/"), acme.get("/api/v1/sessions/")
        expect(acme_page.status_code == 200, f"Acme's page meanwhile: {acme_page.status_code}")
        expect(acme_api.status_code == 200, f"Acme's API meanwhile: {acme_api.status_code}")
    finally:
        cluster.node_start(node)
    started = time.perf_counter()
    status = None
    while time.perf_counter() - started < 60:
        status = globex.get("/").status_code
        if status == 200:
            break
        time.sleep(0.5)
    figures["worker back: Globex answers again after (s)"] = round(time.perf_counter() - started, 1)
    expect(status == 200, f"Globex answers again by itself once the worker is back ({status})")


def node_rows(node: str, sql: str, params=None) -> list[tuple]:
    """Rows from one node's copy of the check database, read directly (not through the coordinator)."""
    import psycopg

    url = cluster.database_url(connection.settings_dict["NAME"], node)
    with psycopg.connect(url, autocommit=True) as direct:
        return direct.execute(sql, params or []).fetchall()


def holding(needles: list[str], schemas: list[str], node: str) -> list[str]:
    """The text columns in `schemas` on `node` that hold any of `needles`: on the coordinator its tables
    (a distributed table read through its shards), on a worker its shards and its copies of the reference
    tables, which Citus hides unless told not to."""
    import psycopg

    pattern = "|".join(re.escape(needle) for needle in needles)
    found = []
    with psycopg.connect(cluster.database_url(connection.settings_dict["NAME"], node), autocommit=True) as direct:
        direct.execute("SET citus.override_table_visibility TO off")
        columns = direct.execute(
            "SELECT c.table_schema, c.table_name, c.column_name FROM information_schema.columns c "
            "JOIN information_schema.tables t USING (table_schema, table_name) "
            "WHERE t.table_type = 'BASE TABLE' AND c.data_type = ANY(%s) AND c.table_schema = ANY(%s)",
            [TEXT_TYPES, schemas],
        ).fetchall()
        for schema, table, column in columns:
            (count,) = direct.execute(
                f'SELECT count(*) FROM "{schema}"."{table}" WHERE "{column}"::text ~* %s', [pattern]
            ).fetchone()
            if count:
                found.append(f"{node}:{schema}.{table}.{column}")
    return found


def _actor(user: User, organisation: Organisation, role: str = Role.EMPLOYEE) -> Actor:
    return Actor(user=user, organisation=organisation, roles=frozenset({role}))


def check_coach_workspace() -> None:
    print("the coach's workspace over both workers", flush=True)
    where = placement()
    coach = User.objects.get(email=demo.COACH[0])
    coming: dict[str, list[int]] = {}
    for item in coach_workspace(user=coach).upcoming:
        coming.setdefault(item.organisation.slug, []).append(item.pk)
    workers = {where.get(slug) for slug in coming}
    expect(
        {"acme", "globex"} <= set(coming) and len(workers) == 2,
        f"coach_workspace shows coming sessions of {sorted(coming)} from the workers {sorted(map(str, workers))}",
    )
    host = demo.public_host()
    page = sign_in(Client(HTTP_HOST=host), coach, host).get("/coach/")
    html = page.content.decode()
    # Each coming session is listed with a link into its organisation: /open/<slug>/?next=/sessions/<pk>/.
    shown = {slug for slug, keys in coming.items() if any(f"/{slug}/?next=/sessions/{pk}/" in html for pk in keys)}
    expect(
        page.status_code == 200 and {"acme", "globex"} <= shown,
        f"/coach/ on {host} answers {page.status_code} with sessions of {sorted(shown)}",
    )
    figures["coach's workspace: coming sessions of Acme and Globex"] = (
        f"{len(coming.get('acme', []))} and {len(coming.get('globex', []))}"
    )


def check_erasure() -> None:
    print("erasure of someone employed on both workers", flush=True)
    where = placement()
    organisations = [Organisation.objects.get(slug=slug) for slug in ("acme", "globex")]
    person = User.objects.create_user(
        email=f"twice-{RUN}@erasure.example", password=None, first_name=f"Ingrid{RUN}", last_name=f"Zwaan{RUN}"
    )
    words = {}
    for organisation in organisations:
        membership_grant(user=person, organisation=organisation, role=Role.EMPLOYEE)
        words[organisation.slug] = f"noticed-in-{organisation.slug}-{RUN}"
        with tenant_context(organisation):
            reflection_create(
                actor=_actor(person, organisation), body=f"What I {words[organisation.slug]}", shared_with_coach=True
            )
    needles = [*words.values(), person.email, person.first_name, person.last_name]
    schemas = ["public", "acme", "globex"]
    before = holding(needles, schemas, "coordinator")
    expect(
        {"coordinator:acme.assessments_reflection.body", "coordinator:globex.assessments_reflection.body"}
        <= set(before)
        and "coordinator:public.tenants_user.email" in before,
        f"before: the person's words and address found in {len(before)} columns "
        f"(Acme on :{where.get('acme')}, Globex on :{where.get('globex')})",
    )
    acme = organisations[0]
    with tenant_context(acme):
        request = erasure_request(actor=_actor(person, acme), person=person)
        ErasureRequest.objects.filter(pk=request.pk).update(due_at=timezone.now() - timedelta(minutes=1))
        started = time.perf_counter()
        try:
            done = erasure_execute(request_id=request.pk)
        except Exception as error:  # a failure is what this check is for: name it
            expect(False, f"erasure_execute raised {error!r}")
            return
        figures["erasure across two workers (s)"] = round(time.perf_counter() - started, 2)
        request.refresh_from_db()
    expect(done and request.status == ErasureRequest.Status.COMPLETED, f"the erasure is done ({request.status})")
    left = [column for node in cluster.NODES for column in holding(needles, schemas, node)]
    expect(
        not left, "nothing of the person left in Acme, Globex or public, on any node" + (f": {left}" if left else "")
    )
    for organisation in organisations:
        schema = organisation.schema_name
        ((reflections,),) = rows(
            f'SELECT count(*) FROM "{schema}".assessments_reflection WHERE employee_id = %s', [person.pk]
        )
        ((audited,),) = rows(
            f'SELECT count(*) FROM "{schema}".reports_auditevent WHERE action = %s AND subject_id = %s',
            ["erasure.completed", person.pk],
        )
        expect(
            reflections == 0 and audited == 1,
            f"{schema}: {reflections} reflections of the person left, {audited} erasure.completed audit row",
        )
    expect(not Membership.objects.filter(user=person).exists(), "the person's memberships are gone")


def check_offboarding() -> None:
    print("offboarding a distributed organisation", flush=True)
    slug = f"leaving-{RUN}"
    organisation = organisation_create(name=f"Leaving {RUN}", slug=slug)
    schema = organisation.schema_name
    person = User.objects.create_user(email=f"leaver-{RUN}@leaving.example", password=None)
    membership_grant(user=person, organisation=organisation, role=Role.EMPLOYEE)
    words = f"kept-in-the-archive-{RUN}"
    with tenant_context(organisation):
        reflection_create(actor=_actor(person, organisation), body=words)
    port = placement().get(schema)
    shards = [
        shard
        for (shard,) in rows(
            "SELECT sh.shardid FROM citus_shards sh JOIN citus_schemas s ON s.colocation_id = sh.colocation_id "
            "WHERE s.schema_name = %s::regnamespace",
            [schema],
        )
    ]
    expect(port is not None and len(shards) > 10, f"{schema} is distributed: {len(shards)} shards on :{port}")
    staff = User.objects.get(email=demo.PLATFORM[0])
    started = time.perf_counter()
    archive = archive_create(actor=Actor(user=staff), organisation=organisation)
    figures["offboarding: archive (s)"] = round(time.perf_counter() - started, 1)
    dump = archive.path / "schema.dump"
    size = dump.stat().st_size if dump.exists() else 0
    data = subprocess.run(
        [pg_program("pg_restore"), "--data-only", "--table=assessments_reflection", "--file=-", str(dump)],
        capture_output=True,
        text=True,
    )
    expect(
        size > 0 and words in data.stdout,
        f"the dump {dump} ({size} bytes) holds the organisation's rows, read from its worker",
    )
    started = time.perf_counter()
    organisation_delete(actor=Actor(user=staff), organisation=organisation, confirm_slug=slug)
    figures["offboarding: delete (s)"] = round(time.perf_counter() - started, 1)
    for node in cluster.NODES:
        ((schemas,),) = node_rows(node, "SELECT count(*) FROM pg_namespace WHERE nspname = %s", [schema])
        # A schema's metadata row names it by oid: after the drop none may be left pointing at nothing.
        ((metadata,),) = node_rows(
            node,
            "SELECT count(*) FROM pg_dist_schema d LEFT JOIN pg_namespace n ON n.oid = d.schemaid "
            "WHERE n.oid IS NULL OR n.nspname = %s",
            [schema],
        )
        ((placed,),) = node_rows(node, "SELECT count(*) FROM pg_dist_shard WHERE shardid = ANY(%s)", [shards])
        expect(
            schemas == metadata == placed == 0,
            f"{node}: schema {schemas}, pg_dist_schema rows {metadata}, shards {placed} left of {schema}",
        )
    expect(not Organisation.objects.filter(slug=slug).exists(), f"the organisation {slug} is gone")
    for other in ("acme", "globex"):
        status = _member_client(other, Role.EMPLOYEE).get("/").status_code
        expect(status == 200, f"{other} still answers ({status})")


class Crowd:
    """People signed in to one organisation, each in a thread with its own database connection, reading
    pages, writing reflections and (those with a coach and credits) booking 1:1s until told to stop. It
    keeps what was acknowledged, so that the caller can look for it afterwards."""

    def __init__(self, clients: list[Client]):
        self.clients = clients
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.served: list[float] = []  # when each request was answered
        self.written: list[float] = []  # when each write was acknowledged
        self.errors: list[str] = []
        self.reflections: dict[int, str] = {}  # acknowledged: key -> text
        self.bookings: dict[int, int] = {}  # acknowledged: session key -> slot key
        self.refused = 0  # bookings refused (the slot taken meanwhile, no credit left): answers, not errors
        self.threads = [threading.Thread(target=self._work, args=(n,), daemon=True) for n in range(len(clients))]

    def start(self) -> None:
        for thread in self.threads:
            thread.start()

    def finish(self) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(timeout=300)

    def _note(self, error: str) -> None:
        with self.lock:
            self.errors.append(f"{time.strftime('%H:%M:%S')} {error}")

    def _ask(self, client: Client, path: str, data: dict | None = None):
        try:
            response = client.get(path) if data is None else client.post(path, data)
        except Exception as error:  # the test client raises what the view raised
            self._note(f"{path}: {error!r}"[:300])
            return None
        with self.lock:
            self.served.append(time.perf_counter())
        if response.status_code >= 400:
            self._note(f"{path}: {response.status_code}")
            return None
        return response

    def _work(self, number: int) -> None:
        client, step = self.clients[number], 0
        try:
            while not self.stop.is_set():
                step += 1
                self._ask(client, "/")
                self._ask(client, "/reflections/")
                text = f"moving-{RUN}-{number}-{step}"
                response = self._ask(client, "/reflections/", {"body": text})
                if response is not None:
                    written = re.fullmatch(r"/reflections/(\d+)/", response.get("Location", ""))
                    if written:
                        with self.lock:
                            self.reflections[int(written[1])] = text
                            self.written.append(time.perf_counter())
                    else:
                        self._note(f"a reflection was not acknowledged: {response.status_code}")
                if step % 3 == number % 3:
                    self._book(client)
        finally:
            connections.close_all()

    def _book(self, client: Client) -> None:
        page = self._ask(client, "/book/")
        offered = re.findall(r'/book/(\d+)/"', page.content.decode()) if page is not None else []
        if not offered:
            return
        slot = int(offered[hash(client) % len(offered)])
        response = self._ask(client, f"/book/{slot}/", {})
        if response is None:
            return
        booked = re.fullmatch(r"/sessions/(\d+)/", response.get("Location", ""))
        with self.lock:
            if booked:
                self.bookings[int(booked[1])] = slot
                self.written.append(time.perf_counter())
            else:
                self.refused += 1


def _schema_move(schema: str, port: int) -> float:
    started = time.perf_counter()
    rows("SELECT citus_schema_move(%s::regnamespace, %s, %s)", [schema, cluster.HOST, port])
    return time.perf_counter() - started


def check_move_under_load(people: int) -> None:
    print(f"Acme moved to the other worker while {people} of its people use it", flush=True)
    source = placement()["acme"]
    target = next(port for node, port in cluster.ports().items() if node != "coordinator" and port != source)
    organisation = Organisation.objects.get(slug="acme")
    employees = list(
        User.objects.filter(
            memberships__organisation=organisation, memberships__role=Role.EMPLOYEE, memberships__is_active=True
        ).order_by("pk")
    )
    host = f"acme.{settings.PORTAL_DOMAIN}"
    crowd = Crowd([sign_in(Client(HTTP_HOST=host), employees[n % len(employees)], host) for n in range(people)])
    crowd.start()
    time.sleep(5)  # everyone at work before the move starts
    started = time.perf_counter()
    try:
        seconds = _schema_move("acme", target)
        moved = None
    except Exception as error:
        seconds, moved = time.perf_counter() - started, error
    ended = time.perf_counter()
    time.sleep(5)  # and after it ends
    crowd.finish()
    during = sum(1 for at in crowd.served if started <= at <= ended)
    writes = sum(1 for at in crowd.written if started <= at <= ended)
    # 'auto' transfer mode: logical replication (wal_level = logical, scripts/citus.py), so the schema
    # stays writable while it is copied; only the switch-over holds writes back briefly.
    figures["move under load: citus_schema_move, shard_transfer_mode 'auto' (s)"] = round(seconds, 1)
    figures["move under load: people, requests answered during the move (writes), in all"] = (
        f"{people}, {during} ({writes}), {len(crowd.served)}"
    )
    figures["move under load: reflections written, 1:1s booked (refused)"] = (
        f"{len(crowd.reflections)}, {len(crowd.bookings)} ({crowd.refused})"
    )
    figures["move under load: errors"] = len(crowd.errors)
    expect(moved is None, f"citus_schema_move finished in {seconds:.1f} s" + (f": {moved!r}" if moved else ""))
    expect(placement().get("acme") == target, f"Acme is on :{target} now (was :{source})")
    expect(
        not crowd.errors and during > 0,
        f"{during} requests answered during the move, {len(crowd.errors)} errors"
        + (f": {crowd.errors[:5]}" if crowd.errors else ""),
    )
    with tenant_context(organisation):
        found = dict(Reflection.objects.filter(pk__in=list(crowd.reflections)).values_list("pk", "body"))
        sessions = dict(Session.objects.filter(pk__in=list(crowd.bookings)).values_list("pk", "slot_id"))
    lost = [pk for pk, text in crowd.reflections.items() if found.get(pk) != text]
    lost += [pk for pk, slot in crowd.bookings.items() if sessions.get(pk) != slot]
    expect(
        crowd.reflections and not lost,
        f"every acknowledged write is there ({len(crowd.reflections)} reflections, {len(crowd.bookings)} "
        f"bookings; {len(lost)} missing)",
    )
    # Back where it was, so that the checks can run again on this cluster; the moved-from copies are
    # removed first (Citus drops them later by itself, and they would stand in the way).
    with connection.cursor() as cursor:
        cursor.execute("CALL citus_cleanup_orphaned_resources()")
    figures["move back, nobody using it (s)"] = round(_schema_move("acme", source), 1)
    expect(placement().get("acme") == source, f"Acme is back on :{source}")


def check_single_server(count: int = 7) -> int:
    """The same provisioning on one plain PostgreSQL server, in the same run, for comparison."""
    if citus.present():
        print("--single-server wants a database without Citus.", file=sys.stderr)
        return 2
    seconds = []
    for number in range(count):
        started = time.perf_counter()
        organisation_create(name=f"Single {number}", slug=f"single-{number:04d}")
        seconds.append(time.perf_counter() - started)
    figures["for comparison: organisation_create on the single server, same run (s)"] = (
        f"{statistics.median(seconds):.3f} (median of {count})"
    )
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scripts.citus_checks")
    parser.add_argument("--results", type=Path)
    parser.add_argument(
        "--organisations",
        type=int,
        default=int(os.environ.get("CITUS_ORGANISATIONS", os.environ.get("CITUS_PROVISION", "20"))),
        help="to provision (CITUS_ORGANISATIONS)",
    )
    parser.add_argument(
        "--people",
        type=int,
        default=int(os.environ.get("CITUS_PEOPLE", "50")),
        help="using Acme while it moves (CITUS_PEOPLE)",
    )
    parser.add_argument("--single-server", action="store_true", help="time provisioning on a database without Citus")
    arguments = parser.parse_args(argv)
    if arguments.single_server:
        return report(arguments.results, check_single_server())
    if not citus.present():
        print("The database has no Citus extension: run this through `make citus-check`.", file=sys.stderr)
        return 2
    check_layout()
    check_sequences()
    check_provisioning(arguments.organisations)
    check_coach_workspace()
    check_erasure()
    check_offboarding()
    check_worker_down()
    check_move_under_load(arguments.people)
    return report(arguments.results)


def report(results: Path | None, code: int = 0) -> int:
    if results:
        results.write_text(json.dumps(figures, indent=2))
    print(json.dumps(figures, indent=2))
    if failures:
        print(f"{len(failures)} checks failed", file=sys.stderr)
        return 1
    return code


if __name__ == "__main__":
    sys.exit(main())

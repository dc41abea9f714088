"""The checks `make citus-check` runs against the migrated, seeded cluster (scripts/citus.py starts it).

    python -m scripts.citus_checks [--results FILE] [--organisations N]

Each check prints what it found and fails (exit 1) naming what is wrong:
  layout        the reference tables, the template left local, every organisation a distributed schema,
                Acme and Globex on different workers;
  sequences     every key sequence of every organisation schema past its table's highest key, and a row
                written after distributing gets a new key;
  provisioning  N organisations provisioned through tenants.services.organisation_create, timed, and spread
                over both workers;
  worker down   the worker holding Globex stopped (`pg_ctl stop -m fast`): Acme keeps answering, Globex answers 503 with
                Retry-After (page and API), and answers again by itself once the worker is back.
Figures go to --results as JSON (scripts/citus.py adds them to its report).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import translation  # noqa: E402
from django.utils.translation import gettext  # noqa: E402
from django_tenants.utils import schema_context  # noqa: E402

from portal import citus  # noqa: E402
from scripts import citus as cluster  # noqa: E402
from tenants.models import Membership, Organisation, Role  # noqa: E402
from tenants.services import organisation_create  # noqa: E402
from tests.world import sign_in  # noqa: E402

failures: list[str] = []
figures: dict[str, object] = {}


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
    spread = {}
    for schema, port in where.items():
        if schema.startswith("scale_"):
            spread[port] = spread.get(port, 0) + 1
    if seconds:
        figures["provisioning organisations"] = len(seconds)
        figures["provisioning median (s)"] = round(statistics.median(seconds), 3)
        figures["provisioning p95 (s)"] = round(sorted(seconds)[int(0.95 * (len(seconds) - 1))], 3)
        figures["provisioning total (s)"] = round(sum(seconds), 1)
        figures["of which citus_schema_distribute, median (s)"] = round(statistics.median(distributing), 3)
    figures["organisations per worker"] = {str(port): number for port, number in sorted(spread.items())}
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scripts.citus_checks")
    parser.add_argument("--results", type=Path)
    parser.add_argument(
        "--organisations", type=int, default=int(os.environ.get("CITUS_PROVISION", "20")), help="to provision"
    )
    arguments = parser.parse_args(argv)
    if not citus.present():
        print("The database has no Citus extension: run this through `make citus-check`.", file=sys.stderr)
        return 2
    check_layout()
    check_sequences()
    check_provisioning(arguments.organisations)
    check_worker_down()
    if arguments.results:
        arguments.results.write_text(json.dumps(figures, indent=2))
    print(json.dumps(figures, indent=2))
    if failures:
        print(f"{len(failures)} checks failed", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Migrations at scale: the release step (`manage.py migrate_organisations`, the Procfile's `release`:
one catalogue query finds the schemas that are behind, only those are migrated: the first of those that
record the same migrations by Django, the others replaying its statements, two at a time) against
django-tenants' `migrate_schemas` with its standard executor (one schema after the other) and its
multiprocessing one, over BENCH_MIGRATION_ORGANISATIONS organisations (200 unless set; the rows say how
many), for a release with nothing to do and for one that adds a field to a tenant table in every schema.

The added field comes from a small tenant app made for the run in a temporary folder, so no migration of
the portal is touched. Each timing is the wall time of `manage.py migrate_schemas` in its own process, as
a release runs it, template schema included. What is not measured is done in SQL, in one pass over the
schemas: the probe's table and migration record before the timings, and between them taking the added
field back (so each executor adds it to every schema). The organisations are clones of the template
(about half a second each) and stay afterwards, so `python -m bench.run --keep-database migrations`
reuses them; BENCH_MIGRATION_DROP=1 drops them at the end. BENCH_MIGRATION_ORGANISATIONS (200),
BENCH_MIGRATION_RUNS (3), BENCH_MIGRATION_BASELINE_RUNS (as many; runs of the two django-tenants executors)
and BENCH_MIGRATION_EXECUTORS (standard,multiprocessing,release) change the size, repetitions and what is
timed (at 2,000 organisations the two django-tenants executors take most of an hour per run of both kinds:
`BENCH_MIGRATION_ORGANISATIONS=2000 BENCH_MIGRATION_BASELINE_RUNS=1`).
"""

from __future__ import annotations

import multiprocessing
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bench import common

TITLE = "Migrations at scale"
ORGANISATIONS = int(os.environ.get("BENCH_MIGRATION_ORGANISATIONS", "200"))
RUNS = int(os.environ.get("BENCH_MIGRATION_RUNS", "3"))
# django-tenants' executors take about 0.4 s a schema: at 2,000 organisations one run of each is enough.
BASELINE_RUNS = int(os.environ.get("BENCH_MIGRATION_BASELINE_RUNS", str(RUNS)))
DROP = os.environ.get("BENCH_MIGRATION_DROP", "") == "1"
SQL_BATCH = 50  # schemas per transaction for the untimed SQL (each ALTER locks a table until commit)
PREFIX = "bench-mig-"
EXECUTORS = tuple(
    name.strip()
    for name in os.environ.get("BENCH_MIGRATION_EXECUTORS", "standard,multiprocessing,release").split(",")
    if name.strip()
)
KINDS = tuple(
    kind.strip() for kind in os.environ.get("BENCH_MIGRATION_KINDS", "no-op,added field").split(",") if kind.strip()
)
# How each is run: django-tenants' executors through the portal's `migrate_schemas` (which also migrates
# the template), and the portal's release step.
COMMANDS = {
    "standard": ["migrate_schemas", "--executor=standard", "--noinput"],
    "multiprocessing": ["migrate_schemas", "--executor=multiprocessing", "--noinput"],
    "release": ["migrate_organisations", "--jobs=2"],
}

PROBE_MODELS = """
from django.db import models


class Probe(models.Model):
    label = models.CharField(max_length=40, default="")
    note = models.CharField(max_length=200, blank=True, default="")
"""
PROBE_INITIAL = """
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True
    dependencies = []
    operations = [migrations.CreateModel("Probe", [
        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False)),
        ("label", models.CharField(default="", max_length=40)),
    ])]
"""
PROBE_ADD_FIELD = """
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("migration_probe", "0001_initial")]
    operations = [migrations.AddField("probe", "note", models.CharField(blank=True, default="", max_length=200))]
"""
SETTINGS = """
from portal.settings import *  # noqa: F401,F403

TENANT_APPS = TENANT_APPS + ["migration_probe"]  # noqa: F405
INSTALLED_APPS = INSTALLED_APPS + ["migration_probe"]  # noqa: F405
"""


class Probe:
    """The temporary tenant app and the settings that add it to the portal's."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.migrations = folder / "migration_probe" / "migrations"

    def write(self) -> None:
        self.migrations.mkdir(parents=True)
        (self.folder / "migration_probe" / "__init__.py").write_text("")
        (self.folder / "migration_probe" / "models.py").write_text(PROBE_MODELS)
        (self.migrations / "__init__.py").write_text("")
        (self.migrations / "0001_initial.py").write_text(PROBE_INITIAL)
        (self.folder / "bench_migration_settings.py").write_text(SETTINGS)

    def field_migration(self, present: bool) -> None:
        path = self.migrations / "0002_probe_note.py"
        if present:
            path.write_text(PROBE_ADD_FIELD)
        else:
            path.unlink(missing_ok=True)

    def migrate(self, executor: str, *extra: str) -> float:
        """Seconds of one `migrate_schemas` in its own process; fails with its output if it fails."""
        environment = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "bench_migration_settings",
            "PYTHONPATH": os.pathsep.join([str(self.folder), str(common.BASE_DIR)]),
        }
        command = [sys.executable, "manage.py", *COMMANDS[executor], *extra, "--verbosity", "0"]
        started = time.perf_counter()
        result = subprocess.run(command, cwd=common.BASE_DIR, env=environment, capture_output=True, text=True)
        seconds = time.perf_counter() - started
        if result.returncode != 0:
            raise RuntimeError(f"{' '.join(command[1:])} failed:\n{(result.stdout + result.stderr)[-3000:]}")
        return seconds


@contextmanager
def probe_app() -> Iterator[Probe]:
    with tempfile.TemporaryDirectory(prefix="portal-migration-probe-") as folder:
        probe = Probe(Path(folder))
        probe.write()
        yield probe


def organisations_ensure(count: int) -> tuple[float, int]:
    """`count` bench organisations (reused when an earlier run left them); seconds spent making the ones
    that were missing, and how many that was."""
    from tenants.models import Organisation
    from tenants.services import organisation_create

    existing = set(Organisation.objects.filter(slug__startswith=PREFIX).values_list("slug", flat=True))
    missing = [slug for slug in (f"{PREFIX}{number:04d}" for number in range(1, count + 1)) if slug not in existing]
    started = time.perf_counter()
    if len(missing) <= 50:
        for slug in missing:
            organisation_create(name=slug.replace("-", " ").title(), slug=slug)
    else:  # the same rows and clone statements, the template's layout read once, two processes
        from django.db import connections

        connections.close_all()
        batches = [missing[start : start + 25] for start in range(0, len(missing), 25)]
        with multiprocessing.get_context("fork").Pool(2) as pool:
            for _done in pool.imap_unordered(_clone_batch, batches):
                pass
    return time.perf_counter() - started, len(missing)


def _clone_batch(slugs: list[str]) -> int:
    """Organisations `slugs` as organisation_create makes them (row, domain, schema cloned from the
    template), each in its own transaction."""
    from django.conf import settings
    from django.db import connection, transaction

    from tenants.models import Domain, Organisation
    from tenants.services import _schema_clone_statements, _schema_layout, organisation_host

    with connection.cursor() as cursor:
        layout = _schema_layout(cursor, settings.TENANT_BASE_SCHEMA)
        for slug in slugs:
            with transaction.atomic():
                organisation = Organisation.objects.create(
                    name=slug.replace("-", " ").title(), slug=slug, schema_name=slug.replace("-", "_")
                )
                Domain.objects.create(domain=organisation_host(slug), tenant=organisation, is_primary=True)
                statements = _schema_clone_statements(layout, settings.TENANT_BASE_SCHEMA, organisation.schema_name)
                cursor.execute(";\n".join(statements))
    return len(slugs)


def organisations_drop() -> None:
    from tenants.models import Organisation

    for organisation in Organisation.objects.filter(slug__startswith=PREFIX):
        common.organisation_drop(organisation)


def tenant_schemas() -> list[str]:
    """Every schema a tenant app lives in: the organisations' and the template."""
    from django.conf import settings

    from tenants.models import Organisation

    schemas = list(
        Organisation.objects.exclude(schema_name="public").order_by("schema_name").values_list("schema_name", flat=True)
    )
    return [settings.TENANT_BASE_SCHEMA, *schemas]


def _each_schema(schemas: list[str], statements: list[str]) -> None:
    """`statements` (with {schema}) in every schema, SQL_BATCH schemas per transaction."""
    from django.db import connection, transaction

    for start in range(0, len(schemas), SQL_BATCH):
        with transaction.atomic(), connection.cursor() as cursor:
            for schema in schemas[start : start + SQL_BATCH]:
                for statement in statements:
                    cursor.execute(statement.format(schema=schema))


def _record(schemas: list[str], name: str, present: bool) -> None:
    """The probe migration `name` recorded as applied (or not) in every schema and in public."""
    if present:
        statement = (
            'INSERT INTO "{schema}".django_migrations (app, name, applied) '
            f"VALUES ('migration_probe', '{name}', now())"
        )
    else:
        statement = f"DELETE FROM \"{{schema}}\".django_migrations WHERE app = 'migration_probe' AND name = '{name}'"
    _each_schema(["public", *schemas], [statement])


def probe_install(schemas: list[str]) -> None:
    """What `migrate_schemas` of the probe's 0001 leaves, written directly (untimed)."""
    probe_remove(schemas)
    _each_schema(
        schemas,
        [
            'CREATE TABLE "{schema}".migration_probe_probe (id bigint GENERATED BY DEFAULT AS '
            "IDENTITY PRIMARY KEY, label varchar(40) NOT NULL)"
        ],
    )
    _record(schemas, "0001_initial", True)


def field_remove(schemas: list[str]) -> None:
    """Back to the probe's 0001 (untimed): the added column and its migration record gone."""
    _each_schema(schemas, ['ALTER TABLE "{schema}".migration_probe_probe DROP COLUMN IF EXISTS note'])
    _record(schemas, "0002_probe_note", False)


def probe_remove(schemas: list[str]) -> None:
    _each_schema(schemas, ['DROP TABLE IF EXISTS "{schema}".migration_probe_probe'])
    _record(schemas, "0001_initial", False)
    _record(schemas, "0002_probe_note", False)


def release_executor() -> str:
    """What the Procfile's `release` line runs: the release step, or a django-tenants executor."""
    import re

    try:
        lines = (common.BASE_DIR / "Procfile").read_text().splitlines()
    except OSError:
        return ""
    release = next((line for line in lines if line.startswith("release:")), "")
    if "migrate_organisations" in release:
        return "release"
    found = re.search(r"--executor[= ](\w+)", release)
    return found.group(1) if found else ("standard" if "migrate_schemas" in release else "")


def run() -> list[dict]:
    made, made_count = organisations_ensure(ORGANISATIONS)
    schemas = tenant_schemas()
    timings: dict[tuple[str, str], list[float]] = {}
    try:
        with probe_app() as probe:
            probe.migrate("standard", "--schema=public")  # fail early, on one schema, if anything is amiss
            probe_install(schemas)
            for run_number in range(RUNS):
                for executor in EXECUTORS:
                    if executor != "release" and run_number >= BASELINE_RUNS:
                        continue
                    if "no-op" in KINDS:
                        timings.setdefault(("no-op", executor), []).append(probe.migrate(executor))
                    if "added field" in KINDS:
                        probe.field_migration(True)
                        timings.setdefault(("added field", executor), []).append(probe.migrate(executor))
                        probe.field_migration(False)
                        field_remove(schemas)
    finally:
        probe_remove(schemas)
        if DROP:
            organisations_drop()
    organisations = len(schemas) - 1
    release = release_executor()
    names = {
        "standard": "migrate_schemas, {kind}, standard executor",
        "multiprocessing": "migrate_schemas, {kind}, multiprocessing executor",
        "release": "migrate_organisations (release step), {kind}",
    }
    rows = []
    for kind in KINDS:
        standard = common.median(timings[(kind, "standard")]) if "standard" in EXECUTORS else None
        for executor in EXECUTORS:
            seconds = common.median(timings[(kind, executor)])
            runs = len(timings[(kind, executor)])
            notes = [f"{organisations} organisation schemas + public + template; wall time of one `manage.py` process"]
            if executor == "multiprocessing":
                notes.append("2 processes (TENANT_MULTIPROCESSING_MAX_PROCESSES)")
            if executor == "release":
                notes.append(
                    "schemas behind found in one query over every django_migrations; the first of those with the "
                    "same migrations migrated by Django, the others replay its statements, 2 at a time"
                )
            if executor == release:
                notes.append("the Procfile's `release` runs this")
            rows.append(
                common.row(
                    names[executor].format(kind=kind),
                    runs=runs,
                    seconds=round(seconds, 2 if seconds < 10 else 1),
                    ms_per_schema=round(1000 * seconds / (organisations + 2), 1),
                    standard_over_this=round(standard / seconds, 2) if standard else "",
                    notes="; ".join(notes),
                )
            )
    rows.append(
        common.row(
            f"making {made_count} of the {ORGANISATIONS} organisations for this benchmark",
            runs=1,
            seconds=round(made, 1),
            notes="clones of the template, one after another; the others were left by an earlier "
            "run; all kept for the next",
        )
    )
    return rows


if __name__ == "__main__":
    common.configure()
    for line in run():
        print(line)

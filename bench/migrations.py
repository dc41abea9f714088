"""Migrations at scale: `migrate_schemas` over 500 organisations with the standard executor (one schema
after the other) against the multiprocessing one (the Procfile's `release`), for a run with nothing to do
and for one that adds a field to a tenant table in every schema.

The added field comes from a small tenant app made for the run in a temporary folder (its table created
in every schema first, untimed), so no migration of the portal is touched. Each timing is the wall time
of `manage.py migrate_schemas` in its own process, as a release runs it, template schema included.
BENCH_MIGRATION_ORGANISATIONS (500) and BENCH_MIGRATION_RUNS (1) change the size and repetitions.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from bench import common

TITLE = "Migrations at scale"
ORGANISATIONS = int(os.environ.get("BENCH_MIGRATION_ORGANISATIONS", "500"))
RUNS = int(os.environ.get("BENCH_MIGRATION_RUNS", "1"))
PREFIX = "bench-mig-"
EXECUTORS = ("standard", "multiprocessing")

PROBE_MODELS = '''
from django.db import models


class Probe(models.Model):
    label = models.CharField(max_length=40, default="")
    note = models.CharField(max_length=200, blank=True, default="")
'''
PROBE_INITIAL = '''
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True
    dependencies = []
    operations = [migrations.CreateModel("Probe", [
        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False)),
        ("label", models.CharField(default="", max_length=40)),
    ])]
'''
PROBE_ADD_FIELD = '''
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("migration_probe", "0001_initial")]
    operations = [migrations.AddField("probe", "note", models.CharField(blank=True, default="", max_length=200))]
'''
SETTINGS = '''
from portal.settings import *  # noqa: F401,F403

TENANT_APPS = TENANT_APPS + ["migration_probe"]  # noqa: F405
INSTALLED_APPS = INSTALLED_APPS + ["migration_probe"]  # noqa: F405
'''


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

    def migrate(self, executor: str, *target: str) -> float:
        """Seconds of one `migrate_schemas` in its own process; fails with its output if it fails."""
        environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "bench_migration_settings",
                       "PYTHONPATH": os.pathsep.join([str(self.folder), str(common.BASE_DIR)])}
        command = [sys.executable, "manage.py", "migrate_schemas", *target, f"--executor={executor}",
                   "--noinput", "--verbosity", "0"]
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


def organisations_ensure(count: int) -> float:
    """`count` bench organisations (reused when an earlier run left them); seconds spent making them."""
    from tenants.models import Organisation

    existing = set(Organisation.objects.filter(slug__startswith=PREFIX).values_list("slug", flat=True))
    started = time.perf_counter()
    for number in range(1, count + 1):
        slug = f"{PREFIX}{number:03d}"
        if slug not in existing:
            common.organisation_make(slug=slug, coaches=1, hr_managers=1)
    return time.perf_counter() - started


def organisations_drop() -> None:
    from tenants.models import Organisation

    for organisation in Organisation.objects.filter(slug__startswith=PREFIX):
        common.organisation_drop(organisation)


def schema_count() -> int:
    from tenants.models import Organisation

    return Organisation.objects.exclude(schema_name="public").count()


def run() -> list[dict]:
    made = organisations_ensure(ORGANISATIONS)
    schemas = schema_count()
    timings: dict[tuple[str, str], list[float]] = {}
    try:
        with probe_app() as probe:
            probe.migrate("multiprocessing")  # the probe's table in every schema, untimed
            for _run in range(RUNS):
                for executor in EXECUTORS:
                    timings.setdefault(("no-op", executor), []).append(probe.migrate(executor))
                    probe.field_migration(True)
                    timings.setdefault(("added field", executor), []).append(probe.migrate(executor))
                    probe.migrate("multiprocessing", "migration_probe", "0001")  # back, untimed
                    probe.field_migration(False)
            probe.migrate("multiprocessing", "migration_probe", "zero")
    finally:
        organisations_drop()
    rows = []
    for kind in ("no-op", "added field"):
        standard = common.median(timings[(kind, "standard")])
        parallel = common.median(timings[(kind, "multiprocessing")])
        for executor, seconds in (("standard", standard), ("multiprocessing", parallel)):
            rows.append(common.row(
                f"migrate_schemas, {kind}, {executor} executor", runs=RUNS,
                seconds=round(seconds, 1), ms_per_schema=round(1000 * seconds / (schemas + 2), 1),
                standard_over_this=round(standard / seconds, 2),
                notes=f"{schemas} organisation schemas + public + template"
                      + ("; 2 processes (TENANT_MULTIPROCESSING_MAX_PROCESSES)" if executor != "standard" else "")))
    rows.append(common.row(f"making {ORGANISATIONS} organisations for this benchmark", runs=1,
                           seconds=round(made, 1), notes="clone of the template (0 when reused)"))
    return rows


if __name__ == "__main__":
    common.configure()
    for line in run():
        print(line)

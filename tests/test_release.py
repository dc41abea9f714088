"""The release step (portal/release.py, `manage.py migrate_organisations`) on the real database.

Scratch schemas are clones of the template, made and dropped here (committed: the release commits each
schema's transaction). A small tenant app, tests/release_probe, is added to the settings for some tests:
its 0001 creates a table and its 0002 (RunPython) writes one row naming the schema it ran in. Another,
tests/release_probe_ddl, has statements only (three migrations), which schemas with the same migrations
replay from the first of them.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from urllib.parse import quote

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import override_settings
from django_tenants.signals import schema_migrated

from portal import release
from tenants.services import schema_clone
from tests.world import assert_test_database

SCRATCH = ["release_a", "release_b", "release_c"]
PROBE_APP = "tests.release_probe"
DDL_APP = "tests.release_probe_ddl"
DDL_MIGRATIONS = ["0001_initial", "0002_body", "0003_title_unique_author"]


def _drop_scratch() -> None:
    with connection.cursor() as cursor:
        for schema in SCRATCH:
            cursor.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


@pytest.fixture
def scratch(django_db_setup, django_db_blocker):
    """Three committed clones of the template; dropped afterwards."""
    with django_db_blocker.unblock():
        assert_test_database()
        connection.set_schema_to_public()
        _drop_scratch()
        for schema in SCRATCH:
            schema_clone(source=settings.TENANT_BASE_SCHEMA, target=schema)
        try:
            yield SCRATCH
        finally:
            connection.set_schema_to_public()
            _drop_scratch()


@pytest.fixture
def probe(scratch):
    with override_settings(
        INSTALLED_APPS=[*settings.INSTALLED_APPS, PROBE_APP], TENANT_APPS=[*settings.TENANT_APPS, PROBE_APP]
    ):
        yield scratch


@pytest.fixture
def ddl_probe(scratch):
    with override_settings(
        INSTALLED_APPS=[*settings.INSTALLED_APPS, DDL_APP], TENANT_APPS=[*settings.TENANT_APPS, DDL_APP]
    ):
        yield scratch


@pytest.fixture
def migrated_signals():
    """Schemas django-tenants' schema_migrated signal named in this process."""
    names: list[str] = []

    def receiver(sender, schema_name, **kwargs):
        names.append(schema_name)

    schema_migrated.connect(receiver, weak=False)
    yield names
    schema_migrated.disconnect(receiver)


def _one(sql: str, params=()):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()[0]


def _probe_labels(schema: str) -> list[str] | None:
    """The probe rows in `schema`, or None when its table is not there."""
    if not _one("SELECT to_regclass(%s) IS NOT NULL", [f'"{schema}".release_probe_probe']):
        return None
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT label FROM "{schema}".release_probe_probe ORDER BY id')
        return [label for (label,) in cursor.fetchall()]


def _probe_records(schema: str) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT name FROM \"{schema}\".django_migrations WHERE app = 'release_probe' ORDER BY name")
        return [name for (name,) in cursor.fetchall()]


def _records(schema: str, app: str) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT name FROM "{schema}".django_migrations WHERE app = %s ORDER BY name', [app])
        return [name for (name,) in cursor.fetchall()]


def _structure(schema: str) -> list[tuple[str, str]]:
    """The DDL probe's table in `schema` as the catalogue describes it: columns, constraints, indexes."""
    with connection.cursor() as cursor:
        cursor.execute(
            "WITH probe AS (SELECT to_regclass(%s) AS oid) "
            "SELECT 'column', attname || ' ' || format_type(atttypid, atttypmod) || "
            "CASE WHEN attnotnull THEN ' not null' ELSE '' END FROM pg_attribute, probe "
            "WHERE attrelid = probe.oid AND attnum > 0 AND NOT attisdropped "
            "UNION ALL SELECT 'constraint', conname || ' ' || pg_get_constraintdef(c.oid) "
            "FROM pg_constraint c, probe WHERE conrelid = probe.oid "
            "UNION ALL SELECT 'index', replace(indexdef, %s, '') FROM pg_indexes "
            "WHERE schemaname = %s AND tablename = 'release_probe_ddl_note' ORDER BY 1, 2",
            [f'"{schema}".release_probe_ddl_note', f"{schema}.", schema],
        )
        return cursor.fetchall()


def _unapply_to(schema: str, target: str) -> None:
    """Take `schema`'s DDL probe back to `target`, by Django."""
    from django.db.migrations.executor import MigrationExecutor

    connection.set_schema(schema)
    try:
        MigrationExecutor(connection).migrate([("release_probe_ddl", target)])
    finally:
        connection.set_schema_to_public()


def test_nothing_behind_means_no_schema_is_migrated(scratch, migrated_signals):
    assert release.schemas_behind([settings.TENANT_BASE_SCHEMA, *scratch]) == []

    outcome = release.release(schemas=[settings.TENANT_BASE_SCHEMA, *scratch])

    assert outcome.migrated == []
    assert outcome.checked == 4
    assert migrated_signals == []


def test_the_release_command_with_nothing_to_do_migrates_nothing(scratch, migrated_signals):
    call_command("migrate_organisations", verbosity=0)

    assert migrated_signals == []


def test_every_schema_behind_is_migrated_and_the_data_migration_runs_in_each(probe, migrated_signals):
    assert release.schemas_behind(probe) == probe

    outcome = release.release(schemas=probe)

    assert outcome.migrated == probe
    assert outcome.replayed == []  # a RunPython needs Django in every schema
    assert migrated_signals == probe
    for schema in probe:
        assert _probe_labels(schema) == [schema]
        assert _probe_records(schema) == ["0001_initial", "0002_label_each_schema"]
    assert release.schemas_behind(probe) == []


def test_only_the_schema_behind_is_migrated(probe, migrated_signals):
    release.release(schemas=probe)
    with connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM release_b.django_migrations WHERE app = 'release_probe' AND name = '0002_label_each_schema'"
        )
    migrated_signals.clear()

    assert release.schemas_behind(probe) == ["release_b"]
    outcome = release.release(schemas=probe)

    assert outcome.migrated == ["release_b"]
    assert migrated_signals == ["release_b"]
    assert _probe_labels("release_a") == ["release_a"]
    assert _probe_labels("release_b") == ["release_b", "release_b"]  # its data migration ran again, there only


def test_a_failing_schema_is_left_unmigrated_and_the_next_run_resumes(probe):
    with override_settings(RELEASE_PROBE_FAIL_IN="release_b"):
        with pytest.raises(release.ReleaseFailed) as failure:
            release.release(schemas=probe)

    assert failure.value.schema == "release_b"
    assert "the probe fails in release_b" in failure.value.error
    assert failure.value.done == ["release_a"]
    assert _probe_labels("release_a") == ["release_a"]
    # Its 0001 succeeded before 0002 failed, yet nothing of either is left: one transaction per schema.
    assert _probe_labels("release_b") is None
    assert _probe_records("release_b") == []
    assert _probe_labels("release_c") is None  # the release stopped at the failure
    assert release.schemas_behind(probe) == ["release_b", "release_c"]

    outcome = release.release(schemas=probe)

    assert outcome.migrated == ["release_b", "release_c"]
    assert release.schemas_behind(probe) == []
    for schema in probe:
        assert _probe_labels(schema) == [schema]


def test_schemas_are_migrated_in_parallel_processes(probe):
    outcome = release.release(schemas=probe, jobs=2)

    assert sorted(outcome.migrated) == probe
    connection.set_schema_to_public()
    for schema in probe:
        assert _probe_labels(schema) == [schema]
    assert release.schemas_behind(probe) == []


def test_a_failure_in_a_parallel_process_stops_the_release_and_leaves_that_schema_unmigrated(probe):
    with override_settings(RELEASE_PROBE_FAIL_IN="release_a"):
        with pytest.raises(release.ReleaseFailed) as failure:
            release.release(schemas=probe, jobs=2)

    assert failure.value.schema == "release_a"
    assert _probe_labels("release_a") is None
    assert _probe_records("release_a") == []
    assert "release_a" in release.schemas_behind(probe)
    release.release(schemas=probe, jobs=2)
    assert release.schemas_behind(probe) == []


def test_the_consistency_check_names_a_schema_missing_a_migration_or_with_others(scratch):
    schemas = [settings.TENANT_BASE_SCHEMA, *scratch]
    assert release.inconsistencies(schemas) == []

    with connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM release_b.django_migrations WHERE id = (SELECT max(id) FROM release_b.django_migrations)"
        )
        cursor.execute(
            "INSERT INTO release_c.django_migrations (app, name, applied) VALUES ('gone', '0001_removed', now())"
        )

    problems = release.inconsistencies(schemas)
    assert len(problems) == 2
    assert "'release_b' lacks 1 of the" in problems[0]
    assert "'release_c' records other applied migrations than the template" in problems[1]


def test_the_check_command(scratch):
    call_command("migrate_organisations", "--check", verbosity=0)

    schema = _one("SELECT schema_name FROM tenants_organisation WHERE schema_name <> 'public' ORDER BY schema_name")
    removed = _one(
        f'DELETE FROM "{schema}".django_migrations WHERE id = (SELECT max(id) FROM "{schema}".django_migrations) '
        "RETURNING app || ' ' || name || ' ' || applied::text"
    )
    app, name, applied = removed.split(" ", 2)
    try:
        with pytest.raises(CommandError, match=f"schema '{schema}' lacks 1 of the"):
            call_command("migrate_organisations", "--check", verbosity=0)
    finally:
        with connection.cursor() as cursor:
            cursor.execute(
                f'INSERT INTO "{schema}".django_migrations (app, name, applied) VALUES (%s, %s, %s)',
                [app, name, applied],
            )
    call_command("migrate_organisations", "--check", verbosity=0)


KILLED_RELEASE = """
import django
django.setup()
from django.conf import settings
from django.test import override_settings
from portal import release
with override_settings(
    INSTALLED_APPS=[*settings.INSTALLED_APPS, "tests.release_probe"],
    TENANT_APPS=[*settings.TENANT_APPS, "tests.release_probe"],
    RELEASE_PROBE_WAIT_IN="release_b",
):
    release.release(schemas=["release_a", "release_b", "release_c"])
"""


def test_a_killed_release_resumes_where_it_stopped(probe):
    """The release runs in its own process, killed (SIGKILL) while release_b's data migration runs."""
    database = connection.settings_dict
    credentials = quote(database["USER"] or "", safe="")
    if database.get("PASSWORD"):
        credentials += ":" + quote(database["PASSWORD"], safe="")
    environment = {
        **os.environ,
        # The test database, wherever it runs (the embedded server or DATABASE_URL's), outside production.
        "DATABASE_URL": f"postgres://{credentials}@{database['HOST'] or '127.0.0.1'}:{database['PORT'] or 5432}/"
        + quote(database["NAME"], safe=""),
        "PORTAL_PRODUCTION": "0",
        "DJANGO_SETTINGS_MODULE": "portal.settings",
    }
    process = subprocess.Popen(
        [sys.executable, "-c", KILLED_RELEASE], cwd=settings.BASE_DIR, env=environment, stderr=subprocess.PIPE
    )
    try:
        deadline = time.monotonic() + 120
        while len(_probe_records("release_a")) < 2 or not _one(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() "
            "AND state = 'idle in transaction' AND state_change < now() - interval '1 second'"
        ):
            assert process.poll() is None, process.stderr.read().decode()
            assert time.monotonic() < deadline, "the release never reached release_b"
            time.sleep(0.2)
    finally:
        process.kill()
        process.wait()

    assert _probe_labels("release_a") == ["release_a"]
    deadline = time.monotonic() + 30
    while release.schemas_behind(probe) != ["release_b", "release_c"] and time.monotonic() < deadline:
        time.sleep(0.2)  # the server notices the dropped connection and rolls its transaction back
    assert release.schemas_behind(probe) == ["release_b", "release_c"]
    assert _probe_labels("release_b") is None

    outcome = release.release(schemas=probe)

    assert outcome.migrated == ["release_b", "release_c"]
    for schema in probe:
        assert _probe_labels(schema) == [schema]


def test_the_schemas_behind_are_found_the_same_in_batches(probe, monkeypatch):
    release.release(schemas=probe[:1])
    monkeypatch.setattr(release, "SCHEMAS_PER_QUERY", 2)

    assert release.schemas_behind([*probe, "release_missing"]) == ["release_b", "release_c", "release_missing"]


def test_schemas_with_the_same_migrations_replay_the_statements_of_the_first(ddl_probe, migrated_signals):
    outcome = release.release(schemas=ddl_probe)

    assert outcome.migrated == ddl_probe
    assert outcome.replayed == ["release_b", "release_c"]
    assert migrated_signals == ddl_probe
    reference = _structure("release_a")
    assert ("constraint", "release_probe_ddl_note_title_cc180874_uniq UNIQUE (title)") in reference
    assert ("column", "title character varying(200) not null") in reference
    assert any("release_probe_ddl_body" in definition for kind, definition in reference if kind == "index")
    # 0003 dropped the index 0001 made on title, found by introspection in the first schema
    assert not any(
        definition.startswith("CREATE INDEX release_probe_ddl_note_title_cc180874 ON") for _, definition in reference
    )
    for schema in ddl_probe:
        assert _structure(schema) == reference
        assert _records(schema, "release_probe_ddl") == DDL_MIGRATIONS
    assert release.schemas_behind(ddl_probe) == []
    assert release.inconsistencies(ddl_probe) == []


def test_schemas_further_behind_replay_every_migration_they_lack(ddl_probe):
    release.release(schemas=ddl_probe)
    reference = _structure("release_a")
    _unapply_to("release_b", "0001_initial")
    _unapply_to("release_c", "0001_initial")
    assert _structure("release_b") != reference

    outcome = release.release(schemas=ddl_probe)

    assert outcome.migrated == ["release_b", "release_c"]
    assert outcome.replayed == ["release_c"]
    for schema in ddl_probe:
        assert _structure(schema) == reference
        assert _records(schema, "release_probe_ddl") == DDL_MIGRATIONS


def test_a_replay_that_fails_leaves_its_schema_untouched_and_the_next_run_resumes(ddl_probe):
    with connection.cursor() as cursor:  # the name 0002's index takes, already used in release_c
        cursor.execute("CREATE INDEX release_probe_ddl_body ON release_c.django_migrations (app)")

    with pytest.raises(release.ReleaseFailed) as failure:
        release.release(schemas=ddl_probe)

    assert failure.value.schema == "release_c"
    assert "release_probe_ddl_body" in failure.value.error
    assert failure.value.done == ["release_a", "release_b"]
    assert not _one("SELECT to_regclass('release_c.release_probe_ddl_note') IS NOT NULL")
    assert _records("release_c", "release_probe_ddl") == []
    assert release.schemas_behind(ddl_probe) == ["release_c"]

    with connection.cursor() as cursor:
        cursor.execute("DROP INDEX release_c.release_probe_ddl_body")
    outcome = release.release(schemas=ddl_probe)

    assert outcome.migrated == ["release_c"]
    assert _structure("release_c") == _structure("release_a")


def test_replays_run_in_parallel_threads(ddl_probe):
    outcome = release.release(schemas=ddl_probe, jobs=2)

    assert outcome.migrated[0] == "release_a"
    assert sorted(outcome.replayed) == ["release_b", "release_c"]
    connection.set_schema_to_public()
    for schema in ddl_probe:
        assert _structure(schema) == _structure("release_a")
    assert release.schemas_behind(ddl_probe) == []


def test_a_schema_whose_migrations_changed_meanwhile_is_not_replayed(ddl_probe):
    fingerprint = release.schema_states(ddl_probe)["release_a"].fingerprint
    replay = release.migrate_schema("release_a", fingerprint=fingerprint)
    assert replay is not None and replay.rows == [("release_probe_ddl", name) for name in DDL_MIGRATIONS]
    with connection.cursor() as cursor:
        cursor.execute("INSERT INTO release_b.django_migrations (app, name, applied) VALUES ('other', '0001', now())")

    assert release.replay_schema("release_b", replay) is False
    assert release.replay_schema("release_c", replay) is True

    assert not _one("SELECT to_regclass('release_b.release_probe_ddl_note') IS NOT NULL")
    assert _structure("release_c") == _structure("release_a")


def test_a_plan_with_run_python_is_not_replayable(probe):
    fingerprint = release.schema_states(probe)["release_a"].fingerprint

    assert release.migrate_schema("release_a", fingerprint=fingerprint) is None

"""The release's migrations over every organisation schema, quick when most schemas have nothing to do.

django-tenants' `migrate_schemas` loads and checks each schema's migration state in turn (about 0.4 s a
schema), so a release that changes nothing still grows with the number of organisations. Here one query
over every schema's `django_migrations` table finds the schemas that lack a migration on disk, and only
those are migrated, inside ONE transaction per schema: a schema is never left half-migrated, and a release
that is stopped resumes with the schemas still behind. The template is migrated before the organisations,
so organisations cloned during a release are current.

Schemas that record the same applied migrations need the same statements. The first of each such group is
migrated by Django's own `migrate`, and the statements its schema editor runs there are kept; when the
plan holds nothing but statements (no RunPython, every migration atomic), the others of the group replay
them, with the same `django_migrations` rows, in one round trip each instead of loading Django's migration
state again per schema (about 0.1 s). A plan with RunPython is migrated by Django in every schema.
"""

from __future__ import annotations

import multiprocessing
import threading
import time
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection, connections, transaction
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.operations import RunPython, SeparateDatabaseAndState

from portal import citus

PUBLIC = "public"
SCHEMAS_PER_QUERY = 200


def migrations_on_disk() -> set[tuple[str, str]]:
    """Every (app, name) a fully migrated schema records: Django's `migrate` records each migration of
    the graph in every schema, whether the router lets its operations run there or not."""
    return set(MigrationLoader(None, ignore_no_migrations=True).graph.nodes)


def tenant_schemas() -> list[str]:
    """The template first, then every organisation's schema."""
    from tenants.models import Organisation

    organisations = (
        Organisation.objects.exclude(schema_name=PUBLIC).order_by("schema_name").values_list("schema_name", flat=True)
    )
    return [settings.TENANT_BASE_SCHEMA, *(name for name in organisations if name != settings.TENANT_BASE_SCHEMA)]


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


@dataclass
class SchemaState:
    schema: str
    missing: int  # migrations on disk this schema has not recorded
    fingerprint: str  # of every (app, name) it has recorded, on disk or not


def schema_states(schemas: Iterable[str], expected: set[tuple[str, str]] | None = None) -> dict[str, SchemaState]:
    """Each schema's migration state, from two catalogue queries whatever the number of schemas: which of
    them have a `django_migrations` table, then a UNION ALL over those tables (one query per
    SCHEMAS_PER_QUERY schemas)."""
    schemas = list(dict.fromkeys(schemas))
    expected = migrations_on_disk() if expected is None else expected
    states = {schema: SchemaState(schema, len(expected), "") for schema in schemas}
    if not schemas:
        return states
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT n.nspname FROM pg_namespace n JOIN pg_class c ON c.relnamespace = n.oid "
            "WHERE c.relname = 'django_migrations' AND c.relkind IN ('r', 'p') AND n.nspname = ANY(%s)",
            [schemas],
        )
        with_table = [schema for (schema,) in cursor.fetchall()]
        if not with_table:
            return states
        apps, names = zip(*sorted(expected)) if expected else ((), ())
        # Each query reads (and briefly locks) one table per schema: in batches, so that thousands of
        # schemas stay well inside the server's lock table (max_locks_per_transaction).
        for start in range(0, len(with_table), SCHEMAS_PER_QUERY):
            batch = with_table[start : start + SCHEMAS_PER_QUERY]
            recorded = " UNION ALL ".join(
                f"SELECT %s AS schema_name, app, name FROM {_quote(schema)}.django_migrations" for schema in batch
            )
            cursor.execute(
                "WITH expected(app, name) AS (SELECT * FROM unnest(%s::text[], %s::text[])), "
                f"recorded AS ({recorded}) "
                "SELECT r.schema_name, count(DISTINCT (e.app, e.name)) FILTER (WHERE e.name IS NOT NULL), "
                "md5(string_agg(DISTINCT r.app || '.' || r.name, ',' ORDER BY r.app || '.' || r.name)) "
                "FROM recorded r LEFT JOIN expected e ON e.app = r.app AND e.name = r.name GROUP BY r.schema_name",
                [list(apps), list(names), *batch],
            )
            for schema, present, fingerprint in cursor.fetchall():
                states[schema] = SchemaState(schema, len(expected) - present, fingerprint)
    return states


def schemas_behind(schemas: Iterable[str], expected: set[tuple[str, str]] | None = None) -> list[str]:
    """The schemas (in the order given) that lack a migration on disk."""
    states = schema_states(schemas, expected)
    return [schema for schema, state in states.items() if state.missing]


def inconsistencies(schemas: Iterable[str] | None = None) -> list[str]:
    """What stops the template and the organisations from having the same applied migrations, each as a
    sentence naming the schema; empty when they all match (and none lacks a migration on disk)."""
    schemas = tenant_schemas() if schemas is None else list(schemas)
    expected = migrations_on_disk()
    states = schema_states(schemas, expected)
    problems = []
    template = states.get(settings.TENANT_BASE_SCHEMA)
    for schema, state in states.items():
        if state.missing:
            problems.append(f"schema {schema!r} lacks {state.missing} of the {len(expected)} migrations on disk")
        elif template is not None and schema != template.schema and state.fingerprint != template.fingerprint:
            problems.append(f"schema {schema!r} records other applied migrations than the template")
    return problems


SETTLE_CONSTRAINTS = "SET CONSTRAINTS ALL IMMEDIATE; SET CONSTRAINTS ALL DEFERRED"
_keeping = threading.local()  # .statements: the list _statements_kept is filling in this thread, if any


def _migrate_command_class():
    """Django's `migrate` (or TENANT_BASE_MIGRATE_COMMAND) that checks deferred constraints after each
    migration: all of a schema's migrations share one transaction, and PostgreSQL refuses to ALTER a table
    that still has foreign-key checks pending from rows an earlier (data) migration wrote."""
    from django_tenants.utils import get_tenant_base_migrate_command_class

    base = get_tenant_base_migrate_command_class()

    class Migrate(base):
        def migration_progress_callback(self, action, migration=None, fake=False):
            if action in ("apply_success", "unapply_success"):
                with connection.cursor() as cursor:
                    cursor.execute(SETTLE_CONSTRAINTS)
                kept = getattr(_keeping, "statements", None)
                if kept is not None:  # a replay settles them at the same points
                    kept.append(SETTLE_CONSTRAINTS)
            super().migration_progress_callback(action, migration, fake)

    return Migrate


def migrate_options(verbosity: int = 0) -> dict:
    """The options Django's `migrate` takes when run from the command line with none given."""
    options = vars(_migrate_command_class()().create_parser("manage.py", "migrate").parse_args([]))
    options.update(verbosity=verbosity, interactive=False, skip_checks=True)
    return options


def _has_table_in_schema(recorder) -> bool:
    """MigrationRecorder.has_table for the schema being migrated, by name. Django's lists every table on
    the search path through pg_table_is_visible(), which reads every relation in the database: 0.7 s at
    2,000 organisations, several times per schema."""
    if recorder._has_table:
        return True
    with recorder.connection.cursor() as cursor:
        cursor.execute(
            "SELECT to_regclass(%s) IS NOT NULL",
            [f"{_quote(recorder.connection.schema_name)}.{_quote(recorder.Migration._meta.db_table)}"],
        )
        recorder._has_table = cursor.fetchone()[0]
    return recorder._has_table


@dataclass
class Replay:
    """What Django's `migrate` ran in one schema, to run again in the schemas that recorded the same
    applied migrations (`fingerprint`) before it: its schema editor's statements and the rows it added to
    `django_migrations`."""

    fingerprint: str
    statements: list[str]
    rows: list[tuple[str, str]]
    citus: bool = False  # the schema editor's setting for schemas outside public on Citus goes first


def statements_only(plan) -> bool:
    """Whether every migration of `plan` runs forwards, atomically and through the schema editor's
    statements alone (a RunPython, or any operation that cannot be written as SQL, needs Django)."""

    def sql(operations) -> bool:
        for operation in operations:
            if isinstance(operation, SeparateDatabaseAndState):
                if not sql(operation.database_operations):
                    return False
            elif isinstance(operation, RunPython) or not operation.reduces_to_sql:
                return False
        return True

    return all(not backwards and migration.atomic and sql(migration.operations) for migration, backwards in plan)


@contextmanager
def _statements_kept():
    """The statements this thread's schema editors run while inside, in order (the PostgreSQL editor
    merges the parameters into the statement before the base class runs it), with the settling of
    deferred constraints after each migration where Django's `migrate` settles them."""
    kept: list[str] = []
    execute = BaseDatabaseSchemaEditor.execute
    this_thread = threading.get_ident()

    def keep(editor, sql, params=()):
        if threading.get_ident() == this_thread and not editor.collect_sql:
            kept.append(str(sql) if params is None else editor.connection.ops.compose_sql(str(sql), params))
        return execute(editor, sql, params)

    BaseDatabaseSchemaEditor.execute = keep
    _keeping.statements = kept
    try:
        yield kept
    finally:
        BaseDatabaseSchemaEditor.execute = execute
        _keeping.statements = None


def _recorded(schema: str) -> set[tuple[str, str]]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT app, name FROM {_quote(schema)}.django_migrations")
        return set(cursor.fetchall())


def migrate_schema(schema: str, verbosity: int = 0, *, fingerprint: str | None = None) -> Replay | None:
    """Every pending migration of `schema` in one transaction: all of them, or (on an error) none. Sends
    django-tenants' schema_pre_migration and schema_migrated signals as `migrate_schemas` does. Given the
    `fingerprint` of the schema's applied migrations, returns what other schemas with the same fingerprint
    can replay, when the plan is statements only."""
    from django.db.migrations.recorder import MigrationRecorder
    from django_tenants.signals import schema_migrated, schema_pre_migration

    schema_pre_migration.send(migrate_schema, schema_name=schema)
    has_table = MigrationRecorder.has_table
    MigrationRecorder.has_table = _has_table_in_schema
    replay = None
    try:
        with transaction.atomic():
            # Its own django_migrations table first, or the public one would be found on the search path.
            connection.set_schema(schema, include_public=False)
            MigrationRecorder(connection).ensure_schema()
            connection.set_schema(schema)
            if fingerprint is not None:
                executor = MigrationExecutor(connection)
                replayable = statements_only(executor.migration_plan(executor.loader.graph.leaf_nodes()))
                before = _recorded(schema)
            with _statements_kept() as statements:
                _migrate_command_class()().execute(**migrate_options(verbosity))
            if fingerprint is not None and replayable:
                replay = Replay(fingerprint, statements, sorted(_recorded(schema) - before), citus.present())
    finally:
        MigrationRecorder.has_table = has_table
        connection.set_schema_to_public()
    schema_migrated.send(migrate_schema, schema_name=schema)
    return replay


FINGERPRINT = "SELECT md5(string_agg(DISTINCT app || '.' || name, ',' ORDER BY app || '.' || name)) FROM {table}"


def replay_schema(schema: str, replay: Replay) -> bool:
    """Run `replay` in `schema`, in one transaction with the rows it records; False (and nothing done) when
    the schema no longer records the same applied migrations as the schema it came from."""
    from django_tenants.signals import schema_migrated, schema_pre_migration

    table = f"{_quote(schema)}.django_migrations"
    schema_pre_migration.send(replay_schema, schema_name=schema)
    try:
        with transaction.atomic():
            connection.set_schema(schema)
            with connection.cursor() as cursor:
                # A release running beside this one waits here, then finds the schema current.
                cursor.execute(f"LOCK TABLE {table} IN SHARE ROW EXCLUSIVE MODE")
                cursor.execute(FINGERPRINT.format(table=table))
                if (cursor.fetchone()[0] or "") != replay.fingerprint:
                    return False
                record = connection.ops.compose_sql(
                    f"INSERT INTO {table} (app, name, applied) VALUES "
                    + ", ".join(["(%s, %s, now())"] * len(replay.rows)),
                    [part for row in replay.rows for part in row],
                )
                # One round trip: every statement, then the rows.
                plain = [citus.TABLES_STAY_PLAIN] if replay.citus else []
                cursor.execute(";\n".join([*plain, *replay.statements, record]))
    finally:
        connection.set_schema_to_public()
    schema_migrated.send(replay_schema, schema_name=schema)
    return True


def replay_schemas(
    schemas: list[str], replay: Replay, *, jobs: int = 1, report: Callable[[str, float], None] | None = None
) -> tuple[list[str], list[str]]:
    """Replay in `schemas`, `jobs` at a time (threads, each with its own connection): the schemas
    migrated, and those left as they were because their migrations changed meanwhile. On the first
    failure, lets the schemas in flight finish and raises ReleaseFailed."""
    pending = iter(schemas)
    lock = threading.Lock()
    done: list[str] = []
    changed: list[str] = []
    failures: list[tuple[str, str]] = []

    def work(own_connection: bool) -> None:
        try:
            while True:
                with lock:
                    schema = None if failures else next(pending, None)
                if schema is None:
                    return
                started = time.perf_counter()
                try:
                    replayed = replay_schema(schema, replay)
                except Exception as error:  # noqa: BLE001 (reported below, after the others stop)
                    with lock:
                        failures.append((schema, f"{type(error).__name__}: {error}"))
                    return
                with lock:
                    (done if replayed else changed).append(schema)
                    if replayed and report:
                        report(schema, time.perf_counter() - started)
        finally:
            if own_connection:
                connection.close()

    if jobs <= 1 or len(schemas) <= 1:
        work(own_connection=False)
    else:
        threads = [threading.Thread(target=work, args=(True,)) for _ in range(min(jobs, len(schemas)))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    if failures:
        schema, error = failures[0]
        raise ReleaseFailed(schema, error, done)
    return done, changed


def _migrate_in_child(job: tuple[str, int]) -> tuple[str, float, str]:
    schema, verbosity = job
    started = time.perf_counter()
    try:
        migrate_schema(schema, verbosity)
    except Exception as error:  # noqa: BLE001 (reported to the parent, which stops the release)
        return schema, time.perf_counter() - started, f"{type(error).__name__}: {error}"
    return schema, time.perf_counter() - started, ""


class ReleaseFailed(Exception):
    def __init__(self, schema: str, error: str, done: list[str]):
        super().__init__(f"schema {schema!r} was not migrated (its transaction was rolled back): {error}")
        self.schema, self.error, self.done = schema, error, done


def migrate_schemas(
    schemas: list[str], *, jobs: int = 1, verbosity: int = 0, report: Callable[[str, float], None] | None = None
) -> list[str]:
    """Migrate `schemas`, each in its own transaction, `jobs` at a time; the schemas migrated. On the first
    failure, stops (schemas in flight in other processes are rolled back) and raises ReleaseFailed."""
    done: list[str] = []
    if jobs <= 1 or len(schemas) <= 1:
        for schema in schemas:
            started = time.perf_counter()
            try:
                migrate_schema(schema, verbosity)
            except Exception as error:
                raise ReleaseFailed(schema, f"{type(error).__name__}: {error}", done) from error
            done.append(schema)
            if report:
                report(schema, time.perf_counter() - started)
        return done
    connections.close_all()  # each forked process opens its own connection
    context = multiprocessing.get_context("fork")
    pool = context.Pool(processes=min(jobs, len(schemas)))
    try:
        for schema, seconds, error in pool.imap_unordered(_migrate_in_child, [(s, verbosity) for s in schemas]):
            if error:
                pool.terminate()  # a killed process's open transaction is rolled back by the server
                raise ReleaseFailed(schema, error, done)
            done.append(schema)
            if report:
                report(schema, seconds)
        pool.close()
    finally:
        pool.terminate()
        pool.join()
    return done


@dataclass
class Outcome:
    checked: int = 0
    migrated: list[str] = field(default_factory=list)
    replayed: list[str] = field(default_factory=list)  # of those migrated, the ones that replayed statements
    seconds_finding: float = 0.0


def _groups(behind: list[SchemaState]) -> list[tuple[str, list[str]]]:
    """The schemas behind, grouped by the migrations they record (so they have the same plan): the
    template's group first, with the template first in it."""
    groups: dict[tuple[str, str], list[str]] = {}
    template = settings.TENANT_BASE_SCHEMA
    for state in sorted(behind, key=lambda state: state.schema != template):
        # A schema with no migrations recorded is a group of its own: nothing vouches for its tables.
        groups.setdefault((state.fingerprint, "" if state.fingerprint else state.schema), []).append(state.schema)
    return [(fingerprint, schemas) for (fingerprint, _), schemas in groups.items()]


def migrate_group(
    fingerprint: str, schemas: list[str], *, jobs: int = 1, verbosity: int = 0, report=None
) -> tuple[list[str], list[str]]:
    """Schemas that record the same migrations: the first migrated by Django, the others replaying its
    statements when its plan is statements only, else migrated by Django too. Returns the schemas migrated
    and, of those, the ones that replayed."""
    first, others = schemas[0], schemas[1:]
    started = time.perf_counter()
    try:
        replay = migrate_schema(first, verbosity, fingerprint=fingerprint if others and fingerprint else None)
    except Exception as error:
        raise ReleaseFailed(first, f"{type(error).__name__}: {error}", []) from error
    if report:
        report(first, time.perf_counter() - started)
    try:
        if replay is None:
            return [first, *migrate_schemas(others, jobs=jobs, verbosity=verbosity, report=report)], []
        replayed, _changed = replay_schemas(others, replay, jobs=jobs, report=report)  # changed: the next pass
    except ReleaseFailed as failure:
        raise ReleaseFailed(failure.schema, failure.error, [first, *failure.done]) from failure
    return [first, *replayed], replayed


def release(
    *, jobs: int = 1, verbosity: int = 0, schemas: list[str] | None = None, report=None, passes: int = 3
) -> Outcome:
    """Migrate the template, then every organisation schema that is behind. The search is repeated (up to
    `passes` times) so an organisation cloned from the template while it was being migrated is caught."""
    outcome = Outcome()
    expected = migrations_on_disk()
    for _ in range(passes):
        started = time.perf_counter()
        candidates = tenant_schemas() if schemas is None else schemas
        behind = [state for state in schema_states(candidates, expected).values() if state.missing]
        outcome.seconds_finding += time.perf_counter() - started
        outcome.checked = max(outcome.checked, len(candidates))
        if not behind:
            break
        for fingerprint, group in _groups(behind):
            try:
                migrated, replayed = migrate_group(fingerprint, group, jobs=jobs, verbosity=verbosity, report=report)
            except ReleaseFailed as failure:
                raise ReleaseFailed(failure.schema, failure.error, [*outcome.migrated, *failure.done]) from failure
            outcome.migrated += migrated
            outcome.replayed += replayed
    return outcome

"""A new organisation's schema is an exact, independent copy of the migrated template."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django_tenants.utils import schema_context

from tenants.services import schema_clone

TEMPLATE = settings.TENANT_BASE_SCHEMA
CLONE = "clone_under_test"


def rows(sql: str, params: list) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def layout(schema: str) -> dict[str, list[tuple]]:
    """Everything that makes up a schema's tables, with the schema's own name written as <schema>."""

    def normalised(items):
        return sorted(tuple(str(value).replace(f"{schema}.", "<schema>.") for value in item) for item in items)

    return {
        "columns": normalised(
            rows(
                "SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull, a.attidentity, "
                "a.attgenerated, pg_get_expr(d.adbin, d.adrelid) FROM pg_attribute a "
                "JOIN pg_class c ON c.oid = a.attrelid LEFT JOIN pg_attrdef d ON d.adrelid = c.oid AND d.adnum = a.attnum "
                "WHERE c.relnamespace = to_regnamespace(%s) AND c.relkind = 'r' AND a.attnum > 0 AND NOT a.attisdropped",
                [schema],
            )
        ),
        "constraints": normalised(
            rows(
                "SELECT c.relname, k.conname, k.contype, pg_get_constraintdef(k.oid) FROM pg_constraint k "
                "JOIN pg_class c ON c.oid = k.conrelid WHERE c.relnamespace = to_regnamespace(%s) AND k.contype <> 'n'",
                [schema],
            )
        ),
        "indexes": normalised(
            rows("SELECT tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = %s", [schema])
        ),
        "sequences": normalised(
            rows("SELECT sequencename, data_type, increment_by FROM pg_sequences WHERE schemaname = %s", [schema])
        ),
    }


@pytest.fixture
def clone(db):
    schema_clone(source=TEMPLATE, target=CLONE)
    return CLONE


def test_a_clone_has_the_templates_tables_constraints_and_indexes_under_the_same_names(clone):
    template, copy = layout(TEMPLATE), layout(clone)
    assert len(template["columns"]) > 100 and len(template["indexes"]) > 50  # the template is really there
    for part in ("columns", "constraints", "indexes", "sequences"):
        assert copy[part] == template[part], part


def test_a_clones_foreign_keys_point_into_the_clone_or_at_shared_tables(clone):
    targets = rows(
        "SELECT DISTINCT fn.nspname FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid "
        "JOIN pg_class fc ON fc.oid = k.confrelid JOIN pg_namespace fn ON fn.oid = fc.relnamespace "
        "WHERE c.relnamespace = to_regnamespace(%s) AND k.contype = 'f'",
        [clone],
    )
    assert {schema for (schema,) in targets} == {clone, "public"}


def test_a_clone_is_exactly_as_migrated_as_the_template(clone):
    migrations = "SELECT app, name FROM {}.django_migrations ORDER BY id"
    assert rows(migrations.format(CLONE), []) == rows(migrations.format(TEMPLATE), [])
    with schema_context(clone):
        executor = MigrationExecutor(connection)
        assert executor.migration_plan(executor.loader.graph.leaf_nodes()) == []


def test_a_clones_identities_continue_after_the_copied_rows_and_are_its_own(clone):
    ((last,),) = rows(f"SELECT max(id) FROM {TEMPLATE}.django_migrations", [])
    ((new,),) = rows(
        f"INSERT INTO {CLONE}.django_migrations (app, name, applied) VALUES ('x', 'y', now()) RETURNING id", []
    )
    assert new == last + 1
    assert rows(f"SELECT max(id) FROM {TEMPLATE}.django_migrations", []) == [(last,)]

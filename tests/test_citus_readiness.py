"""The schema stays ready for Citus schema-based sharding (docs/DEPLOY.md, "Past one database server").

With schema-based sharding each organisation's schema lives whole on one worker node, and the shared
tables that tenant tables point at are replicated to every node as reference tables. That works only if
  - a tenant table points only at its own schema or at a shared table that can become a reference table
    (small, replicated everywhere: users, organisations, memberships, the coaches' availability slots);
  - a reference table points only at other reference tables;
  - no shared table points into a tenant schema, and no tenant schema into another.
These tests read the rule off the models' foreign keys (what the next migration will create) and off the
database catalogue (what the migrations did create, in the template and in real organisation schemas).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import pytest
from django.apps import apps
from django.conf import settings
from django.db import OperationalError, connection, transaction

from portal import citus
from tenants.models import Organisation

PUBLIC = "public"
TENANT = "tenant"  # any organisation schema, when reading the models


def reference_tables() -> frozenset[str]:
    """The shared tables that can become Citus reference tables (the migrations make exactly these so)."""
    slot = apps.get_model("availability.Slot")
    return frozenset(
        [
            *(
                apps.get_model(label)._meta.db_table
                for label in (
                    settings.AUTH_USER_MODEL,
                    "tenants.Organisation",
                    "tenants.Membership",
                    "tenants.Invitation",
                )
            ),
            slot._meta.db_table,
            slot.organisations.through._meta.db_table,
        ]
    )


@dataclass(frozen=True)
class ForeignKey:
    source_schema: str  # "public", or an organisation's schema ("tenant" when read off the models)
    source_table: str
    target_schema: str
    target_table: str
    name: str  # the field or the constraint, for the message


def violations(keys: list[ForeignKey], references: frozenset[str]) -> list[str]:
    """Every foreign key that would stop an organisation's schema from moving to a worker node."""
    problems = []
    for key in keys:
        where = f"{key.source_schema}.{key.source_table} ({key.name}) -> {key.target_schema}.{key.target_table}"
        if key.source_schema == PUBLIC and key.target_schema != PUBLIC:
            problems.append(f"a shared table points into a tenant schema: {where}")
        elif key.source_schema != PUBLIC and key.target_schema not in (PUBLIC, key.source_schema):
            problems.append(f"a tenant schema points into another one: {where}")
        elif key.source_schema != PUBLIC and key.target_schema == PUBLIC and key.target_table not in references:
            problems.append(f"a tenant table points at a shared table that cannot be a reference table: {where}")
        elif key.source_schema == PUBLIC and key.source_table in references and key.target_table not in references:
            problems.append(f"a reference table points at a table that is not one: {where}")
    return problems


def _side(model) -> str:
    name = model._meta.app_config.name
    return PUBLIC if name in settings.SHARED_APPS else TENANT


def keys_from_models() -> list[ForeignKey]:
    """Foreign keys as the models declare them, M2M link tables included."""
    keys = []
    for model in apps.get_models(include_auto_created=True):
        for field in model._meta.local_fields:
            if field.is_relation and field.db_constraint is not False and field.related_model is not None:
                target = field.related_model
                keys.append(
                    ForeignKey(
                        _side(model),
                        model._meta.db_table,
                        _side(target),
                        target._meta.db_table,
                        f"{model.__name__}.{field.name}",
                    )
                )
    return keys


CATALOGUE_KEYS = """
    SELECT source_ns.nspname, source.relname, target_ns.nspname, target.relname, con.conname
    FROM pg_constraint con
    JOIN pg_class source ON source.oid = con.conrelid
    JOIN pg_namespace source_ns ON source_ns.oid = source.relnamespace
    JOIN pg_class target ON target.oid = con.confrelid
    JOIN pg_namespace target_ns ON target_ns.oid = target.relnamespace
    WHERE con.contype = 'f' AND (source_ns.nspname = ANY(%s) OR target_ns.nspname = ANY(%s))
"""


def keys_from_catalogue(schemas: list[str]) -> list[ForeignKey]:
    with connection.cursor() as cursor:
        cursor.execute(CATALOGUE_KEYS, [schemas, schemas])
        return [ForeignKey(*row) for row in cursor.fetchall()]


# --- the rule itself --------------------------------------------------------------------------------


def test_the_rule_refuses_each_kind_of_key_that_would_block_sharding():
    references = frozenset({"tenants_user", "tenants_organisation"})
    keys = [
        ForeignKey("acme", "programmes_session", "public", "django_content_type", "a"),
        ForeignKey("public", "tenants_platformevent", "acme", "programmes_session", "b"),
        ForeignKey("acme", "programmes_enrolment", "globex", "programmes_cohort", "c"),
        ForeignKey("public", "tenants_organisation", "public", "django_content_type", "d"),
    ]
    problems = violations(keys, references)
    assert len(problems) == 4
    assert "cannot be a reference table" in problems[0] and "django_content_type" in problems[0]
    assert "points into a tenant schema" in problems[1]
    assert "into another one" in problems[2]
    assert "reference table points at a table that is not one" in problems[3]


def test_the_rule_lets_tenant_tables_point_at_their_own_schema_and_at_reference_tables():
    references = frozenset({"tenants_user"})
    keys = [
        ForeignKey("acme", "programmes_enrolment", "acme", "programmes_cohort", "a"),
        ForeignKey("acme", "programmes_enrolment", "public", "tenants_user", "b"),
        ForeignKey("public", "authtoken_token", "public", "tenants_user", "c"),  # local -> reference
        ForeignKey("public", "django_session", "public", "django_content_type", "d"),  # local -> local
    ]
    assert violations(keys, references) == []


# --- the portal -------------------------------------------------------------------------------------


def test_the_models_foreign_keys_keep_every_organisation_schema_shardable():
    keys = keys_from_models()
    assert any(key.source_schema == TENANT and key.target_schema == PUBLIC for key in keys)  # it looked
    assert violations(keys, reference_tables()) == []


def test_the_database_catalogue_keeps_every_organisation_schema_shardable(world):
    schemas = [settings.TENANT_BASE_SCHEMA] + list(
        Organisation.objects.exclude(schema_name=PUBLIC).values_list("schema_name", flat=True)
    )
    keys = keys_from_catalogue([PUBLIC] + schemas)
    looked_at = {key.source_schema for key in keys}
    assert {"acme", "globex", settings.TENANT_BASE_SCHEMA} <= looked_at
    assert violations(keys, reference_tables()) == []


def test_reference_tables_use_big_integer_keys_so_worker_nodes_can_insert():
    # Citus hands each node its own range of a sequence only for bigint sequences.
    for label in (settings.AUTH_USER_MODEL, "tenants.Organisation", "tenants.Membership", "availability.Slot"):
        assert apps.get_model(label)._meta.pk.get_internal_type() == "BigAutoField", label


def test_the_migrations_make_exactly_the_reference_tables_the_rule_allows():
    assert frozenset(citus.REFERENCE_TABLES) == reference_tables()


# --- with and without Citus (portal/citus.py) ----------------------------------------------------------


@pytest.fixture
def on_citus(db):
    if not citus.present():
        pytest.skip("needs a Citus coordinator: `make citus-check` runs this file on one")


@pytest.fixture
def without_citus(db):
    if citus.present():
        pytest.skip("this database has Citus")


def test_without_citus_organisations_stay_plain_schemas_and_slot_locks_still_work(world, without_citus):
    assert citus.schema_distribute("acme") is False
    assert citus.sequences_past_keys("acme") >= 1  # the template's copied rows (its migration records)
    with transaction.atomic():
        citus.lock_slots([3, 1, 2, None, 1])
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()")
            assert cursor.fetchone()[0] == 3  # one per slot, held until the transaction ends


def test_an_ordinary_database_error_is_not_taken_for_a_node_being_down(db):
    with pytest.raises(OperationalError) as raised, transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL statement_timeout = 1")
        cursor.execute("SELECT pg_sleep(1)")
    assert not citus.node_unavailable(raised.value)


def test_on_citus_organisations_are_distributed_schemas_spread_over_the_workers(world, on_citus):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT DISTINCT s.schema_name::text, sh.nodeport FROM citus_schemas s "
            "JOIN citus_shards sh ON sh.colocation_id = s.colocation_id"
        )
        nodes = dict(cursor.fetchall())
        cursor.execute("SELECT logicalrelid::text FROM pg_dist_partition WHERE repmodel = 't'")
        reference = {name for (name,) in cursor.fetchall()}
        cursor.execute(
            "SELECT count(*) FROM pg_dist_partition p JOIN pg_class c ON c.oid = p.logicalrelid "
            "WHERE c.relnamespace = %s::regnamespace",
            [settings.TENANT_BASE_SCHEMA],
        )
        template_tables_known = cursor.fetchone()[0]
    assert nodes["acme"] != nodes["globex"]  # the booking race runs across two workers
    assert reference == set(citus.REFERENCE_TABLES)
    assert template_tables_known == 0


def test_on_citus_key_sequences_of_distributed_schemas_are_past_their_rows(world, on_citus):
    with connection.cursor() as cursor:
        cursor.execute("SELECT max(id) FROM acme.django_migrations")
        highest = cursor.fetchone()[0]
        cursor.execute("SELECT last_value FROM acme.django_migrations_id_seq")
        assert cursor.fetchone()[0] >= highest


def _node_down_error():
    """The error Citus raises when the worker holding the organisation's schema does not answer, as Django
    hands it to the middleware (the driver's error as the cause)."""
    from psycopg import errors as pg_errors

    cause = pg_errors.ConnectionFailure(
        "connection to the remote node postgres@127.0.0.1:9703 failed with the following error: Connection refused"
    )
    error = OperationalError(str(cause))
    error.__cause__ = cause
    return error


@pytest.mark.parametrize("language", ["en", "nl"])
def test_a_node_that_cannot_be_reached_answers_503_with_retry_after_on_pages_and_the_api(db, rf, language):
    from django.utils import translation

    from portal.middleware import NodeUnavailableMiddleware

    middleware = NodeUnavailableMiddleware(lambda request: None)
    with translation.override(language):
        page = middleware.process_exception(rf.get("/sessions/"), _node_down_error())
        api = middleware.process_exception(rf.get("/api/v1/sessions/"), _node_down_error())
    assert page.status_code == api.status_code == 503
    assert page["Retry-After"] == api["Retry-After"] == "30"
    assert "no-store" in page["Cache-Control"]
    assert f'lang="{language}"'.encode() in page.content and b"503" in page.content
    if language == "en":
        assert b"Temporarily unavailable" in page.content
    assert json.loads(api.content)["code"] == "temporarily_unavailable"
    assert middleware.process_exception(rf.get("/"), OperationalError("server closed the connection")) is None

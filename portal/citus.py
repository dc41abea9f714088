"""Citus schema-based sharding, when the database has the extension (docs/DEPLOY.md, "Past one database server").

On plain PostgreSQL everything here does nothing. On a Citus coordinator:
  - the shared tables that organisation tables point at (a real foreign key, or a join through a
    reference without one) are reference tables, copied to every node: the migrations make them so
    (`ReferenceTables`), and `tests/test_citus_readiness.py` keeps the rule that nothing else is needed;
  - every other shared table, and the template schema, stay on the coordinator;
  - each organisation's schema is distributed whole to one worker (`schema_distribute`), right after
    provisioning clones it from the template, with its key sequences set past the rows it holds.
"""

from __future__ import annotations

from django.db import connection, migrations
from psycopg import errors as pg_errors

PUBLIC = "public"

# Which shared tables organisation tables reach: programmes_session.slot is a real foreign key to
# availability_slot (whose own keys point at organisations and users); every organisation table's user
# columns (db_constraint=False) are joined to tenants_user; memberships, invitations (a cohort's seats
# count its pending invitations) and the slots' offers are read together with organisation rows
# (availability migration 0005).
REFERENCE_TABLES = (
    "tenants_organisation",
    "tenants_user",
    "tenants_membership",
    "tenants_invitation",
    "availability_slot",
    "availability_slot_organisations",
)

# Advisory lock namespaces (the first key of pg_advisory_xact_lock(int, int)).
SLOT_LOCKS = 0x5107


def present(using=None) -> bool:
    """Whether the database has the Citus extension."""
    using = using or connection
    with using.cursor() as cursor:
        cursor.execute("SELECT EXISTS (SELECT FROM pg_extension WHERE extname = 'citus')")
        return cursor.fetchone()[0]


TABLES_STAY_PLAIN = "SET LOCAL citus.enable_local_reference_table_foreign_keys = off"


def tables_stay_plain(using=None) -> None:
    """Until the transaction ends, a foreign key from a plain table to a reference table leaves the table
    plain (Citus would otherwise adopt it, and every table linked to it, as a "Citus local table"). For
    the template and for a schema being cloned before it is distributed; nothing without Citus."""
    using = using or connection
    if present(using):
        with using.cursor() as cursor:
            cursor.execute(TABLES_STAY_PLAIN)


class ReferenceTables(migrations.operations.base.Operation):
    """Make shared tables Citus reference tables; nothing at all without Citus, or outside `public`.

    Citus makes the local tables that point at them (tokens, sign-in records...) local tables it knows
    about, still on the coordinator. Reversing makes them plain tables again.
    """

    reduces_to_sql = False
    reversible = True

    def __init__(self, *tables: str):
        self.tables = tables

    def deconstruct(self):
        return self.__class__.__name__, self.tables, {}

    def state_forwards(self, app_label, state):
        pass

    def _applies(self, schema_editor) -> bool:
        return getattr(schema_editor.connection, "schema_name", PUBLIC) == PUBLIC and present(schema_editor.connection)

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if not self._applies(schema_editor):
            return
        with schema_editor.connection.cursor() as cursor:
            for table in self.tables:
                cursor.execute(
                    # A table already adopted as a Citus local table (it points at one made reference
                    # before it) becomes a reference table too.
                    "SELECT create_reference_table(%s) WHERE NOT EXISTS "
                    "(SELECT FROM pg_dist_partition WHERE logicalrelid = to_regclass(%s) AND repmodel = 't')",
                    [table, table],
                )

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if not self._applies(schema_editor):
            return
        with schema_editor.connection.cursor() as cursor:
            for table in reversed(self.tables):
                cursor.execute(
                    "SELECT undistribute_table(%s, cascade_via_foreign_keys => true) WHERE EXISTS "
                    "(SELECT FROM pg_dist_partition WHERE logicalrelid = to_regclass(%s))",
                    [table, table],
                )

    def describe(self):
        return f"Citus reference tables (only with Citus): {', '.join(self.tables)}"


def schema_distribute(schema: str) -> bool:
    """Distribute an organisation's schema to a worker, if the database has Citus; whether it did.

    Citus moves each table to a single shard on one worker (organisations are spread over the workers)
    and re-creates the foreign keys. The tables' key sequences would then start again at 1 and collide
    with the rows already there, so they are set past the highest key of each table.
    """
    if not present():
        return False
    with connection.cursor() as cursor:
        # Rows just copied into the schema leave deferred foreign-key checks pending, and no table with
        # pending checks can be altered: check this schema's now (the rest of the transaction keeps
        # its deferred checks; Citus re-creates these keys, deferred as before).
        cursor.execute(
            "SELECT string_agg(format('%%I.%%I', n.nspname, k.conname), ', ') FROM pg_constraint k "
            "JOIN pg_namespace n ON n.oid = k.connamespace WHERE n.nspname = %s AND k.condeferrable",
            [schema],
        )
        (deferrable,) = cursor.fetchone()
        if deferrable:
            cursor.execute(f"SET CONSTRAINTS {deferrable} IMMEDIATE")
        cursor.execute(
            "SELECT citus_schema_distribute(%s::regnamespace) WHERE NOT EXISTS "
            "(SELECT FROM pg_dist_schema WHERE schemaid = %s::regnamespace)",
            [schema, schema],
        )
    sequences_past_keys(schema)
    return True


def sequences_past_keys(schema: str) -> int:
    """Set every identity (or serial) sequence of `schema`'s tables past the table's highest key; how many
    sequences were moved. A table without rows keeps its sequence as it is."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT quote_ident(c.relname), quote_ident(a.attname), pg_get_serial_sequence("
            "quote_ident(n.nspname) || '.' || quote_ident(c.relname), a.attname) "
            "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped "
            "WHERE n.nspname = %s AND c.relkind IN ('r', 'p') AND NOT c.relispartition "
            "AND pg_get_serial_sequence(quote_ident(n.nspname) || '.' || quote_ident(c.relname), a.attname) "
            "IS NOT NULL",
            [schema],
        )
        columns = cursor.fetchall()
        if not columns:
            return 0
        quoted = '"' + schema.replace('"', '""') + '"'
        cursor.execute(
            " UNION ALL ".join(
                f"SELECT %s, max({column}) FROM {quoted}.{table} HAVING max({column}) IS NOT NULL"
                for table, column, _sequence in columns
            ),
            [sequence for _table, _column, sequence in columns],
        )
        highest = cursor.fetchall()
        for sequence, key in highest:
            cursor.execute(
                "SELECT setval(%s, greatest(%s, (SELECT last_value FROM " + sequence + ")))", [sequence, key]
            )
        return len(highest)


def lock_slots(slot_ids) -> None:
    """Serialise work on these availability slots, in one order, before their rows are locked.

    A slot row is a reference table row on Citus: locking it locks its copy on every node, and two
    bookings of one slot from organisations on different workers could take those copies in different
    orders and end in a distributed deadlock. A transaction-level advisory lock on the coordinator makes
    the second booking wait for the first before it touches any copy; on plain PostgreSQL it is one more
    cheap lock in the same order as the row locks.
    """
    ids = sorted({int(slot_id) for slot_id in slot_ids if slot_id is not None})
    if not ids:
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(%s, (id %% 2147483647)::int) FROM unnest(%s::bigint[]) AS id ORDER BY id",
            [SLOT_LOCKS, ids],
        )


def node_unavailable(error: BaseException) -> bool:
    """Whether a database error says a Citus worker node cannot be reached (the organisation's schema
    lives there): the coordinator answers, the node behind it does not."""
    cause = error
    seen = 0
    while cause is not None and seen < 5:
        if isinstance(cause, pg_errors.Error):
            message = str(cause)
            sqlstate = getattr(cause, "sqlstate", None) or ""
            if "remote node" in message or (sqlstate.startswith("08") and "node" in message):
                return True
        cause, seen = cause.__cause__, seen + 1
    return False

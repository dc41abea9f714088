"""Statements PostgreSQL plans once: several querysets folded into one statement (`one_statement`), run
prepared in one or many organisations' schemas in one round trip (`run_in_schemas`, `run_prepared`). The
coach's workspace (programmes.selectors.coach), an employee's free times (programmes.availability.selectors)
and the reads kept across requests (portal.kept) use them."""

from __future__ import annotations

import functools
import hashlib
import weakref
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import connection
from django.db.models import QuerySet
from django_tenants.utils import get_public_schema_name


def one_statement(**parts: QuerySet) -> tuple[str, list]:
    """Fold several querysets into ONE statement whose columns are each part's rows as a JSON list.

    The querysets are built (and narrowed by the policy) as usual; only their execution is folded into
    one round trip, so that a page over many organisations costs the same per organisation whatever it
    shows (django-tenants adds a `SET search_path` before each statement on a tenant's schema).
    """
    selects, params = [], []
    for name, queryset in parts.items():
        sql, part_params = queryset.query.sql_with_params()
        selects.append(f"(SELECT COALESCE(json_agg(row_to_json(part)), '[]'::json) FROM ({sql}) part) AS {name}")
        params.extend(part_params)
    return "SELECT " + ", ".join(selects), params


# A statement is prepared once per database connection and organisation: PostgreSQL then plans it once
# instead of on every page view (planning the coach's workspace's 25 organisations' statements, or the rule
# behind an employee's free times, took longer than running them). A prepared statement belongs to the
# connection, so the names prepared are kept per connection; PREPARE is not undone by a rollback, so after
# a failed run the names are unknown and the next run deallocates the statements prepared here first.
# PostgreSQL plans a prepared statement again by itself when a table it reads changes, and parses it again
# under another search path (each name is used with one schema only). Pooling in session mode
# (docs/DEPLOY.md) keeps a connection's statements with it.
PREPARED_PREFIX = "portal_stmt_"
PREPARED_LIMIT = 1000  # per connection: an organisation's statements beyond it are deallocated, oldest first
_prepared: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # psycopg connection -> Prepared
_PARAMETER_TYPES = (
    (bool, "boolean"),
    (int, "bigint"),
    (float, "double precision"),
    (Decimal, "numeric"),
    (str, "text"),
    (datetime, "timestamptz"),
    (date, "date"),
    (timedelta, "interval"),
)


@dataclass
class Prepared:
    names: dict[tuple[str, str], str] = field(default_factory=dict)  # (digest, schema) -> name, oldest first
    count: int = 0
    unsure: bool = False


# A generic plan, made once: the values change with every view, the plan need not. A Citus coordinator
# cannot make a distributed plan of every statement with its values left open ("could not create
# distributed plan"), so there each run is planned with its values (still one round trip, still built once).
# Decided in the same round trip; `SET LOCAL` lasts until the statements' transaction ends.
_PLAN_MODE = (
    "DO $$BEGIN IF EXISTS (SELECT FROM pg_extension WHERE extname = 'citus') "
    "THEN SET LOCAL plan_cache_mode = force_custom_plan; "
    "ELSE SET LOCAL plan_cache_mode = force_generic_plan; END IF; END$$"
)


def _parameter_type(value) -> str:
    for kind, name in _PARAMETER_TYPES:
        if isinstance(value, kind):
            return name
    raise TypeError(f"no PostgreSQL type for a parameter of type {type(value).__name__}")


def _prepare(name: str, sql: str, types: str, count: int) -> str:
    """PREPARE `name` for `sql` with Django's placeholders, its `count` parameters of `types`."""
    body = sql % tuple(f"${index}" for index in range(1, count + 1))
    return f"PREPARE {name} ({types}) AS {body}" if count else f"PREPARE {name} AS {body}"


@functools.lru_cache(maxsize=1024)
def _digest(sql: str, types: str) -> str:
    return hashlib.sha256(f"{types}\n{sql}".encode()).hexdigest()


def _forget_all() -> str:
    pattern = PREPARED_PREFIX.replace("_", r"\_") + "%"
    return (
        "DO $$DECLARE statement_name text; BEGIN FOR statement_name IN SELECT name FROM pg_prepared_statements "
        f"WHERE name LIKE '{pattern}' LOOP EXECUTE format('DEALLOCATE %I', statement_name); END LOOP; END$$"
    )


def run_in_schemas(statements: list[tuple[str, tuple[str, list]]], names) -> list[dict[str, list[dict]]]:
    """Run each (schema, statement from `one_statement`) in its schema, all in ONE round trip (`run_prepared`).
    Returns each statement's row, in order."""
    return [dict(zip(names, rows[0])) for rows in run_prepared(statements)]


def run_prepared(statements: list[tuple[str, tuple[str, list]]]) -> list[list[tuple]]:
    """Run each (schema, (sql, params)) in its schema, all in ONE round trip: the statements go to the server
    as one text, each after a `SET search_path` to its schema, as django-tenants sets it, prepared once per
    connection and schema and then executed with this run's values (composed client-side). Returns each
    statement's rows, in order.

    The connection's search path is then the last schema's: django-tenants is told so when that is the
    path it would set itself, and told to set it again otherwise (with TENANT_LIMIT_SET_CALLS it would
    trust the path it set last).
    """
    if not statements:
        return []
    extra = [*getattr(settings, "PG_EXTRA_SEARCH_PATHS", [])]
    connection.ensure_connection()
    prepared = _prepared.setdefault(connection.connection, Prepared())
    known = {} if prepared.unsure else dict(prepared.names)
    parts = [_forget_all()] if prepared.unsure else []
    parts.append(_PLAN_MODE)
    values: dict[int, tuple[str, str]] = {}  # a statement built once runs in many organisations
    for schema, (sql, params) in statements:
        names = [schema, get_public_schema_name(), *extra]
        path = ", ".join(connection.ops.quote_name(name) for name in names)
        parts.append(f"SET search_path = {path}")
        if id(params) not in values:
            values[id(params)] = (
                ", ".join(_parameter_type(value) for value in params),
                connection.ops.compose_sql(", ".join(["%s"] * len(params)), params),
            )
        types, literals = values[id(params)]
        key = (_digest(sql, types), schema)
        name = known.pop(key, None)
        if name is None:
            prepared.count += 1
            name = f"{PREPARED_PREFIX}{prepared.count}"
            parts.append(_prepare(name, sql, types, len(params)))
        known[key] = name  # the most recently used last
        parts.append(f"EXECUTE {name} ({literals})" if params else f"EXECUTE {name}")
    while len(known) > PREPARED_LIMIT:
        parts.append(f"DEALLOCATE {known.pop(next(iter(known)))}")
    parts.append("SET LOCAL plan_cache_mode TO DEFAULT")
    rows = []
    try:
        with connection.cursor() as cursor:
            cursor.execute(";\n".join(parts))
            while True:
                if cursor.description:
                    rows.append(cursor.fetchall())
                if not cursor.nextset():
                    break
    except Exception:
        prepared.unsure = True
        raise
    finally:
        connection.search_path_set_schemas = None
    prepared.names, prepared.unsure = known, False
    if names == connection._get_cursor_search_paths():
        connection.search_path_set_schemas = names
    return rows

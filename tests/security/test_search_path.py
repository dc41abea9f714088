"""With TENANT_LIMIT_SET_CALLS django-tenants sets the search path once and trusts it until the organisation
changes. PostgreSQL undoes a `SET` with the transaction or savepoint that made it, so every rollback must make
the connection set it again; otherwise the next statement reads the organisation the database went back to
(django-tenants issue #1262). These tests make each rollback happen and read which schema answers."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.utils import timezone
from django_tenants.utils import schema_context

from programmes.models import Programme


class Undo(Exception):
    pass


def _marked(world):
    """A programme only in acme's schema: a read that finds it ran in acme."""
    with schema_context(world.acme.organisation.schema_name):
        today = timezone.localdate()
        Programme.objects.create(name="Only in Acme", starts_on=today, ends_on=today)


def _answering_schema() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT (current_schemas(false))[1]")
        return cursor.fetchone()[0]


def test_the_setting_is_on():
    assert settings.TENANT_LIMIT_SET_CALLS is True


def test_a_savepoint_rolled_back_after_a_switch_leaves_no_stale_search_path(world):
    _marked(world)
    acme, globex = world.acme.organisation, world.globex.organisation
    with transaction.atomic():
        connection.set_tenant(acme)
        assert Programme.objects.filter(name="Only in Acme").exists()  # SET acme, inside the transaction
        with pytest.raises(Undo), transaction.atomic():  # a savepoint
            connection.set_tenant(globex)
            assert not Programme.objects.filter(name="Only in Acme").exists()  # SET globex, after the savepoint
            connection.set_tenant(acme)
            Programme.objects.count()  # SET acme again: the connection believes acme
            connection.set_tenant(globex)
            Programme.objects.count()
            raise Undo
        # ROLLBACK TO SAVEPOINT put the database back on acme's path while the connection says globex.
        assert connection.schema_name == globex.schema_name
        assert not Programme.objects.filter(name="Only in Acme").exists()
        assert _answering_schema() == globex.schema_name
    connection.set_schema_to_public()


def test_a_failed_statement_in_a_savepoint_leaves_no_stale_search_path(world):
    _marked(world)
    acme, globex = world.acme.organisation, world.globex.organisation
    with transaction.atomic():
        connection.set_tenant(globex)
        Programme.objects.count()
        try:
            with transaction.atomic():
                connection.set_tenant(acme)
                Programme.objects.count()  # SET acme inside the savepoint
                with connection.cursor() as cursor:
                    cursor.execute("SELECT 1 / 0")
        except DatabaseError:
            pass
        assert connection.schema_name == acme.schema_name
        assert Programme.objects.filter(name="Only in Acme").exists()
        assert _answering_schema() == acme.schema_name
    connection.set_schema_to_public()


def test_a_rolled_back_transaction_leaves_no_stale_search_path(world):
    _marked(world)
    acme = world.acme.organisation
    connection.set_schema_to_public()
    connection.cursor().close()
    with pytest.raises(Undo), transaction.atomic():
        connection.set_tenant(acme)
        assert Programme.objects.filter(name="Only in Acme").exists()  # SET acme inside the transaction
        raise Undo
    # The test's own transaction wraps this one, so the rollback above was to a savepoint; the
    # connection must still read acme.
    assert Programme.objects.filter(name="Only in Acme").exists()
    assert _answering_schema() == acme.schema_name
    connection.set_schema_to_public()


def test_a_request_sets_the_search_path_once_per_schema(world, client_for):
    from django.test.utils import CaptureQueriesContext

    client = client_for(world.acme.hr, world.acme.host)
    client.get("/people/")
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/people/").status_code == 200
    paths = [query["sql"] for query in queries.captured_queries if query["sql"].startswith("SET search_path")]
    assert paths == [
        'SET search_path = "public"',
        f'SET search_path = "{world.acme.organisation.schema_name}","public"',
    ]
    assert len(queries.captured_queries) > len(paths) + 4

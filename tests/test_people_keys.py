"""An organisation's tables refer to people (tenants_user, shared) without a database-level foreign key.

With one key per reference in every organisation schema, PostgreSQL would keep about 90 triggers per
organisation on the users table: every new connection loads them all, every provisioning adds them (and
rereads them for each key added), and deleting a person takes a lock on every referring table of every
schema. People are never deleted while anything refers to them (erasure anonymises); see docs/DEPLOY.md.
"""

from django.apps import apps
from django.conf import settings
from django.db import connection

from tenants.models import Organisation, User

TENANT_APPS = set(settings.TENANT_APPS) - set(settings.SHARED_APPS)


def _keys_to_people(model):
    """Its keys to people; a many-to-many's keys are on its link table (also a model here)."""
    for field in model._meta.local_fields:
        if field.is_relation and field.related_model is User:
            yield field


def test_every_reference_to_a_person_from_an_organisation_table_has_no_database_constraint():
    checked = []
    for model in apps.get_models(include_auto_created=True):
        if model._meta.app_config.name not in TENANT_APPS:
            continue
        for field in _keys_to_people(model):
            checked.append(f"{model.__name__}.{field.name}")
            assert field.db_constraint is False, f"{model.__name__}.{field.name} would add a key to tenants_user"
    assert len(checked) > 40  # it looked


def test_no_organisation_schema_holds_a_key_to_the_users_table(world):
    schemas = [settings.TENANT_BASE_SCHEMA] + list(
        Organisation.objects.exclude(schema_name="public").values_list("schema_name", flat=True)
    )
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT source_ns.nspname, source.relname, con.conname FROM pg_constraint con
            JOIN pg_class source ON source.oid = con.conrelid
            JOIN pg_namespace source_ns ON source_ns.oid = source.relnamespace
            WHERE con.contype = 'f' AND con.confrelid = 'public.tenants_user'::regclass
              AND source_ns.nspname = ANY(%s)""",
            [schemas],
        )
        assert cursor.fetchall() == []
        # Each key to users puts its triggers on the users table: only the public schema's own may be there.
        cursor.execute(
            """
            SELECT count(*) FROM pg_trigger trigger
            JOIN pg_constraint con ON con.oid = trigger.tgconstraint
            JOIN pg_class source ON source.oid = con.conrelid
            JOIN pg_namespace source_ns ON source_ns.oid = source.relnamespace
            WHERE trigger.tgrelid = 'public.tenants_user'::regclass AND source_ns.nspname <> 'public'"""
        )
        assert cursor.fetchone()[0] == 0

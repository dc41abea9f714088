"""django-tenants' PostgreSQL backend, with a schema editor that also migrates a Citus cluster.

Citus refuses `ALTER TABLE ... ADD COLUMN` with an unnamed column constraint (Django's inline CHECK of a
positive integer field, for one) on the tables it knows: every constraint must have a name it can give
each shard. On a database with the Citus extension the added column's check gets the name Django gives
it when it alters a field; on plain PostgreSQL the SQL is exactly Django's.

In an organisation-side schema (the template, an organisation not distributed yet) a foreign key to a
reference table would make Citus adopt the table and everything linked to it as a "Citus local table",
and hand it back when a later migration drops that key, which it cannot do for tables with identity
columns: those schemas are migrated as plain PostgreSQL tables (their foreign keys to the reference
tables' coordinator copies are checked there; the template holds no rows that point at them).
"""

from __future__ import annotations

from django_tenants.postgresql_backend.base import DatabaseWrapper as TenantDatabaseWrapper

from portal import citus


class DatabaseSchemaEditor(TenantDatabaseWrapper.SchemaEditorClass):
    def __enter__(self):
        editor = super().__enter__()
        if getattr(self.connection, "schema_name", citus.PUBLIC) != citus.PUBLIC:
            citus.tables_stay_plain(self.connection)
        return editor

    def add_field(self, model, field):
        check = field.db_parameters(connection=self.connection)["check"]
        if not check or not citus.present(self.connection):
            return super().add_field(model, field)
        name = self._create_index_name(model._meta.db_table, [field.column], suffix="_check")
        inline = self.sql_check_constraint
        self.sql_check_constraint = f"CONSTRAINT {self.quote_name(name)} {inline}"
        try:
            return super().add_field(model, field)
        finally:
            self.sql_check_constraint = inline


class DatabaseWrapper(TenantDatabaseWrapper):
    SchemaEditorClass = DatabaseSchemaEditor

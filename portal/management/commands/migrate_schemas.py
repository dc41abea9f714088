"""`migrate_schemas` (and `migrate`) that also keep the template schema current.

New organisations are cloned from the template (settings.TENANT_BASE_SCHEMA), so every migration run
that touches tenant schemas migrates the template too.
"""

from django.conf import settings
from django_tenants.management.commands.migrate_schemas import MigrateSchemasCommand

from tenants.services import public_organisation_ensure, template_schema_ensure


class Command(MigrateSchemasCommand):
    def handle(self, *args, **options):
        super().handle(*args, **options)
        if options.get("schema_name") or options.get("shared"):
            return

        template_schema_ensure()
        public_organisation_ensure()
        if options.get("verbosity", 1) >= 1:
            self.stdout.write(f"Template schema {settings.TENANT_BASE_SCHEMA!r} is current.")

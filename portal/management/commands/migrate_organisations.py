"""The release step: migrate `public`, the template and only the organisation schemas that are behind.

    manage.py migrate_organisations            # the Procfile's release
    manage.py migrate_organisations --jobs 4   # schemas that are behind, four at a time
    manage.py migrate_organisations --check    # change nothing; exit 1 unless every schema is current

See portal/release.py. Each schema's pending migrations run in one transaction; stopped half way, the
next run carries on with the schemas still behind. It ends by checking that the template and every
organisation record the same applied migrations.
"""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django_tenants.utils import schema_exists

from portal import release


class Command(BaseCommand):
    help = "Migrate public, the template and the organisation schemas that are behind, one transaction each."

    def add_arguments(self, parser):
        parser.add_argument(
            "--jobs",
            type=int,
            default=getattr(settings, "TENANT_MULTIPROCESSING_MAX_PROCESSES", 2),
            help="organisation schemas migrated at the same time (default: TENANT_MULTIPROCESSING_MAX_PROCESSES, 2)",
        )
        parser.add_argument(
            "--check", action="store_true", help="change nothing; exit 1 unless every schema is current"
        )

    def handle(self, *args, jobs: int, check: bool, verbosity: int, **options):
        if jobs < 1:
            raise CommandError("--jobs must be 1 or more.")
        if check:
            self._check(verbosity)
            return
        started = release.time.perf_counter()
        if release.schemas_behind([release.PUBLIC]):
            self._migrate([release.PUBLIC], 1, verbosity)
        if not schema_exists(settings.TENANT_BASE_SCHEMA):
            with connection.cursor() as cursor:
                cursor.execute(f'CREATE SCHEMA "{settings.TENANT_BASE_SCHEMA}"')

        def report(schema: str, seconds: float) -> None:
            if verbosity >= 2:
                self.stdout.write(f"  {schema}: migrated in {seconds:.1f} s")

        try:
            outcome = release.release(jobs=jobs, verbosity=max(verbosity - 2, 0), report=report)
        except release.ReleaseFailed as failure:
            raise CommandError(
                f"{failure} {len(failure.done)} other schemas were migrated; run the release again after a fix "
                "and it carries on with the schemas still behind."
            ) from failure
        from tenants.services import public_organisation_ensure

        public_organisation_ensure()
        self._check(0)
        if verbosity >= 1:
            self.stdout.write(
                f"{outcome.checked} tenant schemas checked in {outcome.seconds_finding:.2f} s; "
                f"{len(outcome.migrated)} migrated ({len(outcome.replayed)} by replaying the statements of the "
                "first schema with the same migrations); all current "
                f"({release.time.perf_counter() - started:.1f} s)."
            )

    def _migrate(self, schemas, jobs, verbosity):
        try:
            release.migrate_schemas(schemas, jobs=jobs, verbosity=max(verbosity - 2, 0))
        except release.ReleaseFailed as failure:
            raise CommandError(str(failure)) from failure

    def _check(self, verbosity: int) -> None:
        problems = release.inconsistencies()
        if release.schemas_behind([release.PUBLIC]):
            problems.insert(0, "schema 'public' lacks migrations on disk")
        if problems:
            shown = problems[:20] + ([f"... and {len(problems) - 20} more"] if len(problems) > 20 else [])
            raise CommandError("Schemas are not current:\n" + "\n".join(shown))
        if verbosity >= 1:
            self.stdout.write("The template and every organisation record the same applied migrations.")

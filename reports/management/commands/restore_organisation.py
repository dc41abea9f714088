"""Bring an offboarded organisation back from its archive:

python manage.py restore_organisation acme-20260101-120000
python manage.py restore_organisation /path/to/acme-20260101-120000
"""

from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from reports.services import offboarding


class Command(BaseCommand):
    help = "Restore an organisation from an offboarding archive (its schema, public rows, accounts and files)."

    def add_arguments(self, parser):
        parser.add_argument("archive", help="The archive's name in OFFBOARDING_ARCHIVE_DIR, or its folder.")

    def handle(self, *args, archive: str, **options):
        path = Path(archive)
        if not path.is_dir():
            path = offboarding.archive_root() / archive
        if not (path / "platform.json").exists() or not (path / "schema.dump").exists():
            raise CommandError(f"{path} is not an offboarding archive (platform.json and schema.dump are missing).")
        try:
            organisation = offboarding.archive_restore(archive_path=path)
        except (ValidationError, offboarding.OffboardingError) as error:
            raise CommandError(" ".join(getattr(error, "messages", [str(error)]))) from None
        counts = offboarding.row_counts(organisation=organisation)
        self.stdout.write(
            f"{organisation.name} is back at {organisation.get_primary_domain().domain}: "
            f"{sum(counts.values()):,} rows in {len(counts)} tables."
        )

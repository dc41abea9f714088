"""Demo data: Acme Logistics (English) and Globex Zorg (Dutch). Idempotent; refused in production."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django_tenants.utils import tenant_context

from reports import disclosure
from tenants import demo


class Command(BaseCommand):
    help = "Load the demo organisations, people and coaching data (safe to run again)."

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="Run even in production settings (benchmarks, tests).")

    def handle(self, *args, **options):
        # Known passwords: never where real people sign in. The demo (`make run`) is not production,
        # whether DEBUG is on or off.
        if settings.PRODUCTION and not options["force"]:
            raise CommandError("seed_demo loads known passwords and does not run in production.")
        with transaction.atomic():
            organisations = demo.seed_people()
        for organisation in organisations:
            with tenant_context(organisation), transaction.atomic():
                demo.seed_content(organisation)
                # HR's figures come from released cells; release the demo's now rather than tonight.
                disclosure.refresh(force=True)
        self.stdout.write(demo.SIGN_INS)

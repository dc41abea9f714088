"""Demo data: Acme Logistics (English) and Globex Zorg (Dutch). Idempotent; refused when DEBUG is off."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django_tenants.utils import tenant_context

from reports import disclosure
from tenants import demo


class Command(BaseCommand):
    help = "Load the demo organisations, people and coaching data (safe to run again)."

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="Run even with DEBUG off (benchmarks, tests).")

    def handle(self, *args, **options):
        if not settings.DEBUG and not options["force"]:
            raise CommandError("seed_demo loads known passwords and runs only with DEBUG on.")
        with transaction.atomic():
            organisations = demo.seed_people()
        for organisation in organisations:
            with tenant_context(organisation), transaction.atomic():
                demo.seed_content(organisation)
                # HR's figures come from released cells; release the demo's now rather than tonight.
                disclosure.refresh(force=True)
        self.stdout.write(demo.SIGN_INS)

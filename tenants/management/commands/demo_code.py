"""The current two-factor code of the demo's coach and platform staff (their published demo key)."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from tenants.demo_totp import demo_code


class Command(BaseCommand):
    help = "Print the code the demo coach and platform staff enter after their password (changes every 30 s)."

    def handle(self, *args, **options):
        if settings.PRODUCTION:
            raise CommandError("demo_code belongs to the demo and does not run in production.")
        self.stdout.write(demo_code())

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from tenants.services import organisation_create, organisation_url


class Command(BaseCommand):
    help = "Provision an organisation and invite its first HR manager."

    def add_arguments(self, parser):
        parser.add_argument("--name", required=True)
        parser.add_argument("--slug", required=True)
        parser.add_argument("--hr-email", required=True)
        parser.add_argument("--language", default="en", choices=["en", "nl"])

    def handle(self, *args, **options):
        try:
            organisation = organisation_create(
                name=options["name"],
                slug=options["slug"],
                hr_email=options["hr_email"],
                default_language=options["language"],
            )
        except ValidationError as error:
            raise CommandError(
                "; ".join(f"{field}: {' '.join(msgs)}" for field, msgs in error.message_dict.items())
            ) from error
        self.stdout.write(self.style.SUCCESS(f"{organisation.name} is ready at {organisation_url(organisation)}"))

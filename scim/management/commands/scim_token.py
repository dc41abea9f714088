"""`manage.py scim_token create --organisation <slug> --name <name> [--days N]`: a SCIM token for the
organisation's HR system, printed once (only its digest is kept); `list` and `revoke <prefix>` too."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django_tenants.utils import tenant_context

from scim.models import ScimToken
from scim.tokens import scim_token_create, scim_token_revoke
from tenants.models import Organisation
from tenants.services import organisation_url


class Command(BaseCommand):
    help = "Make, list or revoke the SCIM tokens of an organisation (a new token is printed once)."

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True)
        create = actions.add_parser("create", help="Make a token and print it once.")
        create.add_argument("--organisation", required=True, help="The organisation's slug.")
        create.add_argument("--name", required=True, help="Which HR system uses the token.")
        create.add_argument("--days", type=int, default=None, help="Days until it expires (default 90).")
        listing = actions.add_parser("list", help="The organisation's tokens that are not revoked.")
        listing.add_argument("--organisation", required=True)
        revoke = actions.add_parser("revoke", help="Revoke a token by its prefix.")
        revoke.add_argument("--organisation", required=True)
        revoke.add_argument("prefix")

    def handle(self, *args, **options):
        organisation = Organisation.objects.exclude(schema_name="public").filter(slug=options["organisation"]).first()
        if organisation is None:
            raise CommandError(f"There is no organisation with the slug {options['organisation']!r}.")
        with tenant_context(organisation):
            getattr(self, f"_{options['action']}")(organisation, options)

    def _create(self, organisation, options):
        try:
            issued = scim_token_create(
                organisation=organisation, name=options["name"], created_by=None, expires_in_days=options["days"]
            )
        except ValidationError as error:
            raise CommandError(
                "; ".join(f"{field}: {' '.join(msgs)}" for field, msgs in error.message_dict.items())
            ) from error
        self.stdout.write(f"SCIM base URL: {organisation_url(organisation, '/scim/v2')}")
        self.stdout.write(f"Token (shown this once): {issued.raw}")
        self.stdout.write(f"Expires: {issued.token.expires_at:%-d %B %Y %H:%M} UTC")

    def _list(self, organisation, options):
        for token in ScimToken.objects.filter(revoked_at__isnull=True):
            used = f"{token.last_used_at:%-d %B %Y %H:%M}" if token.last_used_at else "never"
            self.stdout.write(f"{token.prefix}  {token.name}  expires {token.expires_at:%-d %B %Y}  last used {used}")

    def _revoke(self, organisation, options):
        token = ScimToken.objects.filter(prefix=options["prefix"], revoked_at__isnull=True).first()
        if token is None:
            raise CommandError(f"No open token with the prefix {options['prefix']!r}.")
        scim_token_revoke(organisation=organisation, token=token, acting_user=None)
        self.stdout.write(f"Revoked {token.prefix} ({token.name}).")

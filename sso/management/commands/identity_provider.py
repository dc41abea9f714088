"""`manage.py identity_provider add --organisation <slug> --name <name> (--oidc-discovery <url> --client-id <id>
--client-secret <secret> | --saml-metadata <file or url>) [--kind entra|okta|google|keycloak|generic]
[--domains a.example,b.example] [--jit] [--required --break-glass hr@a.example]`, `list [--organisation <slug>]`
and `rekey` (the stored client secrets encrypted again under the first SSO_ENCRYPTION_KEY).

Domains given here are approved at once: whoever runs the command operates the platform."""

from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from sso import encryption, saml_flow, services
from sso.models import IdentityProvider, Protocol, ProviderKind, SignInPolicy
from sso.views import oidc_redirect_uri
from tenants.models import Organisation, User


def _errors(error: ValidationError) -> str:
    if hasattr(error, "error_dict"):
        return "; ".join(f"{field}: {' '.join(messages)}" for field, messages in error.message_dict.items())
    return " ".join(error.messages)


class Command(BaseCommand):
    help = "Add or list an organisation's identity providers for single sign-on (docs/SSO.md)."

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True)
        add = actions.add_parser("add", help="Add an identity provider to an organisation.")
        add.add_argument("--organisation", required=True, help="The organisation's slug.")
        add.add_argument("--name", required=True, help='Shown as "Sign in with <name>".')
        add.add_argument("--kind", choices=ProviderKind.values, default=ProviderKind.GENERIC)
        protocol = add.add_mutually_exclusive_group(required=True)
        protocol.add_argument("--oidc-discovery", metavar="URL", help="OpenID Connect: the discovery URL.")
        protocol.add_argument("--saml-metadata", metavar="FILE_OR_URL", help="SAML 2.0: the IdP's metadata.")
        add.add_argument("--client-id", default="")
        add.add_argument("--client-secret", default="")
        add.add_argument("--domains", default="", help="Email domains, comma-separated, approved at once.")
        add.add_argument("--jit", action="store_true", help="Unknown people of those domains become employees.")
        add.add_argument("--required", action="store_true", help="Members must sign in through a provider.")
        add.add_argument("--break-glass", default="", help="HR managers' addresses, comma-separated.")
        listing = actions.add_parser("list", help="Every identity provider, or one organisation's.")
        listing.add_argument("--organisation", default="")
        actions.add_parser("rekey", help="Encrypt the stored client secrets again with the first configured key.")

    def handle(self, *args, **options):
        getattr(self, f"_{options['action']}")(options)

    def _organisation(self, slug: str) -> Organisation:
        organisation = Organisation.objects.exclude(schema_name="public").filter(slug=slug).first()
        if organisation is None:
            raise CommandError(f"There is no organisation with the slug {slug!r}.")
        return organisation

    def _add(self, options):
        organisation = self._organisation(options["organisation"])
        values = {"name": options["name"], "kind": options["kind"]}
        if options["oidc_discovery"]:
            values |= {
                "protocol": Protocol.OIDC,
                "discovery_url": options["oidc_discovery"],
                "client_id": options["client_id"],
            }
        else:
            values |= {"protocol": Protocol.SAML} | self._metadata(options["saml_metadata"])
        emails = [email.strip().lower() for email in options["break_glass"].split(",") if email.strip()]
        break_glass = list(User.objects.filter(email__in=emails))
        if len(break_glass) != len(set(emails)):
            raise CommandError("--break-glass: one of these addresses has no account.")
        domains = [domain for domain in options["domains"].split(",") if domain.strip()]
        try:
            with transaction.atomic():
                provider = services.identity_provider_create(
                    organisation=organisation, acting_user=None, client_secret=options["client_secret"], **values
                )
                for domain in domains:
                    claim = services.domain_claim_request(organisation=organisation, domain=domain, acting_user=None)
                    services.domain_claim_approve(claim=claim, acting_user=None)
                if options["jit"] or options["required"] or break_glass:
                    services.sign_in_policy_update(
                        organisation=organisation,
                        acting_user=None,
                        jit_people=options["jit"],
                        sso_required=options["required"],
                        break_glass=break_glass,
                    )
        except ValidationError as error:
            raise CommandError(_errors(error)) from error
        self.stdout.write(f"Added {provider.name} (id {provider.pk}) to {organisation.slug}.")
        if provider.protocol == Protocol.OIDC:
            self.stdout.write(f"Redirect URI to register at the provider: {oidc_redirect_uri(organisation)}")
        else:
            values = saml_flow.service_provider_values(provider)
            self.stdout.write(f"Entity ID to register at the provider: {values['entity_id']}")
            self.stdout.write(f"ACS URL (HTTP-POST): {values['acs_url']}; Name ID format: {values['name_id_format']}")

    def _metadata(self, source: str) -> dict:
        if source.startswith(("https://", "http://")):
            return {"saml_metadata_url": source}
        path = Path(source)
        if not path.is_file():
            raise CommandError(f"--saml-metadata: {source!r} is neither an address nor a file.")
        return {"saml_metadata_xml": path.read_text(encoding="utf-8")}

    def _list(self, options):
        providers = IdentityProvider.objects.select_related("organisation").order_by("organisation__slug", "name")
        if options["organisation"]:
            providers = providers.filter(organisation=self._organisation(options["organisation"]))
        policies = {row.organisation_id: row for row in SignInPolicy.objects.all()}
        for provider in providers:
            row = policies.get(provider.organisation_id)
            flags = [
                "enabled" if provider.enabled else "disabled",
                *(["jit"] if row and row.jit_people else []),
                *(["required"] if row and row.sso_required else []),
            ]
            where = provider.discovery_url or provider.saml_metadata_url or "metadata uploaded"
            self.stdout.write(
                f"{provider.pk}  {provider.organisation.slug}  {provider.name}  {provider.protocol}  "
                f"{provider.kind}  {where}  {' '.join(flags)}"
            )

    def _rekey(self, options):
        count = 0
        with transaction.atomic():
            for provider in IdentityProvider.objects.select_for_update().exclude(client_secret_encrypted=""):
                provider.client_secret_encrypted = encryption.reencrypt(provider.client_secret_encrypted)
                provider.save(update_fields=["client_secret_encrypted"])
                count += 1
        self.stdout.write(f"Encrypted {count} client secret(s) again.")

"""SAML in the test world: each organisation has a SAML identity provider, switched off (so sign-in pages and
routing stay as they are) but with its service-provider metadata served, as while HR sets one up. Its pk is
`org.people["saml_provider"]`. Tests that sign in through SAML make their own providers, with an IdP whose
key they hold (tests/sso/saml_idp.py)."""

from __future__ import annotations

from sso import services
from sso.models import IdentityProvider, Protocol
from tests.sso.saml_idp import SamlIdp

NAME = "SAML set-up"


def saml_world(world) -> None:
    idp = None
    for org in (world.acme, world.globex):
        provider = IdentityProvider.objects.filter(organisation=org.organisation, name=NAME).first()
        if provider is None:
            idp = idp or SamlIdp(entity_id="https://idp.world.test/saml")
            provider = services.identity_provider_create(
                organisation=org.organisation,
                acting_user=org.hr,
                name=NAME,
                protocol=Protocol.SAML,
                enabled=False,
                saml_metadata_xml=idp.metadata_xml,
            )
        org.people["saml_provider"] = provider.pk

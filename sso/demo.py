"""The demo's single sign-on: Acme has a SAML provider being set up (switched off, as HR leaves it until the
identity provider is ready), so `make run` shows HR the values to enter at the provider. Its metadata names
an identity provider that does not exist, with a certificate made here whose key is thrown away."""

from __future__ import annotations

import base64
import datetime

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from sso import services
from sso.models import IdentityProvider, Protocol, ProviderKind
from tenants.models import Organisation

ORGANISATION = "acme"
NAME = "Acme Entra ID (SAML)"
ENTITY_ID = "https://login.example.com/acme-demo/saml"
METADATA = """<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata"
    xmlns:ds="http://www.w3.org/2000/09/xmldsig#" entityID="{entity_id}">
  <md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
    <md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data>
      <ds:X509Certificate>{certificate}</ds:X509Certificate>
    </ds:X509Data></ds:KeyInfo></md:KeyDescriptor>
    <md:NameIDFormat>urn:oasis:names:tc:SAML:2.0:nameid-format:persistent</md:NameIDFormat>
    <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect"
        Location="{entity_id}/sso"/>
  </md:IDPSSODescriptor>
</md:EntityDescriptor>
"""


def _certificate() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Demo identity provider")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + datetime.timedelta(days=365))
        .sign(key, hashes.SHA256())
    )
    return base64.b64encode(certificate.public_bytes(serialization.Encoding.DER)).decode()


def seed(organisation: Organisation) -> None:
    if organisation.slug != ORGANISATION:
        return
    if IdentityProvider.objects.filter(organisation=organisation, name=NAME).exists():
        return
    services.identity_provider_create(
        organisation=organisation,
        acting_user=None,
        name=NAME,
        kind=ProviderKind.ENTRA,
        protocol=Protocol.SAML,
        enabled=False,
        saml_metadata_xml=METADATA.format(entity_id=ENTITY_ID, certificate=_certificate()),
    )

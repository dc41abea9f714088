"""A SAML 2.0 sign-in through one of an organisation's identity providers, on the organisation's host.

- The portal's service-provider entity id is its metadata address, `/login/sso/<provider>/saml/metadata/`
  on the organisation's primary host, and the ACS is `/login/sso/<provider>/saml/acs/` beside it: stable
  while the provider exists, made from PORTAL_SCHEME and PORTAL_PORT (never from the request), and different
  for every provider of every organisation, so an answer made for one is refused at all the others.
- The start keeps the AuthnRequest's id in this host's session, among the sign-ins the browser has under
  way (`sso.oidc.flow_take`, single use, SSO_FLOW_MAX_AGE_SECONDS); the ACS takes it back by the answer's
  InResponseTo, and sso.saml holds the verified answer to it.
- Replay: a verified assertion's (issuer, id) is written to SpentAssertion under a unique constraint before
  anyone is signed in, and kept until the assertion expires; a second use is refused.
- Email verified: SAML has no such statement. An address counts as verified only when its domain is one the
  organisation has claimed and platform staff approved (sso.models.DomainClaim): for its own domains an
  organisation's provider is the authority on who holds an address, for any other address it is not (a
  provider's admin could type anyone's). So a first sign-in links to an existing member, or makes a
  just-in-time person, only for addresses in the organisation's approved domains; an identity already linked
  signs in whatever its address.
"""

from __future__ import annotations

import dataclasses
import time
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone

from sso import oidc, saml
from sso.identity import Claims
from sso.models import DomainClaim, IdentityProvider, Protocol, SpentAssertion
from tenants.services import organisation_url

NAMEID_EMAIL = "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress"


def metadata_path(provider: IdentityProvider) -> str:
    return f"/login/sso/{provider.pk}/saml/metadata/"


def acs_path(provider: IdentityProvider) -> str:
    return f"/login/sso/{provider.pk}/saml/acs/"


def service_provider(provider: IdentityProvider) -> saml.ServiceProvider:
    organisation = provider.organisation
    return saml.ServiceProvider(
        entity_id=organisation_url(organisation, metadata_path(provider)),
        acs_url=organisation_url(organisation, acs_path(provider)),
        idp_metadata_xml=provider.saml_metadata_xml,
    )


def sign_in_url(request: HttpRequest, provider: IdentityProvider) -> str:
    """Where to send the browser: the provider's single sign-on address with a new AuthnRequest, whose id
    this host's session keeps."""
    if not provider.saml_metadata_xml:
        raise saml.Refused("malformed")
    request_id, url = saml.authn_request(service_provider(provider))
    flows = request.session.get(oidc.FLOWS_KEY, {})
    flows = dict(sorted(flows.items(), key=lambda item: item[1]["at"])[-(oidc.FLOWS_KEPT - 1) :])
    flows[request_id] = {"provider": provider.pk, "protocol": Protocol.SAML, "at": int(time.time())}
    request.session[oidc.FLOWS_KEY] = flows
    return url


def claims_from_response(request: HttpRequest, provider: IdentityProvider, saml_response: str) -> Claims:
    """The Claims of a POSTed SAMLResponse answering a request this browser started for `provider`;
    saml.Refused (or the flow's own refusal) otherwise, the assertion spent either way once verified."""
    request_id = saml.in_response_to(saml_response)
    flow = oidc.flow_take(request, request_id)
    if flow.get("protocol") != Protocol.SAML or flow.get("provider") != provider.pk:
        raise saml.Refused("request")
    assertion = saml.response_verify(service_provider(provider), saml_response, request_id=request_id)
    assertion_spend(assertion)
    return claims_of(provider, assertion)


def assertion_spend(assertion: saml.Assertion) -> None:
    """Record the assertion as used (until it expires, with the clock skew); saml.Refused("replayed") if it
    was already."""
    now = timezone.now()
    SpentAssertion.objects.filter(expires_at__lt=now).delete()
    skew = timedelta(seconds=settings.SAML_CLOCK_SKEW_SECONDS)
    try:
        with transaction.atomic():
            SpentAssertion.objects.create(
                issuer=assertion.issuer,
                assertion_id=assertion.assertion_id,
                expires_at=max(assertion.not_on_or_after, now) + skew,
            )
    except IntegrityError:
        raise saml.Refused("replayed") from None


def claims_of(provider: IdentityProvider, assertion: saml.Assertion) -> Claims:
    """The assertion read through the provider's attribute map; an email-address NameID stands in for a
    missing email attribute; verified as the module says."""
    claims = Claims.mapped(
        issuer=assertion.issuer,
        subject=assertion.subject,
        values=assertion.attributes,
        attribute_map=provider.attributes(),
        email_verified=False,
    )
    email = claims.email or (assertion.subject.strip().lower() if assertion.subject_format == NAMEID_EMAIL else "")
    return dataclasses.replace(claims, email=email, email_verified=email_trusted(provider, email))


def email_trusted(provider: IdentityProvider, email: str) -> bool:
    domain = email.rsplit("@", 1)[-1] if "@" in email else ""
    return bool(domain) and (
        DomainClaim.objects.filter(
            organisation_id=provider.organisation_id, domain=domain, approved_at__isnull=False
        ).exists()
    )


def metadata_resolve(*, xml: str | bytes = "", url: str = "") -> tuple[str, str]:
    """IdP metadata given as XML (an upload) or an address (fetched through the outbound guard), checked:
    (the XML, the provider's entity id). saml.MetadataError says what is wrong."""
    if url and not xml:
        xml = saml.idp_metadata_fetch(url)
    if isinstance(xml, bytes):
        xml = xml.decode("utf-8", errors="replace")
    return xml, saml.idp_metadata_read(xml).entity_id


def service_provider_values(provider: IdentityProvider) -> dict[str, str]:
    """What HR enters at the identity provider (templates/sso/saml_service_provider.html, docs/SSO.md)."""
    sp = service_provider(provider)
    return {
        "entity_id": sp.entity_id,
        "acs_url": sp.acs_url,
        "sign_on_url": organisation_url(provider.organisation, f"/login/sso/{provider.pk}/"),
        "metadata_url": sp.entity_id,
        "name_id_format": saml.NAMEID_FORMAT_PERSISTENT,
    }

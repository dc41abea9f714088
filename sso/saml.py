"""SAML 2.0 for an organisation's identity provider: the portal as a service provider, built on pysaml2.

One identity provider of one organisation is one service provider here: its own entity id and Assertion
Consumer Service (ACS) address on the organisation's host (`ServiceProvider`), so an answer made for one
organisation's provider can never be spent at another's.

What an answer (a `<samlp:Response>` POSTed to the ACS) must be, all of it checked before anyone is signed in:
- pysaml2 verifies every signature with xmlsec1 against the certificates of the provider's metadata only
  (never a certificate carried inside the answer), and requires the enveloped-signature profile: one
  Reference, pointing at the element that holds the signature. No signature is ever read here by hand.
- The assertion itself must be signed: a signed response around an unsigned assertion is refused, because
  the assertion is what is kept and relied on (and Entra ID, Okta, Google Workspace and Keycloak can all sign
  it). SHA-1 signatures and digests are refused.
- Exactly one assertion, not encrypted (the portal publishes no encryption key); the issuer of the response
  and of the assertion is the provider's entity id.
- Audience: the assertion names this service provider's entity id. Destination (on the response) and
  Recipient (on the bearer confirmation) are this ACS address exactly.
- Time: NotBefore / NotOnOrAfter of the conditions and of the bearer confirmation, with
  `SAML_CLOCK_SKEW_SECONDS` of tolerance either way.
- InResponseTo (response and bearer confirmation) is the id of the request this browser started, kept in
  its session by the caller: unsolicited (IdP-initiated) answers are refused.
- A persistent (or otherwise lasting) NameID: a transient one names nobody from one sign-in to the next.
- Replay: the caller spends the assertion's id (`sso.replay`) before it signs anyone in.

The attributes are read from the verified assertion by their SAML names (`Assertion.attributes`);
sso.saml_flow maps them to the portal's fields with the provider's attribute map.
"""

from __future__ import annotations

import base64
import calendar
import shutil
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT, samlp
from saml2.client import Saml2Client
from saml2.config import SPConfig
from saml2.mdstore import InMemoryMetaData
from saml2.metadata import entity_descriptor, metadata_tostring_fix
from saml2.response import StatusError, UnsolicitedResponse, VerificationError
from saml2.saml import NAMEID_FORMAT_PERSISTENT, NAMEID_FORMAT_TRANSIENT, SCM_BEARER
from saml2.sigver import SigverError
from saml2.time_util import str_to_time
from saml2.validate import ResponseLifetimeExceed, ToEarly

from portal import outbound
from sso import identity

# The signature and digest algorithms accepted on an answer: SHA-2 only.
SIGNATURE_ALGORITHMS = frozenset(
    {
        "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
        "http://www.w3.org/2001/04/xmldsig-more#rsa-sha384",
        "http://www.w3.org/2001/04/xmldsig-more#rsa-sha512",
        "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256",
        "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha384",
        "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha512",
    }
)
DIGEST_ALGORITHMS = frozenset(
    {
        "http://www.w3.org/2001/04/xmlenc#sha256",
        "http://www.w3.org/2001/04/xmldsig-more#sha384",
        "http://www.w3.org/2001/04/xmlenc#sha512",
    }
)
SIGNING_ALGORITHM = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
DIGEST_ALGORITHM = "http://www.w3.org/2001/04/xmlenc#sha256"

METADATA_MOST_BYTES = 1024 * 1024
METADATA_REDIRECTS = 3
CONNECT_TIMEOUT = 5
READ_TIMEOUT = 15

# What the person reads on the refusal page (and HR, when they try it): the provider's set-up is usually
# what must change, so each says what is wrong in the provider's terms.
REFUSALS = {
    "malformed": _("The answer from your identity provider could not be read as a SAML response."),
    "status": _("Your identity provider did not sign you in. Please try again."),
    "signature": _("Your identity provider's signature does not match the certificate in its metadata."),
    "unsigned": _("Your identity provider did not sign the assertion; this portal requires signed assertions."),
    "weak_signature": _("Your identity provider signed with SHA-1, which is no longer accepted; use SHA-256."),
    "issuer": _("The answer comes from another identity provider than the one set up for this organisation."),
    "audience": _("The answer was issued for another service than this organisation's portal."),
    "destination": _("The answer was addressed to another address than this organisation's portal."),
    "recipient": _("The assertion was issued for another address than this organisation's portal."),
    "expired": _("The answer from your identity provider has expired. Please sign in again."),
    "not_yet_valid": _("The answer from your identity provider is not valid yet; its clock may be wrong."),
    "request": _("This sign-in was not started in this browser, or was already used. Please start again."),
    "replayed": _("This answer from your identity provider was already used. Please sign in again."),
    "subject": _("Your identity provider did not send a lasting identity: its NameID format must be persistent."),
}


class Refused(identity.Refused):
    """The answer is not accepted; `reason` is a key of REFUSALS, whose text is the `message`."""

    def __init__(self, reason: str):
        super().__init__(REFUSALS[reason], reason=reason)


class MetadataError(ValueError):
    """Identity-provider metadata the portal cannot use; the message says why."""


@dataclass(frozen=True)
class ServiceProvider:
    """The portal as the service provider of one identity provider of one organisation."""

    entity_id: str
    acs_url: str
    idp_metadata_xml: str


@dataclass(frozen=True)
class IdentityProviderMetadata:
    entity_id: str
    sso_url: str  # the HTTP-Redirect single sign-on address
    certificates: tuple[str, ...]  # base64 DER, for signing


@dataclass(frozen=True)
class Assertion:
    """What a verified answer says: who (issuer, subject), until when, and the attributes by SAML name."""

    issuer: str
    subject: str
    subject_format: str
    assertion_id: str
    not_on_or_after: datetime
    attributes: Mapping[str, Sequence[str]] = field(default_factory=dict)


def xmlsec_binary() -> str:
    return settings.SAML_XMLSEC_BINARY or shutil.which("xmlsec1") or "/usr/bin/xmlsec1"


def idp_metadata_read(xml: str | bytes) -> IdentityProviderMetadata:
    """The one identity provider described by `xml`, or MetadataError saying what is wrong with it."""
    if isinstance(xml, bytes):
        try:
            xml = xml.decode("utf-8")
        except UnicodeDecodeError:
            raise MetadataError(_("The metadata is not UTF-8 text.")) from None
    if not xml.strip():
        raise MetadataError(_("The metadata is empty."))
    store = InMemoryMetaData(attrc=[], metadata=xml)
    try:
        store.load()
    except Exception:
        raise MetadataError(_("The metadata is not SAML 2.0 metadata (an EntityDescriptor).")) from None
    if store.to_old and not len(store):
        raise MetadataError(_("The metadata has expired (its validUntil has passed); download it again."))
    providers = [entity_id for entity_id, entity in store.items() if "idpsso_descriptor" in entity]
    if not providers:
        raise MetadataError(_("The metadata describes no identity provider (IDPSSODescriptor)."))
    if len(providers) > 1:
        raise MetadataError(_("The metadata describes several identity providers; give the one to use."))
    entity_id = providers[0]
    endpoints = store.service(entity_id, "idpsso_descriptor", "single_sign_on_service", BINDING_HTTP_REDIRECT)
    if not endpoints:
        raise MetadataError(_("The identity provider offers no single sign-on address for HTTP-Redirect."))
    certificates = tuple(cert for _name, cert in store.certs(entity_id, "idpsso", "signing"))
    if not certificates:
        raise MetadataError(_("The metadata holds no signing certificate for the identity provider."))
    return IdentityProviderMetadata(entity_id=entity_id, sso_url=endpoints[0]["location"], certificates=certificates)


def idp_metadata_fetch(url: str) -> str:
    """The metadata at `url` (HR's or an operator's), through the outbound guard; MetadataError otherwise."""
    try:
        answer = outbound.request(
            outbound.target(url),
            headers={"Accept": "application/samlmetadata+xml, application/xml, text/xml"},
            connect_timeout=CONNECT_TIMEOUT,
            read_timeout=READ_TIMEOUT,
            most_bytes=METADATA_MOST_BYTES,
            redirects=METADATA_REDIRECTS,
        )
    except outbound.BadAddress:
        raise MetadataError(_("The metadata address must be an http or https address.")) from None
    except outbound.HostNotFound:
        raise MetadataError(_("The metadata address names a host that cannot be found.")) from None
    except outbound.Blocked:
        raise MetadataError(
            _("The metadata address points into a private network, which the portal does not reach.")
        ) from None
    except outbound.Unreachable:
        raise MetadataError(_("The metadata address could not be reached.")) from None
    if answer.status != 200:
        raise MetadataError(_("The metadata address answered with HTTP status %(status)s.") % {"status": answer.status})
    if not answer.complete:
        raise MetadataError(_("The metadata at that address is larger than 1 MB."))
    return answer.body.decode("utf-8", errors="replace")


def in_response_to(saml_response: str) -> str:
    """The request id an answer says it answers, read before verifying it: only to find that request among
    those this browser started (`response_verify` then holds the verified answer to it)."""
    try:
        # Some providers wrap the base64 in lines; anything else outside its alphabet is refused.
        parsed = samlp.response_from_string(base64.b64decode("".join(saml_response.split()), validate=True))
    except Exception:
        return ""
    return (parsed.in_response_to or "") if parsed is not None else ""


def _config(sp: ServiceProvider, *, with_idp: bool = True) -> SPConfig:
    signing = bool(settings.SAML_SP_KEY_FILE and settings.SAML_SP_CERT_FILE)
    config = {
        "entityid": sp.entity_id,
        "xmlsec_binary": xmlsec_binary(),
        "accepted_time_diff": settings.SAML_CLOCK_SKEW_SECONDS,
        "allow_unknown_attributes": True,
        "signing_algorithm": SIGNING_ALGORITHM,
        "digest_algorithm": DIGEST_ALGORITHM,
        "metadata_key_usage": "signing",
        "service": {
            "sp": {
                "endpoints": {"assertion_consumer_service": [(sp.acs_url, BINDING_HTTP_POST)]},
                "want_assertions_signed": True,
                "want_response_signed": False,
                "allow_unsolicited": False,
                "authn_requests_signed": signing,
                "name_id_format": [NAMEID_FORMAT_PERSISTENT],
                "only_use_keys_in_metadata": True,
            }
        },
    }
    if signing:
        config["key_file"] = settings.SAML_SP_KEY_FILE
        config["cert_file"] = settings.SAML_SP_CERT_FILE
    if with_idp:
        config["metadata"] = {"inline": [sp.idp_metadata_xml]}
    loaded = SPConfig()
    loaded.load(config)
    return loaded


def sp_metadata(sp: ServiceProvider) -> str:
    """The service provider's metadata XML, to give the identity provider (or paste from, see docs/SSO.md)."""
    descriptor = entity_descriptor(_config(sp, with_idp=False))
    # pysaml2 lists every algorithm it knows (MD5 among them) as an extension; we accept SHA-2 only.
    descriptor.extensions = None
    text = metadata_tostring_fix(descriptor, {"xs": "http://www.w3.org/2001/XMLSchema"})
    return text.decode() if isinstance(text, bytes) else text


def authn_request(sp: ServiceProvider) -> tuple[str, str]:
    """A new AuthnRequest for the HTTP-Redirect binding: (its id, to keep in the session; the address to
    send the browser to). Signed when the portal has a signing key (settings.SAML_SP_KEY_FILE)."""
    client = Saml2Client(config=_config(sp))
    idp = idp_metadata_read(sp.idp_metadata_xml)
    signing = client.config.getattr("authn_requests_signed", "sp")
    request_id, info = client.prepare_for_authenticate(
        entityid=idp.entity_id,
        binding=BINDING_HTTP_REDIRECT,
        sign=signing,
        sigalg=SIGNING_ALGORITHM if signing else None,
        digest_alg=DIGEST_ALGORITHM if signing else None,
    )
    return request_id, dict(info["headers"])["Location"]


def response_verify(sp: ServiceProvider, saml_response: str, *, request_id: str) -> Assertion:
    """The assertion of a POSTed SAMLResponse (base64) answering the request `request_id`, or Refused.

    Replay is the caller's to refuse (`sso.replay.assertion_spend`), since it needs the database."""
    if not request_id:
        raise Refused("request")
    client = Saml2Client(config=_config(sp))
    try:
        response = client.parse_authn_request_response(
            saml_response,
            BINDING_HTTP_POST,
            outstanding={request_id: sp.acs_url},
            # Present, so that pysaml2 holds the Recipient to our ACS address (without it, it accepts any).
            conv_info={"remote_addr": "0.0.0.0"},
        )
    except StatusError:
        raise Refused("status") from None
    except ResponseLifetimeExceed:
        raise Refused("expired") from None
    except ToEarly:
        raise Refused("not_yet_valid") from None
    except SigverError as error:
        raise Refused("unsigned" if "missing" in str(error).lower() else "signature") from None
    except UnsolicitedResponse:
        raise Refused("request") from None
    except VerificationError as error:
        raise Refused("recipient" if "recipient" in str(error).lower() else "request") from None
    except Exception as error:  # pysaml2 says the rest with plain exceptions
        raise Refused(_reason_of(str(error))) from None
    # pysaml2 hands back the response object even when its own verify() declined it (a Destination that is
    # not ours, an IssueInstant out of range), before any assertion was checked: only a response whose
    # assertion went through the checks has `assertion` set.
    if response is None or response.assertion is None:
        raise Refused(_unverified_reason(sp, saml_response))
    return _checked(sp, response, request_id)


def _reason_of(text: str) -> str:
    if "AudienceRestriction" in text:
        return "audience"
    if "session id" in text or "Came from" in text:
        return "request"
    return "malformed"


def _unverified_reason(sp: ServiceProvider, saml_response: str) -> str:
    """Why pysaml2 declined without saying (its verify() answers None): only to word the refusal."""
    try:
        parsed = samlp.response_from_string(base64.b64decode(saml_response))
    except Exception:
        return "malformed"
    if parsed is not None and parsed.destination and parsed.destination != sp.acs_url:
        return "destination"
    return "malformed"


def _checked(sp: ServiceProvider, response, request_id: str) -> Assertion:
    """What pysaml2 leaves open, checked on the verified objects: every answer is held to the strictest
    reading of the Web SSO profile."""
    message = response.response
    if message.encrypted_assertion or len(message.assertion) != 1 or response.assertion is None:
        raise Refused("malformed")
    assertion = response.assertion
    if assertion.signature is None:
        raise Refused("unsigned")
    for signature in (assertion.signature, message.signature):
        if signature is not None and not _strong(signature):
            raise Refused("weak_signature")
    idp = idp_metadata_read(sp.idp_metadata_xml)
    if (assertion.issuer is None or (assertion.issuer.text or "").strip() != idp.entity_id) or (
        message.issuer is not None and (message.issuer.text or "").strip() != idp.entity_id
    ):
        raise Refused("issuer")
    if message.destination != sp.acs_url:
        raise Refused("destination")
    if message.in_response_to and message.in_response_to != request_id:
        raise Refused("request")
    conditions = assertion.conditions
    audiences = [
        (audience.text or "").strip()
        for restriction in (conditions.audience_restriction if conditions else [])
        for audience in restriction.audience
    ]
    if sp.entity_id not in audiences:
        raise Refused("audience")
    expiries = [conditions.not_on_or_after] if conditions and conditions.not_on_or_after else []
    for confirmation in assertion.subject.subject_confirmation:
        data = confirmation.subject_confirmation_data
        if confirmation.method != SCM_BEARER or data is None:
            raise Refused("malformed")
        if data.recipient != sp.acs_url:
            raise Refused("recipient")
        if data.in_response_to != request_id:
            raise Refused("request")
        if data.not_on_or_after:
            expiries.append(data.not_on_or_after)
    if not expiries:
        raise Refused("expired")
    name_id = response.name_id
    if name_id is None or not (name_id.text or "").strip() or name_id.format == NAMEID_FORMAT_TRANSIENT:
        raise Refused("subject")
    return Assertion(
        issuer=idp.entity_id,
        subject=name_id.text.strip(),
        subject_format=name_id.format or "",
        assertion_id=assertion.id,
        not_on_or_after=min(_instant(text) for text in expiries),
        attributes=_attributes(assertion),
    )


def _strong(signature) -> bool:
    info = signature.signed_info
    return info.signature_method.algorithm in SIGNATURE_ALGORITHMS and all(
        reference.digest_method.algorithm in DIGEST_ALGORITHMS for reference in info.reference
    )


def _instant(text: str) -> datetime:
    return datetime.fromtimestamp(calendar.timegm(str_to_time(text)), tz=UTC)


def _attributes(assertion) -> dict[str, list[str]]:
    """Values by attribute Name; a FriendlyName counts too where no attribute has it as its Name."""
    by_name: dict[str, list[str]] = {}
    by_friendly_name: dict[str, list[str]] = {}
    for statement in assertion.attribute_statement:
        for attribute in statement.attribute:
            values = [text for value in attribute.attribute_value if (text := (value.text or "").strip())]
            by_name.setdefault(attribute.name, []).extend(values)
            if attribute.friendly_name:
                by_friendly_name.setdefault(attribute.friendly_name, []).extend(values)
    return {**by_friendly_name, **by_name}

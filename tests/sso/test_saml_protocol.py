"""The SAML protocol (sso.saml) against a real identity provider (pysaml2's IdP, its own key pair): the
service provider's metadata and request, one good answer, and every answer that must be refused, each for
its own reason. No database: replay is the sign-in's part (test_saml_sign_in.py)."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from lxml import etree
from saml2.saml import NAMEID_FORMAT_TRANSIENT
from saml2.sigver import verify_redirect_signature

from sso import saml
from tests.sso.saml_idp import SamlIdp, encode, key_pair

NS = {
    "samlp": "urn:oasis:names:tc:SAML:2.0:protocol",
    "saml": "urn:oasis:names:tc:SAML:2.0:assertion",
    "ds": "http://www.w3.org/2000/09/xmldsig#",
    "md": "urn:oasis:names:tc:SAML:2.0:metadata",
}
ACME = saml.ServiceProvider(
    entity_id="http://acme.localhost/login/sso/1/saml/metadata/",
    acs_url="http://acme.localhost/login/sso/1/saml/acs/",
    idp_metadata_xml="",
)
GLOBEX = saml.ServiceProvider(
    entity_id="http://globex.localhost/login/sso/2/saml/metadata/",
    acs_url="http://globex.localhost/login/sso/2/saml/acs/",
    idp_metadata_xml="",
)
EMAIL = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress"


@pytest.fixture(scope="module")
def idp() -> SamlIdp:
    provider = SamlIdp()
    for sp in (ACME, GLOBEX):
        provider.trust(saml.sp_metadata(sp))
    return provider


@pytest.fixture
def acme(idp) -> saml.ServiceProvider:
    return saml.ServiceProvider(ACME.entity_id, ACME.acs_url, idp.metadata_xml)


@pytest.fixture
def globex(idp) -> saml.ServiceProvider:
    return saml.ServiceProvider(GLOBEX.entity_id, GLOBEX.acs_url, idp.metadata_xml)


def refusal(sp: saml.ServiceProvider, saml_response: str, request_id: str) -> str:
    with pytest.raises(saml.Refused) as refused:
        saml.response_verify(sp, saml_response, request_id=request_id)
    return refused.value.reason


def parsed(xml: str):
    return etree.fromstring(xml.encode())


def text(document) -> str:
    return etree.tostring(document).decode()


def assertion_of(document):
    return document.find("saml:Assertion", NS)


def resigned(idp: SamlIdp, document) -> str:
    """The document with its assertion signed again by the provider's own key: an answer the provider
    itself made, wrong in what it says rather than forged."""
    return idp.sign_assertion(text(document), assertion_of(document).get("ID"))


def instant(delta: timedelta) -> str:
    return (datetime.now(UTC) + delta).strftime("%Y-%m-%dT%H:%M:%SZ")


# --- metadata and the request -------------------------------------------------------------------------


def test_the_service_provider_metadata_names_the_entity_id_and_the_acs(acme):
    document = parsed(saml.sp_metadata(acme))
    assert document.get("entityID") == acme.entity_id
    descriptor = document.find("md:SPSSODescriptor", NS)
    assert descriptor.get("WantAssertionsSigned") == "true"
    acs = descriptor.find("md:AssertionConsumerService", NS)
    assert acs.get("Location") == acme.acs_url
    assert acs.get("Binding") == "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"
    assert descriptor.find("md:NameIDFormat", NS).text == "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent"
    assert b"md5" not in etree.tostring(document)  # no algorithm list naming MD5 or SHA-1


def test_the_request_goes_to_the_providers_address_and_names_the_acs(idp, acme):
    request_id, url = saml.authn_request(acme)
    assert url.startswith(idp.sso_url + "?")
    request = idp.request_of(url)
    assert request.id == request_id
    assert request.issuer.text == acme.entity_id
    assert request.assertion_consumer_service_url == acme.acs_url
    assert request.protocol_binding == "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"
    assert "Signature" not in parse_qs(urlsplit(url).query)  # no signing key set


def test_with_a_key_the_request_is_signed_and_the_metadata_carries_the_certificate(idp, acme, settings, tmp_path):
    key_file, cert_file = key_pair(tmp_path, "portal")
    settings.SAML_SP_KEY_FILE, settings.SAML_SP_CERT_FILE = str(key_file), str(cert_file)
    metadata = parsed(saml.sp_metadata(acme))
    descriptor = metadata.find("md:SPSSODescriptor", NS)
    assert descriptor.get("AuthnRequestsSigned") == "true"
    published = descriptor.find("md:KeyDescriptor/ds:KeyInfo/ds:X509Data/ds:X509Certificate", NS).text
    assert "".join(published.split()) in "".join(cert_file.read_text().split())

    _request_id, url = saml.authn_request(acme)
    query = {key: values[0] for key, values in parse_qs(urlsplit(url).query).items()}
    assert query["SigAlg"] == saml.SIGNING_ALGORITHM
    assert verify_redirect_signature(query, idp.server.sec.sec_backend, cert=published)
    query["SAMLRequest"] = query["SAMLRequest"][:-4] + "AAA="  # any change breaks it
    assert not verify_redirect_signature(query, idp.server.sec.sec_backend, cert=published)


# --- a good answer ----------------------------------------------------------------------------------


def test_a_signed_assertion_answering_our_request_is_accepted(idp, acme):
    request_id, url = saml.authn_request(acme)
    answer = idp.answer(
        url,
        subject="0b3c-persistent-id",
        attributes={EMAIL: ["Ann.Smith@acme.test"], "firstName": ["Ann"], "department": ["Logistics"]},
    )
    assertion = saml.response_verify(acme, answer, request_id=request_id)
    assert assertion.issuer == idp.entity_id
    assert assertion.subject == "0b3c-persistent-id"
    assert assertion.attributes[EMAIL] == ["Ann.Smith@acme.test"]
    assert assertion.attributes["firstName"] == ["Ann"]
    assert assertion.attributes["department"] == ["Logistics"]
    assert datetime.now(UTC) < assertion.not_on_or_after <= datetime.now(UTC) + timedelta(hours=1, minutes=1)
    assert assertion.assertion_id.startswith("id-")


def test_an_answer_wrapped_in_lines_is_read(idp, acme):
    request_id, url = saml.authn_request(acme)
    answer = idp.answer(url)
    wrapped = "\r\n".join(answer[start : start + 76] for start in range(0, len(answer), 76))
    assert saml.in_response_to(wrapped) == request_id
    assert saml.response_verify(acme, wrapped, request_id=request_id).subject == "user-0001"


def test_a_signed_response_around_a_signed_assertion_is_accepted(idp, acme):
    request_id, url = saml.authn_request(acme)
    answer = idp.answer(url, sign_response=True)
    assert saml.response_verify(acme, answer, request_id=request_id).subject == "user-0001"


def test_a_comment_inside_the_name_id_does_not_shorten_it(idp, acme):
    # The signature ignores comments (exclusive canonicalisation), so a parser reading only the text before
    # one would take "admin@acme.test" for "admin@acme.test.evil.example" (the 2018 SAML comment attack).
    request_id, url = saml.authn_request(acme)
    document = parsed(idp.answer_xml(url, subject="admin@acme.test.evil.example"))
    name_id = assertion_of(document).find("saml:Subject/saml:NameID", NS)
    name_id.text = "admin@acme.test"
    name_id.append(etree.Comment("x"))
    name_id[-1].tail = ".evil.example"
    assertion = saml.response_verify(acme, encode(text(document)), request_id=request_id)
    assert assertion.subject == "admin@acme.test.evil.example"


# --- refusals -----------------------------------------------------------------------------------------


def test_a_changed_assertion_breaks_the_signature(idp, acme):
    request_id, url = saml.authn_request(acme)
    document = parsed(idp.answer_xml(url, attributes={EMAIL: ["ann@acme.test"]}))
    value = assertion_of(document).find(".//saml:AttributeValue", NS)
    value.text = "hr@acme.test"
    assert refusal(acme, encode(text(document)), request_id) == "signature"


def test_an_answer_signed_by_another_key_is_refused(idp, acme):
    impostor = SamlIdp(entity_id=idp.entity_id)  # same name, its own key: not the one in the metadata
    impostor.trust(saml.sp_metadata(acme))
    request_id, url = saml.authn_request(acme)
    assert refusal(acme, impostor.answer(url), request_id) == "signature"


def test_an_unsigned_assertion_is_refused(idp, acme):
    request_id, url = saml.authn_request(acme)
    assert refusal(acme, idp.answer(url, sign_assertion=False), request_id) == "unsigned"


def test_an_unsigned_assertion_in_a_signed_response_is_refused(idp, acme):
    # The response's signature covers the assertion, but the assertion is what is relied on: it must carry
    # its own (WantAssertionsSigned in our metadata).
    request_id, url = saml.authn_request(acme)
    answer = idp.answer(url, sign_assertion=False, sign_response=True)
    assert refusal(acme, answer, request_id) == "unsigned"


def test_a_sha1_signature_is_refused(idp, acme):
    request_id, url = saml.authn_request(acme)
    document = parsed(idp.answer_xml(url))
    signed_info = assertion_of(document).find("ds:Signature/ds:SignedInfo", NS)
    signed_info.find("ds:SignatureMethod", NS).set("Algorithm", "http://www.w3.org/2000/09/xmldsig#rsa-sha1")
    signed_info.find("ds:Reference/ds:DigestMethod", NS).set("Algorithm", "http://www.w3.org/2000/09/xmldsig#sha1")
    assert refusal(acme, encode(resigned(idp, document)), request_id) == "weak_signature"


def test_an_answer_for_another_organisation_is_refused_for_its_audience(idp, acme, globex):
    # Globex's answer (its audience, signed by the provider both organisations use) carried to Acme's ACS,
    # with every address Acme's, so only the audience differs.
    request_id, url = saml.authn_request(acme)
    answer = idp.answer(url, audience=globex.entity_id)
    assert refusal(acme, answer, request_id) == "audience"


def test_an_answer_with_no_audience_is_refused(idp, acme):
    request_id, url = saml.authn_request(acme)
    document = parsed(idp.answer_xml(url))
    conditions = assertion_of(document).find("saml:Conditions", NS)
    conditions.remove(conditions.find("saml:AudienceRestriction", NS))
    assert refusal(acme, encode(resigned(idp, document)), request_id) == "audience"


def test_an_answer_addressed_elsewhere_is_refused(idp, acme, globex):
    request_id, url = saml.authn_request(acme)
    assert refusal(acme, idp.answer(url, destination=globex.acs_url), request_id) == "destination"


def test_an_answer_without_a_destination_is_refused(idp, acme):
    request_id, url = saml.authn_request(acme)
    document = parsed(idp.answer_xml(url))
    del document.attrib["Destination"]
    assert refusal(acme, encode(text(document)), request_id) == "destination"


def test_an_assertion_for_another_recipient_is_refused(idp, acme, globex):
    request_id, url = saml.authn_request(acme)
    document = parsed(idp.answer_xml(url))
    assertion_of(document).find(".//saml:SubjectConfirmationData", NS).set("Recipient", globex.acs_url)
    assert refusal(acme, encode(resigned(idp, document)), request_id) == "recipient"


def test_an_assertion_for_our_entity_id_as_recipient_is_refused(idp, acme):
    # pysaml2 alone accepts the entity id as Recipient; the Web SSO profile says the ACS address.
    request_id, url = saml.authn_request(acme)
    document = parsed(idp.answer_xml(url))
    assertion_of(document).find(".//saml:SubjectConfirmationData", NS).set("Recipient", acme.entity_id)
    assert refusal(acme, encode(resigned(idp, document)), request_id) == "recipient"


@pytest.mark.parametrize("where", ["conditions", "confirmation"])
def test_an_expired_assertion_is_refused(idp, acme, where):
    request_id, url = saml.authn_request(acme)
    document = parsed(idp.answer_xml(url))
    path = "saml:Conditions" if where == "conditions" else ".//saml:SubjectConfirmationData"
    element = assertion_of(document).find(path, NS)
    element.set("NotOnOrAfter", instant(-timedelta(minutes=3)))  # beyond the two minutes of skew
    if where == "conditions":
        element.set("NotBefore", instant(-timedelta(minutes=10)))
    assert refusal(acme, encode(resigned(idp, document)), request_id) == "expired"


def test_an_assertion_within_the_clock_skew_is_accepted(idp, acme):
    request_id, url = saml.authn_request(acme)
    document = parsed(idp.answer_xml(url))
    assertion_of(document).find(".//saml:SubjectConfirmationData", NS).set(
        "NotOnOrAfter", instant(-timedelta(seconds=30))
    )
    assert saml.response_verify(acme, encode(resigned(idp, document)), request_id=request_id)


def test_an_assertion_not_valid_yet_is_refused(idp, acme):
    request_id, url = saml.authn_request(acme)
    document = parsed(idp.answer_xml(url))
    assertion_of(document).find("saml:Conditions", NS).set("NotBefore", instant(timedelta(minutes=10)))
    assert refusal(acme, encode(resigned(idp, document)), request_id) == "not_yet_valid"


def test_an_answer_to_another_request_is_refused(idp, acme):
    _first_id, first_url = saml.authn_request(acme)
    second_id, _second_url = saml.authn_request(acme)
    assert refusal(acme, idp.answer(first_url), second_id) == "request"


def test_an_unsolicited_answer_is_refused(idp, acme):
    request_id, url = saml.authn_request(acme)
    document = parsed(idp.answer_xml(url))
    del document.attrib["InResponseTo"]
    del assertion_of(document).find(".//saml:SubjectConfirmationData", NS).attrib["InResponseTo"]
    assert refusal(acme, encode(resigned(idp, document)), request_id) == "request"


def test_a_transient_name_id_is_refused(idp, acme):
    request_id, url = saml.authn_request(acme)
    answer = idp.answer(url, name_id_format=NAMEID_FORMAT_TRANSIENT)
    assert refusal(acme, answer, request_id) == "subject"


def test_a_failed_status_is_refused(idp, acme):
    request_id, url = saml.authn_request(acme)
    document = parsed(idp.answer_xml(url))
    document.find("samlp:Status/samlp:StatusCode", NS).set("Value", "urn:oasis:names:tc:SAML:2.0:status:Responder")
    assert refusal(acme, encode(text(document)), request_id) == "status"


def test_garbage_is_refused(acme):
    request_id, _url = saml.authn_request(acme)
    assert refusal(acme, "bm90IHhtbA==", request_id) == "malformed"
    assert refusal(acme, encode("<x:Response xmlns:x='urn:other'/>"), request_id) == "malformed"


# --- signature wrapping ---------------------------------------------------------------------------------


def _evil_copy(original, subject: str):
    """A copy of the signed assertion that names someone else, with a new ID and no signature of its own."""
    evil = copy.deepcopy(original)
    evil.set("ID", "id-evil-0000000000000")
    evil.find("saml:Subject/saml:NameID", NS).text = subject
    evil.remove(evil.find("ds:Signature", NS))
    return evil


def _wrapped(document, how: str):
    original = assertion_of(document)
    evil = _evil_copy(original, "hr-admin")
    index = list(document).index(original)
    if how == "evil_first":  # XSW: the evil assertion before the signed one
        document.insert(index, evil)
    elif how == "signed_in_extensions":  # the signed one hidden in the response's Extensions
        document.remove(original)
        extensions = etree.SubElement(document, f"{{{NS['samlp']}}}Extensions")
        document.insert(1, extensions)
        extensions.append(original)
        document.insert(index + 1, evil)
    elif how == "signed_in_advice":  # the signed one inside the evil one's Advice
        document.remove(original)
        advice = etree.Element(f"{{{NS['saml']}}}Advice")
        advice.append(original)
        evil.find("saml:Conditions", NS).addnext(advice)
        document.insert(index, evil)
    elif how == "signature_moved":  # the evil one carries the signed one's Signature, same ID
        evil.set("ID", original.get("ID"))
        evil.insert(1, copy.deepcopy(original.find("ds:Signature", NS)))
        document.remove(original)
        extensions = etree.SubElement(document, f"{{{NS['samlp']}}}Extensions")
        document.insert(1, extensions)
        extensions.append(original)
        document.insert(index + 1, evil)
    elif how == "signature_object":  # the signed one inside the evil one's Signature/Object
        evil.set("ID", original.get("ID"))
        signature = copy.deepcopy(original.find("ds:Signature", NS))
        evil.insert(1, signature)
        holder = etree.SubElement(signature, f"{{{NS['ds']}}}Object")
        document.remove(original)
        holder.append(original)
        document.insert(index, evil)
    return document


@pytest.mark.parametrize(
    "how", ["evil_first", "signed_in_extensions", "signed_in_advice", "signature_moved", "signature_object"]
)
def test_signature_wrapping_is_refused(idp, acme, how):
    request_id, url = saml.authn_request(acme)
    document = _wrapped(parsed(idp.answer_xml(url, subject="employee-1")), how)
    reason = refusal(acme, encode(text(document)), request_id)
    assert reason in {"signature", "unsigned", "malformed"}, reason


def test_signature_wrapping_around_a_signed_response_is_refused(idp, acme):
    # The response is signed and the attacker leaves that signature whole, moving the signed response's
    # assertion aside: the evil, unsigned assertion is what would be read.
    request_id, url = saml.authn_request(acme)
    document = parsed(idp.answer_xml(url, subject="employee-1", sign_response=True))
    original = assertion_of(document)
    evil = _evil_copy(original, "hr-admin")
    original.addprevious(evil)
    document.remove(original)
    assert refusal(acme, encode(text(document)), request_id) in {"signature", "unsigned"}


# --- the provider's metadata ------------------------------------------------------------------------------


def test_the_providers_metadata_is_read(idp):
    read = saml.idp_metadata_read(idp.metadata_xml)
    assert read.entity_id == idp.entity_id
    assert read.sso_url == idp.sso_url
    assert len(read.certificates) == 1


@pytest.mark.parametrize(
    "xml, words",
    [
        ("", "empty"),
        ("<not-xml", "not SAML 2.0 metadata"),
        ("<html><body>Sign in</body></html>", "no identity provider"),
        ("SP", "no identity provider"),
        ("NO_REDIRECT", "HTTP-Redirect"),
        ("NO_CERT", "no signing certificate"),
        ("EXPIRED", "expired"),
    ],
)
def test_unusable_metadata_is_refused_saying_why(idp, acme, xml, words):
    if xml == "SP":
        xml = saml.sp_metadata(acme)
    elif xml in ("NO_REDIRECT", "NO_CERT", "EXPIRED"):
        document = parsed(idp.metadata_xml)
        descriptor = document.find("md:IDPSSODescriptor", NS)
        if xml == "NO_REDIRECT":
            descriptor.find("md:SingleSignOnService", NS).set("Binding", "urn:oasis:names:tc:SAML:2.0:bindings:SOAP")
        elif xml == "NO_CERT":
            descriptor.remove(descriptor.find("md:KeyDescriptor", NS))
        else:
            document.set("validUntil", "2020-01-01T00:00:00Z")
        xml = text(document)
    with pytest.raises(saml.MetadataError) as error:
        saml.idp_metadata_read(xml)
    assert words in str(error.value)

"""A real SAML 2.0 identity provider for the tests: pysaml2's IdP (saml2.server.Server) with a key pair made
here, signing with SHA-256 through xmlsec1, answering the AuthnRequests the portal sends.

`answer(redirect_url, ...)` plays the provider's part of a sign-in: it reads the (HTTP-Redirect) request the
portal sent the browser with, and makes the signed Response the browser would POST to the portal's ACS.
`answer_xml` gives the same as XML, for the tests that tamper with it; `sign` signs an element again with
the provider's own key, for answers a misbehaving (or compromised-metadata-free) provider would send.
"""

from __future__ import annotations

import base64
import datetime
import html
import tempfile
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from saml2 import BINDING_HTTP_REDIRECT, class_name
from saml2.config import IdPConfig
from saml2.mdstore import MetadataStore
from saml2.metadata import create_metadata_string
from saml2.saml import NAMEID_FORMAT_PERSISTENT, Assertion, NameID
from saml2.server import Server

from sso.saml import DIGEST_ALGORITHM, SIGNING_ALGORITHM, xmlsec_binary

PASSWORD_CONTEXT = "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport"


def key_pair(directory: Path, name: str) -> tuple[Path, Path]:
    """A new RSA key and a self-signed certificate for it, as PEM files in `directory`."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .sign(key, hashes.SHA256())
    )
    key_file, cert_file = directory / f"{name}.key", directory / f"{name}.crt"
    key_file.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    return key_file, cert_file


class SamlIdp:
    def __init__(self, entity_id: str = "https://idp.example.test/saml", sso_url: str = ""):
        self.directory = Path(tempfile.mkdtemp(prefix="saml-idp-"))
        self.key_file, self.cert_file = key_pair(self.directory, "idp")
        self.entity_id = entity_id
        self.sso_url = sso_url or entity_id.rstrip("/") + "/sso"
        config = IdPConfig()
        config.load(
            {
                "entityid": entity_id,
                "xmlsec_binary": xmlsec_binary(),
                "key_file": str(self.key_file),
                "cert_file": str(self.cert_file),
                "signing_algorithm": SIGNING_ALGORITHM,
                "digest_algorithm": DIGEST_ALGORITHM,
                "service": {
                    "idp": {
                        "endpoints": {"single_sign_on_service": [(self.sso_url, BINDING_HTTP_REDIRECT)]},
                        "name_id_format": [NAMEID_FORMAT_PERSISTENT],
                    }
                },
            }
        )
        self.server = Server(config=config)
        text = create_metadata_string(None, config=config)
        self.metadata_xml = text.decode() if isinstance(text, bytes) else text

    def trust(self, sp_metadata_xml: str) -> None:
        """Know a service provider (its ACS address, its request-signing certificate) from its metadata."""
        if self.server.metadata is None:
            self.server.metadata = MetadataStore(self.server.config.attribute_converters, self.server.config)
            self.server.sec.metadata = self.server.metadata
        self.server.metadata.load("inline", sp_metadata_xml)

    def request_of(self, redirect_url: str):
        """The AuthnRequest in the address the portal sent the browser to (its signature checked when the
        portal signs and says so in its metadata)."""
        query = parse_qs(urlsplit(redirect_url).query)
        return self.server.parse_authn_request(query["SAMLRequest"][0], BINDING_HTTP_REDIRECT).message

    def answer_xml(
        self,
        redirect_url: str,
        *,
        subject: str = "user-0001",
        attributes: dict[str, list[str]] | None = None,
        name_id_format: str = NAMEID_FORMAT_PERSISTENT,
        sign_assertion: bool = True,
        sign_response: bool = False,
        audience: str | None = None,
        destination: str | None = None,
        in_response_to: str | None = None,
    ) -> str:
        request = self.request_of(redirect_url)
        acs_url = request.assertion_consumer_service_url
        response = self.server.create_authn_response(
            attributes or {},
            in_response_to=in_response_to or request.id,
            destination=destination or acs_url,
            sp_entity_id=audience or request.issuer.text,
            name_id=NameID(format=name_id_format, text=subject),
            authn={"class_ref": PASSWORD_CONTEXT},
            sign_assertion=sign_assertion,
            sign_response=sign_response,
            sign_alg=SIGNING_ALGORITHM,
            digest_alg=DIGEST_ALGORITHM,
        )
        return str(response)

    def answer(self, redirect_url: str, **options) -> str:
        """The base64 SAMLResponse the browser POSTs to the portal."""
        return encode(self.answer_xml(redirect_url, **options))

    def sign_assertion(self, xml: str, assertion_id: str) -> str:
        """Sign (again) the assertion `assertion_id` of `xml`, which must hold its Signature template."""
        return self.server.sec.sign_statement(xml, class_name(Assertion()), node_id=assertion_id)


def encode(xml: str) -> str:
    return base64.b64encode(xml.encode("utf-8")).decode("ascii")


class SamlIdpServer:
    """The IdP on loopback: GET /metadata serves its metadata; GET /sso shows a sign-in form, whose POST
    answers with the page that posts the signed Response to the portal's ACS, as an IdP's page does.

    `accounts` maps what one types into the form to (subject, attributes). Started on a free port; `stop()`."""

    def __init__(self, accounts: dict[str, tuple[str, dict[str, list[str]]]]):
        self.accounts = accounts
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.httpd.idp_server = self
        port = self.httpd.server_address[1]
        self.idp = SamlIdp(entity_id=f"http://127.0.0.1:{port}/saml", sso_url=f"http://127.0.0.1:{port}/sso")
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()
        self.metadata_url = f"http://127.0.0.1:{port}/metadata"

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=5)


PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{title}</title></head>
<body><main><h1>{title}</h1>{body}</main></body></html>"""


class _Handler(BaseHTTPRequestHandler):
    def log_message(self, *args) -> None:  # quiet: the test's output is the portal's
        pass

    def _send(self, title: str, body: str) -> None:
        content = PAGE.format(title=html.escape(title), body=body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(content)))
        self.end_headers()
        self.wfile.write(content)

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        if urlsplit(self.path).path == "/metadata":
            content = self.server.idp_server.idp.metadata_xml.encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/samlmetadata+xml")
            self.send_header("Content-Length", str(len(content)))
            self.end_headers()
            self.wfile.write(content)
            return
        query = parse_qs(urlsplit(self.path).query)
        request = html.escape(query.get("SAMLRequest", [""])[0])
        self._send(
            "Test identity provider",
            '<form method="post" action="/login">'
            f'<input type="hidden" name="SAMLRequest" value="{request}">'
            '<label for="user">Account</label> <input id="user" name="user" autocomplete="off">'
            ' <button type="submit">Sign in</button></form>',
        )

    def do_POST(self) -> None:  # noqa: N802
        length = int(self.headers.get("Content-Length", "0"))
        form = parse_qs(self.rfile.read(length).decode())
        server: SamlIdpServer = self.server.idp_server
        subject, attributes = server.accounts[form["user"][0]]
        redirect_url = f"{server.idp.sso_url}?{urlencode({'SAMLRequest': form['SAMLRequest'][0]})}"
        request = server.idp.request_of(redirect_url)
        answer = server.idp.answer(redirect_url, subject=subject, attributes=attributes)
        # The page every IdP sends back: a form posting the answer to the ACS, submitted by its script.
        self._send(
            "Returning to the portal",
            f'<form method="post" action="{html.escape(request.assertion_consumer_service_url)}">'
            f'<input type="hidden" name="SAMLResponse" value="{answer}">'
            '<button type="submit">Continue</button></form><script>document.forms[0].submit()</script>',
        )

"""The ID token checks, on tokens signed as a provider would sign them: a small provider on loopback serves
its discovery document and keys (fetched through the outbound guard), and each test signs one token wrong
in one way."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey

from sso import oidc
from sso.identity import Refused
from sso.models import IdentityProvider

pytestmark = pytest.mark.django_db

KEY = RSAKey.generate_key(2048, parameters={"kid": "signing-key"}, private=True)
OTHER_KEY = RSAKey.generate_key(2048, parameters={"kid": "signing-key"}, private=True)
NONCE = "the-nonce-this-browser-sent"


class _Documents(BaseHTTPRequestHandler):
    issuer = ""
    discovery_issuer = ""

    def do_GET(self):  # noqa: N802 (the standard library's name)
        if self.path == "/.well-known/openid-configuration":
            body = {
                "issuer": self.discovery_issuer or self.issuer,
                "authorization_endpoint": f"{self.issuer}/auth",
                "token_endpoint": f"{self.issuer}/token",
                "jwks_uri": f"{self.issuer}/jwks",
            }
        elif self.path == "/jwks":
            body = KeySet([KEY]).as_dict(private=False)
        else:
            self.send_error(404)
            return
        data = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def documents():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Documents)
    _Documents.issuer = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield _Documents
    server.shutdown()


@pytest.fixture
def provider(world, documents, settings):
    settings.OUTBOUND_ALLOW_PRIVATE_ADDRESSES = True
    documents.discovery_issuer = ""
    return IdentityProvider.objects.create(
        organisation=world.acme.organisation,
        name="Signed tokens",
        protocol="oidc",
        discovery_url=f"{documents.issuer}/.well-known/openid-configuration",
        client_id="acme-portal",
    )


def token(documents, key=KEY, **changes) -> str:
    now = int(time.time())
    claims = {
        "iss": documents.issuer,
        "sub": "subject-1",
        "aud": "acme-portal",
        "exp": now + 300,
        "iat": now,
        "nonce": NONCE,
    } | changes
    return jwt.encode({"alg": "RS256", "kid": key.kid}, {k: v for k, v in claims.items() if v is not None}, key)


def verify(provider, id_token: str) -> dict:
    return oidc.id_token_verify(
        provider=provider,
        discovery=oidc.discover(provider, fresh=True),
        id_token=id_token,
        nonce=NONCE,
        now=time.time(),
    )


def refusal(provider, id_token: str) -> str:
    with pytest.raises(Refused) as refused:
        verify(provider, id_token)
    return refused.value.reason


def test_a_right_token_gives_its_claims(provider, documents):
    assert verify(provider, token(documents))["sub"] == "subject-1"


def test_a_token_of_another_issuer_is_refused(provider, documents):
    assert refusal(provider, token(documents, iss="https://login.other.example")) == "issuer"


def test_a_token_for_another_audience_is_refused(provider, documents):
    assert refusal(provider, token(documents, aud="globex-portal")) == "audience"


def test_a_token_for_several_audiences_needs_us_as_its_authorised_party(provider, documents):
    assert refusal(provider, token(documents, aud=["acme-portal", "globex-portal"])) == "audience"
    assert refusal(provider, token(documents, aud=["acme-portal", "globex-portal"], azp="globex-portal")) == "audience"
    assert verify(provider, token(documents, aud=["acme-portal", "globex-portal"], azp="acme-portal"))


def test_an_expired_token_is_refused(provider, documents):
    assert refusal(provider, token(documents, exp=int(time.time()) - 120, iat=int(time.time()) - 900)) == "expired"


def test_a_token_issued_in_the_future_is_refused(provider, documents):
    assert refusal(provider, token(documents, iat=int(time.time()) + 600)) == "claim_iat"


@pytest.mark.parametrize("missing", ["exp", "iat", "sub", "nonce"])
def test_a_token_without_an_essential_claim_is_refused(provider, documents, missing):
    assert refusal(provider, token(documents, **{missing: None})) == "claim_missing"


def test_a_token_with_another_nonce_is_refused(provider, documents):
    assert refusal(provider, token(documents, nonce="another")) == "nonce"


def test_a_token_signed_with_another_key_is_refused(provider, documents):
    assert refusal(provider, token(documents, key=OTHER_KEY)) == "signature"


def test_an_unsigned_token_is_refused(provider, documents):
    header = "eyJhbGciOiJub25lIn0"  # {"alg":"none"}
    body = token(documents).split(".")[1]
    assert refusal(provider, f"{header}.{body}.") == "signature"


def test_a_discovery_document_naming_another_issuer_is_refused(provider, documents):
    documents.discovery_issuer = "https://login.other.example"
    with pytest.raises(Refused) as refused:
        oidc.discover(provider, fresh=True)
    assert refused.value.reason == "issuer"


def test_a_provider_at_a_private_address_is_refused_outside_development(provider, settings):
    settings.OUTBOUND_ALLOW_PRIVATE_ADDRESSES = False
    with pytest.raises(Refused) as refused:
        oidc.discover(provider, fresh=True)
    assert refused.value.reason == "unreachable"

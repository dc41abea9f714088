"""OpenID Connect, the authorization code flow with PKCE (S256), `state` and `nonce` kept in the session
on the organisation's host.

Authlib builds the requests (the authorization address, the code challenge) and joserfc (the JOSE library
of Authlib's author) checks the ID token: its signature with the provider's published keys (JWKS), and its
issuer, audience (with `azp` when there are several), expiry, issue time and nonce. Everything the portal
fetches from the provider (the discovery document, the keys, the token and userinfo answers) goes through
portal.outbound, the one set of server-side request forgery rules, and the discovery document must name
the issuer it was fetched for (OpenID Connect Discovery 1.0, section 4.3).
"""

from __future__ import annotations

import base64
import json
import time
from dataclasses import dataclass
from urllib.parse import urlencode

from authlib.common.security import generate_token
from authlib.oauth2.rfc6749.parameters import prepare_grant_uri
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from joserfc import jwt
from joserfc.errors import JoseError, MissingClaimError
from joserfc.jwk import KeySet

from portal import outbound
from sso.identity import Claims, Refused
from sso.models import IdentityProvider

DISCOVERY_SUFFIX = "/.well-known/openid-configuration"
FLOWS_KEY = "portal_sso_oidc"
FLOWS_KEPT = 5  # sign-ins started in other tabs, each with its own state
SCOPES = ("openid", "email", "profile")
ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"]
LEEWAY_SECONDS = 60
MOST_BYTES = 512 * 1024
CONNECT_TIMEOUT = 5
READ_TIMEOUT = 10


@dataclass(frozen=True)
class Discovery:
    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str
    userinfo_endpoint: str = ""


def _fetch_json(url: str, *, method: str = "GET", form: dict | None = None, headers: dict | None = None) -> dict:
    """A JSON object from `url`, through the outbound guard; Refused (a set-up problem) otherwise."""
    body = urlencode(form).encode() if form is not None else None
    sent = {"Accept": "application/json"} | (headers or {})
    if body is not None:
        sent["Content-Type"] = "application/x-www-form-urlencoded"
    try:
        answer = outbound.request(
            outbound.target(url),
            method=method,
            body=body,
            headers=sent,
            connect_timeout=CONNECT_TIMEOUT,
            read_timeout=READ_TIMEOUT,
            most_bytes=MOST_BYTES,
        )
        data = json.loads(answer.body) if answer.complete else None
    except (outbound.Blocked, outbound.Unreachable, ValueError):
        data = None
        answer = None
    if not isinstance(data, dict):
        raise Refused(_("Your identity provider could not be reached. Please try again later."), reason="unreachable")
    if answer.status >= 400:
        raise Refused(
            _("Your identity provider did not accept this sign-in. Please start again."), reason="provider_error"
        )
    return data


def discovery_url_check(url: str) -> str:
    """The address HR typed, as the provider's discovery document address (the suffix added if missing)."""
    url = url.strip()
    return url if url.endswith(DISCOVERY_SUFFIX) else url.rstrip("/") + DISCOVERY_SUFFIX


def discover(provider: IdentityProvider, *, fresh: bool = False) -> Discovery:
    key = f"sso:oidc:discovery:{provider.pk}:{provider.discovery_url}"
    data = None if fresh else cache.get(key)
    if data is None:
        data = _fetch_json(provider.discovery_url)
        cache.set(key, data, settings.SSO_METADATA_CACHE_SECONDS)
    expected_issuer = provider.discovery_url.removesuffix(DISCOVERY_SUFFIX)
    fields = ("issuer", "authorization_endpoint", "token_endpoint", "jwks_uri")
    if not all(isinstance(data.get(name), str) and data.get(name) for name in fields):
        raise Refused(_("Your identity provider's set-up is incomplete. Ask your HR department."), reason="discovery")
    if data["issuer"].rstrip("/") != expected_issuer.rstrip("/"):
        raise Refused(
            _("Your identity provider's set-up names another issuer. Ask your HR department."), reason="issuer"
        )
    return Discovery(
        issuer=data["issuer"],
        authorization_endpoint=data["authorization_endpoint"],
        token_endpoint=data["token_endpoint"],
        jwks_uri=data["jwks_uri"],
        userinfo_endpoint=data.get("userinfo_endpoint") or "",
    )


def _keys(provider: IdentityProvider, discovery: Discovery, *, fresh: bool = False) -> KeySet:
    key = f"sso:oidc:jwks:{provider.pk}:{discovery.jwks_uri}"
    data = None if fresh else cache.get(key)
    if data is None:
        data = _fetch_json(discovery.jwks_uri)
        cache.set(key, data, settings.SSO_METADATA_CACHE_SECONDS)
    try:
        return KeySet.import_key_set(data)
    except (JoseError, ValueError, TypeError, KeyError):
        raise Refused(
            _("Your identity provider's keys could not be read. Ask your HR department."), reason="jwks"
        ) from None


# --- the flow ---------------------------------------------------------------------------------------


def authorization_url(
    request: HttpRequest, provider: IdentityProvider, *, redirect_uri: str, login_hint: str = ""
) -> str:
    """Where to send the browser; the flow's state, nonce and code verifier stay in this host's session."""
    discovery = discover(provider)
    state, nonce, verifier = generate_token(32), generate_token(32), generate_token(64)
    flows = request.session.get(FLOWS_KEY, {})
    flows = dict(sorted(flows.items(), key=lambda item: item[1]["at"])[-(FLOWS_KEPT - 1) :])
    flows[state] = {"provider": provider.pk, "nonce": nonce, "verifier": verifier, "at": int(time.time())}
    request.session[FLOWS_KEY] = flows
    return prepare_grant_uri(
        discovery.authorization_endpoint,
        provider.client_id,
        "code",
        redirect_uri=redirect_uri,
        scope=list(SCOPES),
        state=state,
        nonce=nonce,
        code_challenge=create_s256_code_challenge(verifier),
        code_challenge_method="S256",
        login_hint=login_hint or None,
    )


def flow_take(request: HttpRequest, state: str) -> dict:
    """The flow `state` names, spent (single use); Refused when this browser did not start it or it is old."""
    flows = dict(request.session.get(FLOWS_KEY, {}))
    flow = flows.pop(state, None) if state else None
    request.session[FLOWS_KEY] = flows
    if flow is None:
        raise Refused(
            _("This sign-in was not started in this browser, or was already used. Please start again."),
            reason="state",
        )
    if time.time() - flow["at"] > settings.SSO_FLOW_MAX_AGE_SECONDS:
        raise Refused(_("This sign-in took too long. Please start again."), reason="flow_expired")
    return flow


def claims_from_callback(*, provider: IdentityProvider, flow: dict, code: str, redirect_uri: str) -> Claims:
    """Exchange the code for tokens and read the verified ID token (with userinfo) as Claims."""
    discovery = discover(provider)
    credentials = base64.b64encode(
        f"{_form_quote(provider.client_id)}:{_form_quote(provider.client_secret)}".encode()
    ).decode()
    tokens = _fetch_json(
        discovery.token_endpoint,
        method="POST",
        form={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": redirect_uri,
            "code_verifier": flow["verifier"],
        },
        headers={"Authorization": f"Basic {credentials}"},
    )
    id_token = tokens.get("id_token")
    if not isinstance(id_token, str):
        raise Refused(_("Your identity provider sent no ID token. Ask your HR department."), reason="no_id_token")
    values = id_token_verify(
        provider=provider, discovery=discovery, id_token=id_token, nonce=flow["nonce"], now=time.time()
    )
    access_token = tokens.get("access_token")
    if discovery.userinfo_endpoint and isinstance(access_token, str):
        userinfo = _fetch_json(discovery.userinfo_endpoint, headers={"Authorization": f"Bearer {access_token}"})
        # The ID token's subject is the one that counts; userinfo of another subject is ignored.
        if userinfo.get("sub") == values["sub"]:
            values = userinfo | values
    return Claims.mapped(
        issuer=values["iss"], subject=values["sub"], values=values, attribute_map=provider.attributes()
    )


def _form_quote(text: str) -> str:
    # RFC 6749 2.3.1: the client id and secret are form-encoded before they are joined for Basic.
    return urlencode({"": text})[1:]


def id_token_verify(*, provider: IdentityProvider, discovery: Discovery, id_token: str, nonce: str, now: float) -> dict:
    """The ID token's claims once its signature, issuer, audience, expiry, issue time and nonce are right."""
    try:
        token = _decode(id_token, _keys(provider, discovery))
    except Refused as refusal:
        if refusal.reason != "signature":
            raise
        # A key the provider rotated in since the keys were kept: fetch them once more.
        token = _decode(id_token, _keys(provider, discovery, fresh=True))
    claims = token.claims
    registry = jwt.JWTClaimsRegistry(
        now=int(now),
        leeway=LEEWAY_SECONDS,
        iss={"essential": True, "value": discovery.issuer},
        aud={"essential": True, "value": provider.client_id},
        sub={"essential": True},
        exp={"essential": True},
        iat={"essential": True},
        nonce={"essential": True, "value": nonce},
    )
    try:
        registry.validate(claims)
    except MissingClaimError:
        raise _claim_refusal("missing") from None
    except JoseError as error:
        raise _claim_refusal(getattr(error, "claim", "") or "") from None
    audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
    if (len(audiences) > 1 or "azp" in claims) and claims.get("azp") != provider.client_id:
        raise _claim_refusal("aud")
    return claims


def _decode(id_token: str, keys: KeySet):
    try:
        return jwt.decode(id_token, keys, algorithms=ALGORITHMS)
    except (JoseError, ValueError):
        raise Refused(
            _("Your identity provider's answer was not signed with its keys. Please start again."), reason="signature"
        ) from None


def _claim_refusal(claim: str) -> Refused:
    if claim == "exp":
        return Refused(_("Your sign-in has expired. Please start again."), reason="expired")
    if claim == "nonce":
        return Refused(
            _("This sign-in does not match the one this browser started. Please start again."), reason="nonce"
        )
    if claim == "iss":
        return Refused(_("Your sign-in came from another identity provider than expected."), reason="issuer")
    if claim == "aud":
        return Refused(_("Your sign-in was meant for another application than this portal."), reason="audience")
    return Refused(_("Your identity provider's answer was incomplete. Please start again."), reason=f"claim_{claim}")

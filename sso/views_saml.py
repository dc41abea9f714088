"""SAML 2.0 on an organisation's host: the service provider's metadata, the start (to the provider's single
sign-on address) and the Assertion Consumer Service, which ends in sso.identity.complete_sign_in."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.cache import add_never_cache_headers
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from portal import policy
from sso import identity, oidc, saml, saml_flow, selectors
from sso.identity import Refused
from sso.models import IdentityProvider, Protocol

CONTINUED_FIELD = "continued"


def start(request: HttpRequest, provider: IdentityProvider) -> HttpResponse:
    """sso.views.sign_in_start's SAML step: to the provider with a new AuthnRequest."""
    return redirect(saml_flow.sign_in_url(request, provider))


@require_GET
def metadata(request: HttpRequest, pk: int) -> HttpResponse:
    """The portal's service-provider metadata for this provider (its entity id is this very address)."""
    provider = selectors.saml_provider(organisation=request.actor.organisation, pk=pk)
    if provider is None:
        raise Http404(policy.NOT_FOUND)
    xml = saml.sp_metadata(saml_flow.service_provider(provider))
    response = HttpResponse(xml, content_type="application/samlmetadata+xml; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="portal-saml-{provider.pk}.xml"'
    return response


# The provider's page POSTs the answer from its own site, and the session cookie (SameSite=Lax) does not
# come with a cross-site POST: the first arrival without it hands the answer back to the browser, which
# posts it again from this host, now with the cookie. CSRF does not apply: the answer is bound to the
# session by its InResponseTo instead.
@csrf_exempt
@require_POST
def acs(request: HttpRequest, pk: int) -> HttpResponse:
    organisation = request.actor.organisation
    if organisation is None:
        raise Http404(policy.NOT_FOUND)
    provider = selectors.provider_for_sign_in(organisation=organisation, pk=pk)
    saml_response = request.POST.get("SAMLResponse", "")
    if provider is None or provider.protocol != Protocol.SAML:
        return identity.refused_response(request, identity.no_access(), provider=None)
    if oidc.FLOWS_KEY not in request.session and not request.POST.get(CONTINUED_FIELD) and saml_response:
        context = {
            "provider": provider,
            "saml_response": saml_response,
            "action": request.path,
            "continued_field": CONTINUED_FIELD,
        }
        response = render(request, "sso/saml_continue.html", context)
        add_never_cache_headers(response)  # it holds the answer until it is spent
        return response
    try:
        claims = saml_flow.claims_from_response(request, provider, saml_response)
    except Refused as refusal:
        return identity.refused_response(request, refusal, provider=provider)
    return identity.complete_sign_in(request, provider, claims)

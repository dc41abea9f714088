"""Signing in through an organisation's identity provider: the start (organisation host), the OpenID Connect
callback, and the public host's routing of a typed address to its organisation's provider. Every protocol
ends in sso.identity.complete_sign_in."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from portal import policy
from sso import identity, oidc, selectors, views_saml
from sso.forms import SsoRouteForm
from sso.identity import Refused
from sso.models import IdentityProvider, Protocol
from tenants import services as tenant_services

OIDC_CALLBACK_PATH = "/login/sso/oidc/callback/"


def oidc_redirect_uri(organisation, request: HttpRequest | None = None) -> str:
    """The redirect URI to register at the provider (the same for every provider of the organisation)."""
    return tenant_services.organisation_url(organisation, OIDC_CALLBACK_PATH, request=request)


def _provider_for_sign_in(request: HttpRequest, pk: int) -> IdentityProvider:
    provider = selectors.provider_for_sign_in(organisation=request.actor.organisation, pk=pk)
    if provider is None:
        raise Http404(policy.NOT_FOUND)
    return provider


def _oidc_start(request: HttpRequest, provider: IdentityProvider) -> HttpResponse:
    url = oidc.authorization_url(
        request,
        provider,
        redirect_uri=oidc_redirect_uri(request.actor.organisation, request),
        login_hint=request.GET.get("login_hint", "")[:254],
    )
    return redirect(url)


# How each protocol starts a sign-in: (request, provider) -> the answer sending the browser to the provider.
STARTS = {Protocol.OIDC: _oidc_start, Protocol.SAML: views_saml.start}


@require_GET
def sign_in_start(request: HttpRequest, pk: int) -> HttpResponse:
    """Organisation host: leave for the provider ("Sign in with <provider>")."""
    if request.actor.organisation is None:
        raise Http404(policy.NOT_FOUND)
    provider = _provider_for_sign_in(request, pk)
    start = STARTS.get(provider.protocol)
    if start is None:
        raise Http404(policy.NOT_FOUND)
    identity.next_remember(request, request.GET.get("next", "/"))
    try:
        return start(request, provider)
    except Refused as refusal:
        return identity.refused_response(request, refusal, provider=provider)


@require_GET
def oidc_callback(request: HttpRequest) -> HttpResponse:
    """Organisation host: the provider sends the browser back with a code (or an error)."""
    organisation = request.actor.organisation
    if organisation is None:
        raise Http404(policy.NOT_FOUND)
    provider = None
    try:
        flow = oidc.flow_take(request, request.GET.get("state", ""))
        provider = selectors.provider_for_sign_in(organisation=organisation, pk=flow["provider"])
        if provider is None or provider.protocol != Protocol.OIDC:
            raise identity.no_access()
        if request.GET.get("error") or not request.GET.get("code"):
            raise Refused(_("Your identity provider did not sign you in. Please try again."), reason="provider_error")
        claims = oidc.claims_from_callback(
            provider=provider,
            flow=flow,
            code=request.GET["code"],
            redirect_uri=oidc_redirect_uri(organisation, request),
        )
    except Refused as refusal:
        return identity.refused_response(request, refusal, provider=provider)
    return identity.complete_sign_in(request, provider, claims)


@require_GET
def sso_route(request: HttpRequest) -> HttpResponse:
    """Public host: an address whose domain an organisation claimed leads to that organisation's provider."""
    form = SsoRouteForm(request.GET or None, auto_id="sso_%s")
    provider = None
    if form.is_valid():
        provider = selectors.provider_for_email(form.cleaned_data["email"])
        if provider is None:
            form.add_error(
                "email",
                _("No organisation signs in with single sign-on for this address. Sign in with your password."),
            )
    context = {"form": form, "provider": provider}
    if provider is not None:
        context["start_url"] = tenant_services.organisation_url(
            provider.organisation,
            f"/login/sso/{provider.pk}/?login_hint={form.cleaned_data['email']}",
            request=request,
        )
    return render(request, "sso/route.html", context)

"""HR's single sign-on settings (organisation host) and platform staff's domain claims (public host)."""

from __future__ import annotations

from functools import partial

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from portal import policy
from portal.forms import form_submit
from sso import saml_flow, services
from sso.forms import DomainClaimForm, IdentityProviderForm, SignInPolicyForm
from sso.models import DomainClaim, IdentityProvider, Protocol, SignInPolicy
from sso.views import oidc_redirect_uri
from tenants.models import Role, User


def _hr_managers(organisation):
    return User.objects.filter(
        memberships__organisation=organisation, memberships__role=Role.HR_MANAGER, memberships__is_active=True
    ).order_by("first_name", "last_name", "email")


@require_http_methods(["GET", "POST"])
@policy.page(policy.HR_MANAGER)
def sign_in_settings(request: HttpRequest) -> HttpResponse:
    """HR: the organisation's identity providers, its sign-in policy and its email domains."""
    organisation = request.actor.organisation
    sign_in_policy = SignInPolicy.objects.filter(organisation=organisation).first()
    current = {
        "jit_people": bool(sign_in_policy and sign_in_policy.jit_people),
        "sso_required": bool(sign_in_policy and sign_in_policy.sso_required),
        "break_glass": list(sign_in_policy.break_glass.all()) if sign_in_policy else [],
    }
    posted = request.POST.get("form")
    policy_form = SignInPolicyForm(
        request.POST if posted == "policy" else None,
        initial=current,
        hr_managers=_hr_managers(organisation),
        auto_id="policy_%s",
    )
    domain_form = DomainClaimForm(request.POST if posted == "domain" else None, auto_id="domain_%s")
    act = partial(services.sign_in_policy_update, organisation=organisation, acting_user=request.user)
    if posted == "policy" and form_submit(request, policy_form, act):
        messages.success(request, _("The sign-in settings are saved."))
        return redirect("sso_settings")
    claim = partial(services.domain_claim_request, organisation=organisation, acting_user=request.user)
    if posted == "domain" and form_submit(request, domain_form, claim):
        messages.success(request, _("The domain is claimed. It counts once platform staff have checked it."))
        return redirect("sso_settings")
    context = {
        "providers": policy.scope(request.actor, IdentityProvider).order_by("name"),
        "claims": policy.scope(request.actor, DomainClaim).order_by("domain"),
        "policy_form": policy_form,
        "domain_form": domain_form,
        "redirect_uri": oidc_redirect_uri(organisation, request),
    }
    return render(request, "sso/settings.html", context)


@require_http_methods(["GET", "POST"])
@policy.page(policy.HR_MANAGER)
def provider_add(request: HttpRequest) -> HttpResponse:
    form = IdentityProviderForm(request.POST or None, request.FILES or None)
    act = partial(services.identity_provider_create, organisation=request.actor.organisation, acting_user=request.user)
    if form_submit(request, form, act):
        messages.success(request, _("The identity provider is added."))
        return redirect("sso_settings")
    context = {"form": form, "redirect_uri": oidc_redirect_uri(request.actor.organisation, request)}
    return render(request, "sso/provider_form.html", context)


@require_http_methods(["GET", "POST"])
@policy.page(policy.HR_MANAGER)
def provider_edit(request: HttpRequest, pk: int) -> HttpResponse:
    provider = policy.get_or_404(request.actor, IdentityProvider, pk=pk)
    form = IdentityProviderForm.for_provider(provider, request.POST or None, request.FILES or None)
    act = partial(services.identity_provider_update, provider=provider, acting_user=request.user)
    if form_submit(request, form, act):
        messages.success(request, _("The identity provider is saved."))
        return redirect("sso_settings")
    context = {
        "form": form,
        "provider": provider,
        "redirect_uri": oidc_redirect_uri(request.actor.organisation, request),
        # What HR enters at a SAML provider (the values exist from the moment the provider does).
        "saml_values": saml_flow.service_provider_values(provider) if provider.protocol == Protocol.SAML else None,
    }
    return render(request, "sso/provider_form.html", context)


@require_POST
@policy.page(policy.HR_MANAGER)
def provider_delete(request: HttpRequest, pk: int) -> HttpResponse:
    provider = policy.get_or_404(request.actor, IdentityProvider, pk=pk)
    services.identity_provider_delete(provider=provider, acting_user=request.user)
    messages.success(request, _("The identity provider is removed."))
    return redirect("sso_settings")


@require_POST
@policy.page(policy.HR_MANAGER)
def domain_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    claim = policy.get_or_404(request.actor, DomainClaim, pk=pk)
    services.domain_claim_remove(claim=claim, acting_user=request.user)
    messages.success(request, _("The claim to %(domain)s is withdrawn.") % {"domain": claim.domain})
    return redirect("sso_settings")


@require_http_methods(["GET"])
@policy.page(platform_staff=True)
def platform_domains(request: HttpRequest) -> HttpResponse:
    """Platform staff: the email domains organisations claimed, the unchecked ones first."""
    claims = (
        policy.scope(request.actor, DomainClaim)
        .select_related("organisation", "requested_by", "approved_by")
        .order_by("-approved_at", "domain")
    )
    pending = [claim for claim in claims if claim.approved_at is None]
    approved = [claim for claim in claims if claim.approved_at is not None]
    return render(request, "sso/platform_domains.html", {"pending": pending, "approved": approved})


@require_POST
@policy.page(platform_staff=True)
def platform_domain_approve(request: HttpRequest, pk: int) -> HttpResponse:
    claim = policy.get_or_404(request.actor, DomainClaim, pk=pk)
    services.domain_claim_approve(claim=claim, acting_user=request.user)
    messages.success(
        request,
        _("%(domain)s now belongs to %(organisation)s.")
        % {"domain": claim.domain, "organisation": claim.organisation.name},
    )
    return redirect("platform_domains")


@require_POST
@policy.page(platform_staff=True)
def platform_domain_remove(request: HttpRequest, pk: int) -> HttpResponse:
    claim = policy.get_or_404(request.actor, DomainClaim, pk=pk)
    services.domain_claim_remove(claim=claim, acting_user=request.user)
    messages.success(request, _("The claim to %(domain)s is removed.") % {"domain": claim.domain})
    return redirect("platform_domains")

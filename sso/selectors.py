"""Reads of single sign-on: which providers a sign-in page offers, where the public host sends an address,
and whether a password may still be used on an organisation's host."""

from __future__ import annotations

from sso.models import DomainClaim, IdentityProvider, Protocol, SignInPolicy
from tenants.models import Membership, Organisation, Role, User


def providers_for_sign_in(*, organisation: Organisation | None) -> list[IdentityProvider]:
    if organisation is None:
        return []
    return list(IdentityProvider.objects.filter(organisation=organisation, enabled=True).order_by("name", "pk"))


def provider_for_sign_in(*, organisation: Organisation | None, pk: int) -> IdentityProvider | None:
    """An enabled provider of the host's organisation, for a sign-in (nobody is signed in yet, so this is the
    sign-in page's own read, as the sign-in form's: the host decides, never the person)."""
    if organisation is None:
        return None
    return (
        IdentityProvider.objects.filter(organisation=organisation, enabled=True, pk=pk)
        .select_related("organisation")
        .first()
    )


def provider_for_email(email: str) -> IdentityProvider | None:
    """The provider of the organisation that claimed (approved) the address's domain, if it has one enabled."""
    domain = email.strip().lower().rsplit("@", 1)[-1] if "@" in email else ""
    if not domain:
        return None
    claim = (
        DomainClaim.objects.filter(domain=domain, approved_at__isnull=False, organisation__is_active=True)
        .select_related("organisation")
        .first()
    )
    if claim is None:
        return None
    return (
        IdentityProvider.objects.filter(organisation=claim.organisation, enabled=True)
        .select_related("organisation")
        .order_by("name", "pk")
        .first()
    )


def password_allowed(*, user: User, organisation: Organisation | None) -> bool:
    """May `user` sign in with a password on `organisation`'s host? Not a member there when the organisation
    requires single sign-on (and has a provider enabled), unless they coach there or are one of its
    break-glass HR accounts. The public host always (coaches and platform staff sign in there)."""
    if organisation is None:
        return True
    sign_in_policy = SignInPolicy.objects.filter(organisation=organisation, sso_required=True).first()
    if sign_in_policy is None:
        return True
    if not IdentityProvider.objects.filter(organisation=organisation, enabled=True).exists():
        return True  # nobody is locked out by a provider switched off
    roles = set(
        Membership.objects.filter(user=user, organisation=organisation, is_active=True).values_list("role", flat=True)
    )
    if Role.COACH in roles:
        return True
    return Role.HR_MANAGER in roles and sign_in_policy.break_glass.filter(pk=user.pk).exists()


def saml_provider(*, organisation: Organisation | None, pk: int) -> IdentityProvider | None:
    """A SAML provider of `organisation`, enabled or not: its service-provider metadata is public (no secret
    in it) and HR gives it to the identity provider before switching the provider on."""
    if organisation is None:
        return None
    return (
        IdentityProvider.objects.filter(organisation=organisation, protocol=Protocol.SAML, pk=pk)
        .select_related("organisation")
        .first()
    )

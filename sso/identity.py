"""Who is who at a single sign-on: what a protocol (sso.oidc, SAML) learnt from the provider, the rules that
decide which account it signs in, and the one entry point every protocol view ends in.

The rules (DESIGN.md, "Identity across organisations"):
- The external identity is the pair (issuer, subject), never the email address.
- A first sign-in links to an existing account only when the provider says the email address is verified
  *and* the account already holds an accepted membership in this organisation. An address with an account
  but no membership here is refused in the very words an unknown address gets (nOAuth: nothing says the
  account exists).
- An organisation's provider signs in only that organisation's members, on that organisation's host, and
  nothing it does grants or shows anything in another organisation.
- A coach's (or platform staff's) account serves several organisations and is never linked to one
  organisation's provider: it signs in with its password and a code.
- An account linked to one subject of a provider is never linked to another subject of it by its email.
- Just-in-time people (SignInPolicy.jit_people, off by default): an unknown, verified address in a domain
  this organisation has claimed (and platform staff approved) becomes an employee here. Otherwise the person
  is asked to talk to their HR department.
- The mapped details (department, job title, manager, employee number) update the person's employee profile
  in this organisation's schema. Names are written only on an account the sign-in created: an account is the
  person's own across organisations.

Two-factor sign-in: a sign-in through the organisation's provider is the organisation's own authentication
(its provider applies its own second factor policy), so the session counts as having passed the code step
on this host (tenants.two_factor.VERIFIED). Coaches and platform staff, who must use the portal's codes, are
never signed in this way. The session is bound to this host like any other, so it carries nowhere else.

Every refusal raises `Refused` before anything is written (one transaction), and renders one page with its
message.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _

from portal import policy
from programmes.models import EmployeeProfile
from sso.models import CLAIM_KEYS, DomainClaim, ExternalIdentity, IdentityProvider, SignInPolicy
from tenants import services as tenant_services
from tenants.models import Membership, PlatformEvent, Role, User

NEXT_KEY = "portal_sso_next"
TRUE_WORDS = frozenset({"true", "1", "yes", "on"})


@dataclass(frozen=True)
class Claims:
    """What the provider says about the person. `issuer` and `subject` are required; the rest is empty
    (or False) when the provider did not send it."""

    issuer: str
    subject: str
    email: str = ""
    email_verified: bool = False
    given_name: str = ""
    family_name: str = ""
    department: str = ""
    job_title: str = ""
    manager_email: str = ""
    employee_number: str = ""

    @classmethod
    def mapped(
        cls, *, issuer: str, subject: str, values: Mapping, attribute_map: Mapping[str, str], email_verified=None
    ) -> Claims:
        """Claims read from a provider's `values` (ID token claims, userinfo, SAML attributes; a list
        counts as its first item) through `attribute_map` (IdentityProvider.attributes()). A protocol that
        knows the address is verified on its own terms passes `email_verified`."""
        found = {}
        for key in CLAIM_KEYS:
            value = values.get(attribute_map.get(key, ""))
            if isinstance(value, list | tuple):
                value = value[0] if value else None
            found[key] = value
        verified = found.pop("email_verified")
        if email_verified is None:
            email_verified = verified is True or str(verified).strip().lower() in TRUE_WORDS
        text = {key: str(value).strip() if value is not None else "" for key, value in found.items()}
        text["email"] = text["email"].lower()
        return cls(issuer=str(issuer), subject=str(subject), email_verified=bool(email_verified), **text)


class Refused(Exception):
    """A sign-in is refused; `message` is what the person reads (translatable), `reason` a word for tests
    and logs."""

    def __init__(self, message, *, reason: str):
        super().__init__(reason)
        self.message = message
        self.reason = reason


# The one answer for "no account of yours is a member here": an unknown address, an address whose account
# belongs elsewhere (nOAuth), an identity of another organisation's provider, an ended membership.
NO_ACCESS = _(
    "You signed in with your organisation's account, but you have no access to this portal yet. Ask your HR "
    "department to invite you."
)


def no_access() -> Refused:
    return Refused(NO_ACCESS, reason="no_access")


def next_remember(request: HttpRequest, path: str) -> None:
    """Where to go after the sign-in a protocol view is about to start (a path on this host only)."""
    safe = url_has_allowed_host_and_scheme(path, allowed_hosts=None) and path.startswith("/")
    request.session[NEXT_KEY] = path if safe and not path.startswith("//") else "/"


def complete_sign_in(request: HttpRequest, provider: IdentityProvider, claims: Claims) -> HttpResponse:
    """Sign the person the provider vouches for in on this host, or render the refusal page."""
    try:
        user = sign_in_resolve(organisation=request.actor.organisation, provider=provider, claims=claims)
    except Refused as refusal:
        return refused_response(request, refusal, provider=provider)
    next_path = request.session.pop(NEXT_KEY, "/")
    tenant_services.session_sign_in(request, user, second_factor=True)
    return redirect(next_path)


def refused_response(request: HttpRequest, refusal: Refused, *, provider: IdentityProvider | None) -> HttpResponse:
    request.session.pop(NEXT_KEY, None)
    context = {"message": refusal.message, "provider": provider, "reason": refusal.reason}
    return render(request, "sso/refused.html", context, status=403)


def sign_in_resolve(*, organisation, provider: IdentityProvider, claims: Claims) -> User:
    """The account `claims` sign in through `provider` on `organisation`'s host (the rules above), linked
    and its employee profile updated; raises Refused with nothing written."""
    if organisation is None or provider.organisation_id != organisation.pk or not provider.enabled:
        raise Refused(_("This sign-in does not belong to this organisation. Please start again."), reason="provider")
    if not claims.issuer or not claims.subject:
        raise Refused(_("Your identity provider did not say who you are. Please try again."), reason="subject")
    try:
        with transaction.atomic():
            user = _account(organisation, provider, claims)
            _profile_update(user, organisation, claims)
    except IntegrityError:
        # The same person signing in twice at once: the other sign-in made the link.
        raise Refused(_("Your sign-in crossed another one. Please try again."), reason="race") from None
    return user


def _account(organisation, provider: IdentityProvider, claims: Claims) -> User:
    identity = (
        ExternalIdentity.objects.select_for_update()
        .select_related("user")
        .filter(issuer=claims.issuer, subject=claims.subject)
        .first()
    )
    if identity is not None:
        if identity.provider_id != provider.pk:
            raise no_access()
        _check_member(identity.user, organisation)
        identity.last_used_at = timezone.now()
        identity.save(update_fields=["last_used_at"])
        return identity.user
    if not claims.email:
        raise Refused(
            _("Your identity provider did not send your email address. Ask your HR department to check its set-up."),
            reason="no_email",
        )
    if not claims.email_verified:
        raise Refused(
            _(
                "Your identity provider has not confirmed that this email address is yours, so it cannot sign you "
                "in here. Ask your HR department."
            ),
            reason="unverified",
        )
    account = User.objects.filter(email=claims.email).first()
    if account is None:
        account = _jit_account(organisation, provider, claims)
    else:
        _check_member(account, organisation)
        if ExternalIdentity.objects.filter(provider=provider, user=account).exists():
            raise Refused(
                _("Your account here is already linked to another identity at %(provider)s. Ask your HR department.")
                % {"provider": provider.name},
                reason="other_subject",
            )
    ExternalIdentity.objects.create(
        provider=provider, issuer=claims.issuer, subject=claims.subject, user=account, last_used_at=timezone.now()
    )
    PlatformEvent.objects.create(
        actor=account,
        organisation=organisation,
        action="sso.identity_linked",
        detail={"user": account.pk, "provider": provider.pk},
    )
    return account


def _check_member(user: User, organisation) -> None:
    roles = set(
        Membership.objects.filter(user=user, is_active=True, organisation__is_active=True).values_list(
            "organisation_id", "role"
        )
    )
    if not user.is_active or not any(organisation_id == organisation.pk for organisation_id, _role in roles):
        raise no_access()
    if user.is_staff or any(role == Role.COACH for _organisation_id, role in roles):
        raise Refused(
            _("Coaches sign in with their password and a code from their app, not through an organisation's account."),
            reason="coach",
        )


def _jit_account(organisation, provider: IdentityProvider, claims: Claims) -> User:
    domain = claims.email.rsplit("@", 1)[-1]
    allowed = (
        SignInPolicy.objects.filter(organisation=organisation, jit_people=True).exists()
        and DomainClaim.objects.filter(organisation=organisation, domain=domain, approved_at__isnull=False).exists()
    )
    if not allowed:
        raise no_access()
    user = tenant_services.user_get_or_create(
        email=claims.email, first_name=claims.given_name[:150], last_name=claims.family_name[:150]
    )
    tenant_services.membership_grant(user=user, organisation=organisation, role=Role.EMPLOYEE)
    PlatformEvent.objects.create(
        actor=user,
        organisation=organisation,
        action="sso.joined",
        detail={"user": user.pk, "provider": provider.pk},
    )
    return user


def _profile_update(user: User, organisation, claims: Claims) -> None:
    """The mapped details the provider sent, in this organisation's schema (the host's connection)."""
    details = {}
    if claims.department:
        details["department"] = claims.department[:120]
    if claims.job_title:
        details["job_title"] = claims.job_title[:120]
    if claims.employee_number:
        details["employee_number"] = claims.employee_number[:64]
    if claims.manager_email and claims.manager_email.lower() != user.email:
        manager_id = (
            Membership.objects.filter(
                user__email=claims.manager_email.lower(), organisation=organisation, is_active=True
            )
            .values_list("user_id", flat=True)
            .first()
        )
        if manager_id is not None:
            details["manager_id"] = manager_id
    if details and policy.roles_of(user, organisation) & {policy.EMPLOYEE, policy.HR_MANAGER}:
        EmployeeProfile.objects.update_or_create(user_id=user.pk, defaults=details)

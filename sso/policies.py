"""Access rules of single sign-on (see portal.policy)."""

from django.db.models import QuerySet

from portal import policy
from portal.policy import Actor
from sso.models import DomainClaim, ExternalIdentity, IdentityProvider, SignInPolicy


@policy.rule(IdentityProvider)
def providers_visible(actor: Actor, providers: QuerySet) -> QuerySet:
    # On an organisation's host: its HR managers see every provider; anyone else (signed out included) the
    # enabled ones, which the sign-in page offers. Nothing of another organisation, nothing on the public host.
    if actor.organisation is None:
        return providers.none()
    here = providers.filter(organisation=actor.organisation)
    return here if actor.is_hr else here.filter(enabled=True)


@policy.rule(DomainClaim)
def domain_claims_visible(actor: Actor, claims: QuerySet) -> QuerySet:
    if actor.is_platform_staff:
        return claims
    if actor.organisation is not None and actor.is_hr:
        return claims.filter(organisation=actor.organisation)
    return claims.none()


@policy.rule(SignInPolicy)
def sign_in_policies_visible(actor: Actor, policies: QuerySet) -> QuerySet:
    if actor.organisation is not None and actor.is_hr:
        return policies.filter(organisation=actor.organisation)
    return policies.none()


@policy.rule(ExternalIdentity)
def identities_visible(actor: Actor, identities: QuerySet) -> QuerySet:
    # A person sees their own links; HR those made through their organisation's providers.
    if actor.organisation is not None and actor.is_hr:
        return identities.filter(provider__organisation=actor.organisation)
    if actor.user_id is None:
        return identities.none()
    return identities.filter(user_id=actor.user_id)

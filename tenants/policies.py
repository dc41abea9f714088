"""Access rules for the public-schema models (see portal/policy.py)."""

from django.db.models import QuerySet

from portal import policy
from portal.policy import Actor
from tenants.models import ApiToken, Invitation, Membership, Organisation, PlatformEvent, User


@policy.rule(Membership)
def memberships_visible(actor: Actor, memberships: QuerySet) -> QuerySet:
    if actor.organisation is None:
        return memberships.filter(user_id=actor.user_id)
    here = memberships.filter(organisation=actor.organisation)
    if actor.is_hr:
        return here
    if actor.is_coach:
        # A coach sees the people of the organisations they serve, not their administration.
        return here.filter(role__in=[policy.EMPLOYEE, policy.COACH])
    return here.filter(user_id=actor.user_id)


@policy.rule(User)
def users_visible(actor: Actor, users: QuerySet) -> QuerySet:
    if actor.organisation is None:
        return users.filter(pk=actor.user_id)
    member_ids = memberships_visible(actor, Membership.objects.all()).values("user_id")
    return users.filter(pk__in=member_ids)


@policy.rule(Organisation)
def organisations_visible(actor: Actor, organisations: QuerySet) -> QuerySet:
    if actor.is_platform_staff:
        return organisations.exclude(schema_name="public")
    return organisations.filter(
        memberships__user_id=actor.user_id, memberships__is_active=True, is_active=True
    ).distinct()


@policy.rule(PlatformEvent)
def platform_events_visible(actor: Actor, events: QuerySet) -> QuerySet:
    if actor.is_platform_staff:
        return events
    if actor.is_hr:
        # That a person exercised a data right is their business: HR gets counts, never the events.
        return events.filter(organisation=actor.organisation).exclude(
            action__startswith=PlatformEvent.DATA_RIGHT_PREFIX
        )
    return events.none()


@policy.rule(Invitation)
def invitations_visible(actor: Actor, invitations: QuerySet) -> QuerySet:
    if actor.organisation is None:
        # On the public host: the invitations addressed to the signed-in person, from any organisation.
        email = getattr(actor.user, "email", "")
        return invitations.filter(email=email.lower()) if email else invitations.none()
    if actor.is_hr:
        return invitations.filter(organisation=actor.organisation)
    return invitations.none()


@policy.rule(ApiToken)
def api_tokens_visible(actor: Actor, tokens: QuerySet) -> QuerySet:
    # A person's API tokens are theirs alone: nobody else, HR and platform staff included, lists them.
    if actor.user_id is None:
        return tokens.none()
    return tokens.filter(user_id=actor.user_id)

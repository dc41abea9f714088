"""Reads for organisations and people, always through the policy."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.utils import timezone
from django_tenants.utils import get_public_schema_name

from portal import policy
from tenants.models import Invitation, Membership, Organisation, PlatformEvent, User


def my_memberships(*, user: User) -> QuerySet[Membership]:
    """Every active role of `user`, across organisations (for the public host's "my organisations")."""
    return (
        Membership.objects.filter(user=user, is_active=True, organisation__is_active=True)
        .exclude(organisation__schema_name=get_public_schema_name())
        .select_related("organisation")
        .order_by("organisation__name", "role")
    )


def my_organisations(*, user: User) -> list[dict]:
    grouped: dict[int, dict] = {}
    for membership in my_memberships(user=user):
        entry = grouped.setdefault(
            membership.organisation_id, {"organisation": membership.organisation, "roles": [], "codes": []}
        )
        entry["roles"].append(membership.get_role_display())
        entry["codes"].append(membership.role)
    return list(grouped.values())


def people_list(*, actor: policy.Actor, role: str | None = None, search: str = "") -> QuerySet[Membership]:
    memberships = (
        policy.scope(actor, Membership)
        .select_related("user")
        .order_by("user__last_name", "user__first_name", "user__email", "role")
    )
    if role:
        memberships = memberships.filter(role=role)
    for word in search.split():
        memberships = memberships.filter(
            Q(user__email__icontains=word) | Q(user__first_name__icontains=word) | Q(user__last_name__icontains=word)
        )
    return memberships


def invitations_pending(*, actor: policy.Actor) -> QuerySet[Invitation]:
    """HR: this organisation's invitations nobody has answered yet (expired ones too, to send again),
    with the names HR entered: nothing about the account an address may have elsewhere."""
    return (
        policy.scope(actor, Invitation)
        .filter(status=Invitation.Status.PENDING)
        .order_by("last_name", "first_name", "email", "created_at")
    )


def my_invitations(*, actor: policy.Actor) -> QuerySet[Invitation]:
    """Public host: the open invitations to the signed-in person's address, to accept or decline."""
    return (
        policy.scope(actor, Invitation)
        .filter(status=Invitation.Status.PENDING, expires_at__gt=timezone.now(), organisation__is_active=True)
        .select_related("organisation")
        .order_by("created_at")
    )


def organisations_list(*, actor: policy.Actor) -> QuerySet[Organisation]:
    return policy.scope(actor, Organisation).prefetch_related("domains").order_by("name")


def platform_events(*, actor: policy.Actor, limit: int = 50) -> QuerySet[PlatformEvent]:
    return policy.scope(actor, PlatformEvent).select_related("actor", "organisation")[:limit]

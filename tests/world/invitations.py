"""Accepting invitations in tests, as the people invited would: an invitation makes nobody a member
until it is accepted (a new address sets a password through the link, an account in use accepts while
signed in)."""

from __future__ import annotations

from django_tenants.utils import schema_context

from tenants import services
from tenants.models import Invitation, User

NEW_PASSWORD = "a sturdy passphrase 42"


def accept(*emails: str, organisation=None) -> list[User]:
    """Accept every pending invitation to each address (of `organisation`, when given), oldest first;
    the accounts that are members now."""
    accepted = []
    with schema_context("public"):
        for email in emails:
            invitations = Invitation.objects.filter(email=email.lower(), status=Invitation.Status.PENDING)
            if organisation is not None:
                invitations = invitations.filter(organisation=organisation)
            for invitation in invitations.select_related("organisation").order_by("created_at"):
                account = services.invitation_account(invitation)
                if services.account_in_use(account):
                    services.invitation_accept(invitation=invitation, user=account)
                else:
                    account = services.invitation_accept_with_password(invitation=invitation, password=NEW_PASSWORD)
                accepted.append(account)
    return accepted

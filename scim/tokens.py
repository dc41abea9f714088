"""SCIM tokens: made by HR (or an operator's command), shown once, stored as their digest, revocable.

A token reads `scim_<8 characters>_<secret>` and is kept in its organisation's schema, so it is found only
on that organisation's host. The hashing and the rules for names and lifetimes are those of personal API
tokens (tenants.tokens).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from scim.models import ScimToken
from tenants.models import Organisation, PlatformEvent, User
from tenants.tokens import LAST_USED_PRECISION, PREFIX_LENGTH, _clean_name, _expiry, digest_of

TOKEN_START = "scim_"


@dataclass(frozen=True)
class Issued:
    token: ScimToken
    raw: str


@transaction.atomic
def scim_token_create(
    *, organisation: Organisation, name: str, created_by: User | None, expires_in_days: int | None = None
) -> Issued:
    """Make a SCIM token in the current (the organisation's) schema; `raw` is shown once and never stored."""
    name = _clean_name(name)
    expires_at = _expiry(expires_in_days)
    prefix = TOKEN_START + secrets.token_hex(PREFIX_LENGTH // 2)
    raw = f"{prefix}_{secrets.token_urlsafe(32)}"
    token = ScimToken.objects.create(
        name=name, prefix=prefix, digest=digest_of(raw), created_by=created_by, expires_at=expires_at
    )
    PlatformEvent.objects.create(
        actor=created_by,
        organisation=organisation,
        action="scim_token.created",
        detail={"token": token.pk, "prefix": prefix, "expires_at": expires_at.isoformat()},
    )
    return Issued(token=token, raw=raw)


@transaction.atomic
def scim_token_revoke(*, organisation: Organisation, token: ScimToken, acting_user: User | None) -> ScimToken:
    locked = ScimToken.objects.select_for_update().get(pk=token.pk)
    if locked.revoked_at is None:
        locked.revoked_at = timezone.now()
        locked.save(update_fields=["revoked_at"])
        PlatformEvent.objects.create(
            actor=acting_user,
            organisation=organisation,
            action="scim_token.revoked",
            detail={"token": locked.pk, "prefix": locked.prefix},
        )
    return locked


def scim_token_find(raw: str) -> ScimToken | None:
    """The usable token `raw` names in this schema (not revoked, not expired), or None."""
    if not raw or len(raw) > 200 or not raw.startswith(TOKEN_START):
        return None
    token = ScimToken.objects.filter(
        digest=digest_of(raw), revoked_at__isnull=True, expires_at__gt=timezone.now()
    ).first()
    if token is not None:
        now = timezone.now()
        if token.last_used_at is None or now - token.last_used_at >= LAST_USED_PRECISION:
            ScimToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token

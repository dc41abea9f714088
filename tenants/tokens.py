"""Personal API tokens: made, listed, revoked by their owner; checked on every API request.

A token reads `pt_<8 characters>_<secret>`. The part before the second underscore is its prefix, kept and
shown so the owner can tell their tokens apart; the whole token is stored only as its SHA-256 digest, so
it is shown once and never again. Tokens made before named tokens existed (40 hexadecimal characters) were
moved here by their digest in migration tenants 0005 and keep working until they expire.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tenants.models import ApiToken, Organisation, PlatformEvent, User

TOKEN_START = "pt_"
PREFIX_LENGTH = 8
NAME_MAX_LENGTH = 100
# last_used_at is written at most once a minute per token: one cheap UPDATE, not one per request.
LAST_USED_PRECISION = timedelta(minutes=1)


def digest_of(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


@dataclass(frozen=True)
class Issued:
    """A token just made: the row, and the token itself, which exists nowhere else."""

    token: ApiToken
    raw: str


def _clean_name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("Give the token a name, so you can recognise it later.")})
    if len(name) > NAME_MAX_LENGTH:
        raise ValidationError(
            {"name": _("A token's name has at most %(count)s characters.") % {"count": NAME_MAX_LENGTH}}
        )
    return name


def _expiry(expires_in_days: int | None) -> datetime:
    maximum = settings.API_TOKEN_MAX_DAYS
    days = min(settings.API_TOKEN_DEFAULT_DAYS, maximum) if expires_in_days is None else expires_in_days
    if not isinstance(days, int) or isinstance(days, bool) or days < 1 or days > maximum:
        raise ValidationError(
            {
                "expires_in_days": _("A token lives from 1 to %(maximum)s days: choose a number in between.")
                % {"maximum": maximum}
            }
        )
    return timezone.now() + timedelta(days=days)


@transaction.atomic
def token_create(
    *,
    user: User,
    name: str,
    expires_in_days: int | None = None,
    read_only: bool = False,
    organisation: Organisation | None = None,
) -> Issued:
    """Make a token for `user`; the returned `raw` token is shown once and never stored."""
    name = _clean_name(name)
    expires_at = _expiry(expires_in_days)
    prefix = TOKEN_START + secrets.token_hex(PREFIX_LENGTH // 2)
    raw = f"{prefix}_{secrets.token_urlsafe(32)}"
    token = ApiToken.objects.create(
        user=user, name=name, prefix=prefix, digest=digest_of(raw), read_only=bool(read_only), expires_at=expires_at
    )
    PlatformEvent.objects.create(
        actor=user,
        organisation=organisation,
        action="api_token.created",
        detail={
            "token": token.pk,
            "prefix": prefix,
            "read_only": token.read_only,
            "expires_at": expires_at.isoformat(),
        },
    )
    return Issued(token=token, raw=raw)


@transaction.atomic
def token_revoke(*, user: User, token: ApiToken, organisation: Organisation | None = None) -> ApiToken:
    """The owner ends a token at once. Revoking a revoked token changes nothing."""
    locked = ApiToken.objects.select_for_update().get(pk=token.pk, user=user)
    if locked.revoked_at is None:
        locked.revoked_at = timezone.now()
        locked.save(update_fields=["revoked_at"])
        PlatformEvent.objects.create(
            actor=user,
            organisation=organisation,
            action="api_token.revoked",
            detail={"token": locked.pk, "prefix": locked.prefix},
        )
    return locked


def token_find(raw: str) -> ApiToken | None:
    """The usable token `raw` names (not revoked, not expired, its owner active), or None."""
    if not raw or len(raw) > 200:
        return None
    token = (
        ApiToken.objects.select_related("user")
        .filter(digest=digest_of(raw), revoked_at__isnull=True, expires_at__gt=timezone.now())
        .first()
    )
    if token is None or not token.user.is_active:
        return None
    return token


def token_used(token: ApiToken) -> None:
    """Record that `token` was used: one conditional UPDATE, at most once per LAST_USED_PRECISION."""
    now = timezone.now()
    if token.last_used_at is not None and now - token.last_used_at < LAST_USED_PRECISION:
        return
    ApiToken.objects.filter(pk=token.pk).exclude(last_used_at__gte=now - LAST_USED_PRECISION).update(last_used_at=now)
    token.last_used_at = now

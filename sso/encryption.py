"""Secrets the portal must use again (an identity provider's client secret), encrypted at rest with Fernet
(AES-128-CBC with HMAC-SHA256, from `cryptography`).

The keys come from SSO_ENCRYPTION_KEY: one or more Fernet keys separated by spaces, the first encrypting and
every one decrypting, so a key is rotated by putting the new one first and re-saving the secrets
(`manage.py identity_provider rekey`). Without it the key is derived from SECRET_KEY, which then must not
change while secrets are stored.
"""

from __future__ import annotations

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings


class Undecryptable(Exception):
    """The stored secret was encrypted with a key that is no longer configured."""


def derived_key(secret_key: str) -> bytes:
    # A key of its own for this purpose, never the secret key itself.
    digest = hashlib.sha256(b"portal.sso.encryption\0" + secret_key.encode()).digest()
    return base64.urlsafe_b64encode(digest)


def _fernet() -> MultiFernet:
    configured = (getattr(settings, "SSO_ENCRYPTION_KEY", "") or "").split()
    keys = [key.encode() for key in configured] or [derived_key(settings.SECRET_KEY)]
    return MultiFernet([Fernet(key) for key in keys])


def encrypt(text: str) -> str:
    return _fernet().encrypt(text.encode()).decode() if text else ""


def decrypt(token: str) -> str:
    if not token:
        return ""
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken:
        raise Undecryptable() from None


def reencrypt(token: str) -> str:
    """The same secret under the first configured key."""
    return _fernet().rotate(token.encode()).decode() if token else ""

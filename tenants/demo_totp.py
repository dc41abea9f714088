"""The demo's published authenticator key and its codes, without Django (the load and fuzz scripts use it too).

The demo coach and platform staff sign in with two factors, as their roles require; their authenticator holds
this key (base32, as apps take it). `manage.py demo_code` prints the current code. Never in production:
seed_demo, which sets it, refuses to run there."""

from __future__ import annotations

import base64
import time

from django_otp.oath import TOTP

DEMO_TOTP_KEY = "DEMODEMODEMODEMODEMODEMODEMODEMO"
STEP_SECONDS = 30


def demo_key_hex() -> str:
    """DEMO_TOTP_KEY as django-otp stores keys."""
    return base64.b32decode(DEMO_TOTP_KEY).hex()


def demo_code(at: float | None = None) -> str:
    """The code an app holding DEMO_TOTP_KEY shows now (or at the unix time `at`)."""
    totp = TOTP(base64.b32decode(DEMO_TOTP_KEY), step=STEP_SECONDS)
    if at is not None:
        totp.time = at
    return f"{totp.token():06d}"


def code_after(last_step: int) -> tuple[str, int]:
    """A code the portal accepts now from an account whose last accepted code was of time step `last_step`,
    and its step. A code is good once; the portal also takes the next step's code (clock drift), so a second
    sign-in within the same 30 seconds uses that one, and only a third waits."""
    step = max(int(time.time()) // STEP_SECONDS, last_step + 1)
    while step > int(time.time()) // STEP_SECONDS + 1:
        time.sleep(0.5)
    return demo_code(at=step * STEP_SECONDS), step

"""Two-factor sign-in: codes from an authenticator app (django-otp's TOTP device) and single-use recovery codes.

Who must: platform staff, coaches, and HR managers of an organisation that requires it (`required`); anyone
else may. Signing in is two steps wherever it happens: the password, then a code (`verify`), and only then a
session (`tenants.services.session_sign_in` refuses to start one for an account with a device unless the code
step passed). A session remembers in SESSION_KEY how it began:
- VERIFIED: the code step passed; a handoff ticket made from it carries that to the organisation host;
- SETUP: someone who must have a second factor signed in without one: `TwoFactorSetupMiddleware` leads every
  request to the setup page until it is done;
- absent: an account without a second factor that needs none.

Wrong codes are throttled per account, across every client, by django-otp's device throttle (a doubling
wait from the first wrong code in a row); a wrong recovery code counts the same. Resets (platform staff for
anyone, HR for people who are members of their organisation only) are written to the platform audit and the
person is emailed.
"""

from __future__ import annotations

import base64
import hashlib
import math
import secrets

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest, JsonResponse
from django.shortcuts import redirect
from django.template.loader import get_template
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from portal import throttling
from tenants.models import Membership, Organisation, PlatformEvent, RecoveryCode, Role, User

SESSION_KEY = "portal_2fa"
VERIFIED = "verified"
SETUP = "setup"
# The password step passed, the code step not yet: {"user": pk, "at": unix time, "next": path}.
PENDING_KEY = "portal_2fa_pending"

RECOVERY_CODE_COUNT = 10
# 12 characters of an alphabet without look-alikes (no i, l, o, 0, 1): about 59 bits each.
RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
RECOVERY_CODE_LENGTH = 12


class CodeRefused(Exception):
    """A code was not accepted; `message` says why, `wait` is the seconds to wait when throttled (else 0)."""

    def __init__(self, message: str, wait: int = 0):
        super().__init__(message)
        self.message = message
        self.wait = wait


# --- who ------------------------------------------------------------------------------------------


def required(user: User) -> bool:
    """Whether this person must sign in with a second factor (one query, none for platform staff)."""
    if user.is_staff:
        return True
    return (
        Membership.objects.filter(user=user, is_active=True, organisation__is_active=True)
        .filter(Q(role=Role.COACH) | Q(role=Role.HR_MANAGER, organisation__two_factor_required_for_hr=True))
        .exists()
    )


def enabled(user: User) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def session_state(*, user: User, second_factor: bool) -> str | None:
    """What a new session of `user` records (see the module's docstring)."""
    if second_factor:
        return VERIFIED
    if enabled(user):
        raise ValidationError(_("This account signs in with a code as well as the password."))
    return SETUP if required(user) else None


def recovery_codes_left(user: User) -> int:
    return RecoveryCode.objects.filter(user=user, used_at__isnull=True).count()


# --- setting up -----------------------------------------------------------------------------------


def setup_device(*, user: User) -> TOTPDevice:
    """The unconfirmed device the setup page shows (made once, kept until confirmed or replaced)."""
    if enabled(user):
        raise ValidationError(_("Two-factor sign-in is already set up for this account."))
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=_("Authenticator app"), confirmed=False)
    return device


def manual_key(device: TOTPDevice) -> str:
    """The key for typing into an app, in groups of four."""
    key = base64.b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(key[start : start + 4] for start in range(0, len(key), 4))


def qr_svg(device: TOTPDevice) -> str:
    """The otpauth:// address as an inline SVG QR code, drawn here (nothing is sent to any service)."""
    image = qrcode.make(device.config_url, image_factory=qrcode.image.svg.SvgPathImage, box_size=8, border=2)
    return image.to_string(encoding="unicode")


def setup_confirm(*, user: User, code: str) -> list[str]:
    """Confirm the app with its first code; returns the new recovery codes (shown once)."""
    # A wrong code's count must outlive the refusal, so the refusal is raised after the transaction.
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=False).order_by("-pk").first()
        if device is None or enabled(user):
            raise ValidationError({"code": _("Start the setup again: this page is out of date.")})
        refused = _refusal(device) or (None if device.verify_token(_digits(code)) else _wrong_code(setup=True))
        if refused is None:
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            TOTPDevice.objects.filter(user=user, confirmed=False).delete()
            PlatformEvent.objects.create(actor=user, action="two_factor.enabled", detail={"user": user.pk})
            return _recovery_codes_replace(user)
    raise ValidationError({"code": refused.message})


def recovery_codes_regenerate(*, user: User) -> list[str]:
    if not enabled(user):
        raise ValidationError(_("Set up two-factor sign-in first."))
    codes = _recovery_codes_replace(user)
    PlatformEvent.objects.create(actor=user, action="two_factor.recovery_codes_renewed", detail={"user": user.pk})
    return codes


def _recovery_codes_replace(user: User) -> list[str]:
    RecoveryCode.objects.filter(user=user).delete()
    codes = [
        "".join(secrets.choice(RECOVERY_ALPHABET) for _i in range(RECOVERY_CODE_LENGTH))
        for _n in range(RECOVERY_CODE_COUNT)
    ]
    RecoveryCode.objects.bulk_create(RecoveryCode(user=user, digest=_digest(code)) for code in codes)
    return [f"{code[:4]}-{code[4:8]}-{code[8:]}" for code in codes]


def disable(*, user: User, code: str) -> None:
    """Turn it off, with a current code, for someone who need not have it."""
    if required(user):
        raise ValidationError(_("Your role requires two-factor sign-in, so it cannot be turned off."))
    try:
        verify(user=user, code=code)
    except CodeRefused as refused:
        raise ValidationError({"code": refused.message}) from None
    with transaction.atomic():
        _remove(user)
        PlatformEvent.objects.create(actor=user, action="two_factor.disabled", detail={"user": user.pk})


# --- signing in -----------------------------------------------------------------------------------


def verify(*, user: User, code: str) -> str:
    """Accept a current app code or an unused recovery code (spending it); returns which, or raises
    CodeRefused. Every wrong code, of either kind, lengthens the account's wait."""
    # One attempt at a time per account (the device row is locked), so parallel guesses all meet the wait;
    # the refusal is raised after the commit, which keeps the count of wrong codes.
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=True).first()
        if device is None:
            raise CodeRefused(_("This account has no second factor set up."))
        refused = _refusal(device)
        if refused is None:
            digits = _digits(code)
            if len(digits) == 6 and digits.isdigit():
                if device.verify_token(digits):  # throttles and resets by itself; a code is good once
                    return "app"
            elif _recovery_spend(user, code):
                device.throttle_reset()
                return "recovery"
            else:
                device.throttle_increment()
            refused = _wrong_code(setup=False)
    raise refused


def _wrong_code(*, setup: bool) -> CodeRefused:
    if setup:
        return CodeRefused(_("That code is not right. Enter the 6 digits the app shows now."))
    return CodeRefused(_("That code is not right. Enter the 6 digits your app shows now, or a recovery code."))


def _refusal(device: TOTPDevice) -> CodeRefused | None:
    allowed, details = device.verify_is_allowed()
    if allowed:
        return None
    until = (details or {}).get("locked_until") or timezone.now()
    wait = max(math.ceil((until - timezone.now()).total_seconds()), 1)
    return CodeRefused(throttling.wait_message(wait), wait=wait)


def _recovery_spend(user: User, code: str) -> bool:
    # One UPDATE decides, so a code is spent once even when two requests bring it together.
    normalised = "".join(character for character in code.lower() if character.isalnum())
    if len(normalised) != RECOVERY_CODE_LENGTH:
        return False
    return bool(
        RecoveryCode.objects.filter(user=user, digest=_digest(normalised), used_at__isnull=True).update(
            used_at=timezone.now()
        )
    )


def _digits(code: str) -> str:
    return "".join(code.split()).replace("-", "")


def _digest(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


# --- resets ---------------------------------------------------------------------------------------


def reset_allowed(*, acting_user: User, organisation: Organisation | None, user: User) -> bool:
    """Platform staff may reset anyone's second factor; an organisation's HR managers only for people who
    are members there and nowhere else, hold no coach role and are not platform staff (a coach's or
    another organisation's account is not theirs to open)."""
    if organisation is None:
        return acting_user.is_staff and acting_user.pk != user.pk
    if user.is_staff or user.pk == acting_user.pk:
        return False
    memberships = Membership.objects.filter(user=user, is_active=True)
    if not memberships.filter(organisation=organisation).exists():
        return False
    return not memberships.filter(Q(role=Role.COACH) | ~Q(organisation=organisation)).exists()


@transaction.atomic
def reset(*, acting_user: User, organisation: Organisation | None, user: User) -> None:
    """Remove the person's app and recovery codes (they set it up again at their next sign-in if they must),
    write it to the platform audit and email them."""
    if not reset_allowed(acting_user=acting_user, organisation=organisation, user=user):
        raise ValidationError(_("You cannot reset two-factor sign-in for this person."))
    _remove(user)
    PlatformEvent.objects.create(
        actor=acting_user, organisation=organisation, action="two_factor.reset", detail={"user": user.pk}
    )
    transaction.on_commit(lambda: _reset_email(user, organisation))


def _remove(user: User) -> None:
    TOTPDevice.objects.filter(user=user).delete()
    RecoveryCode.objects.filter(user=user).delete()


def _reset_email(user: User, organisation: Organisation | None) -> None:
    language = user.language or (organisation.default_language if organisation else settings.LANGUAGE_CODE)
    with translation.override(language):
        subject = _("Your two-factor sign-in was reset")
        body = get_template("tenants/email/two_factor_reset.txt").render(
            {"name": user.get_short_name(), "organisation": organisation}
        )
    mail.EmailMessage(subject, body, None, [user.email]).send()


# --- the setup, before anything else ------------------------------------------------------------------

# What someone who must set up a second factor may open before doing so.
SETUP_OPEN_PREFIXES = ("/account/two-factor/", "/logout/", "/static/", "/i18n/", "/healthz")


class SetupRequiredMiddleware:
    """A session marked SETUP (see the module's docstring) reaches the setup page and signing out only:
    pages lead there, API calls are refused."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        if (
            request.user.is_authenticated
            and request.session.get(SESSION_KEY) == SETUP
            and not request.path.startswith(SETUP_OPEN_PREFIXES)
        ):
            if request.path.startswith("/api/"):
                return JsonResponse({"detail": _("Set up two-factor sign-in first.")}, status=403)
            return redirect("two_factor_setup")
        return self.get_response(request)

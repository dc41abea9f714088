"""Writes to a coach's own profile."""

from __future__ import annotations

import io
import warnings
import zoneinfo

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from coaches.models import CoachProfile, Mode
from portal import policy
from portal.policy import Actor
from programmes.selectors.coach import places_of
from tenants.models import Role

PHOTO_MAX_BYTES = 5 * 1024 * 1024
PHOTO_SIDE = 480  # pixels: the stored photo fits in a square this wide
PHOTO_FORMATS = ("JPEG", "PNG", "WEBP")
PROFILE_FIELDS = (
    "biography_en",
    "biography_nl",
    "languages",
    "specialisms",
    "modes",
    "city",
    "accreditation",
    "accreditation_number",
    "time_zone",
    "capacity",
)


def is_coach(user) -> bool:
    """Whether `user` coaches for at least one organisation (only coaches keep a profile)."""
    return bool(places_of(user=user, role=Role.COACH))


def photo_prepare(upload) -> bytes:
    """The photo as stored: decoded, turned upright, fitted in PHOTO_SIDE × PHOTO_SIDE and written anew
    as JPEG, so nothing of the uploaded file (metadata, a payload behind the image) is kept. A file that
    is not a photo, too large or a decompression bomb is refused with what to do."""
    if upload.size > PHOTO_MAX_BYTES:
        raise ValidationError({"photo": _("The photo may be at most 5 MB. Upload a smaller one.")})
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(upload) as image:
                if image.format not in PHOTO_FORMATS:
                    raise ValidationError({"photo": _("Upload the photo as JPEG, PNG or WebP.")})
                image = ImageOps.exif_transpose(image).convert("RGB")
                image.thumbnail((PHOTO_SIDE, PHOTO_SIDE))
                out = io.BytesIO()
                image.save(out, format="JPEG", quality=85, optimize=True)
    except (
        UnidentifiedImageError,
        OSError,
        SyntaxError,
        ValueError,
        Image.DecompressionBombError,
        Image.DecompressionBombWarning,
    ):
        raise ValidationError(
            {"photo": _("This file is not a photo we can read. Upload a JPEG, PNG or WebP.")}
        ) from None
    return out.getvalue()


def _check(profile: CoachProfile) -> None:
    if profile.time_zone not in zoneinfo.available_timezones():
        raise ValidationError({"time_zone": _("Choose a time zone from the list, for example Europe/Amsterdam.")})
    if Mode.IN_PERSON in profile.modes and not profile.city.strip():
        raise ValidationError({"city": _("Name the city where you meet in person, or untick “In person”.")})
    if profile.accreditation and not profile.accreditation_number.strip():
        raise ValidationError({"accreditation_number": _("Give the number of your accreditation.")})
    profile.full_clean(exclude=["coach", "photo"])


def profile_of(*, actor: Actor) -> CoachProfile:
    """The actor's own profile (an empty one, unsaved, before the first edit)."""
    if not is_coach(actor.user):
        policy.require(actor, policy.COACH)  # the ordinary 404 for anyone who coaches nowhere
    return policy.scope(actor, CoachProfile).filter(coach_id=actor.user_id).first() or CoachProfile(coach=actor.user)


@transaction.atomic
def profile_update(*, actor: Actor, photo=None, remove_photo: bool = False, **fields) -> CoachProfile:
    """Save the actor's own profile; only coaches have one. Every field is checked before anything is
    written: a refusal names the field and changes nothing."""
    profile = profile_of(actor=actor)
    unknown = set(fields) - set(PROFILE_FIELDS)
    if unknown:
        raise ValidationError({name: _("This field cannot be changed.") for name in sorted(unknown)})
    for name, value in fields.items():
        setattr(profile, name, value)
    profile.languages = sorted(set(profile.languages))
    profile.specialisms = sorted(set(profile.specialisms))
    profile.modes = sorted(set(profile.modes))
    _check(profile)
    if photo is not None:
        profile.photo = photo_prepare(photo)
    elif remove_photo:
        profile.photo = b""
    profile.save()
    return profile

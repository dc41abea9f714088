"""The matching part of the test world: coach profiles, each organisation's pool, and the programme set to
"employees choose".

The organisation's coach and the coach of both have profiles (public schema). In each organisation the
programme lets employees choose; the organisation's coach accepted a place in the pool, the coach of both
is invited and has not answered. `employee` (who has a coach already) holds an open intake suggesting their
own coach, so the choosing pages and endpoints have rows to name without widening what anyone else sees.
Keys in `org.people`: pool_own (the organisation's coach's place), pool_both (the coach of both's place),
intake, suggestion.
"""

from __future__ import annotations

import io

from django_tenants.utils import schema_context, tenant_context
from PIL import Image

from coaches.models import CoachProfile
from matching.models import Intake, PoolMember, ProgrammeMatching, Suggestion
from programmes.models import Enrolment, Programme

_known: dict[str, dict] = {}

PROFILE = {
    "biography_en": "Coach for leaders in logistics and care.",
    "biography_nl": "Coach voor leidinggevenden in logistiek en zorg.",
    "languages": ["en", "nl"],
    "specialisms": ["change", "leadership"],
    "modes": ["phone", "video"],
    "capacity": 6,
}


def profile_ensure(coach, **fields) -> CoachProfile:
    """`coach`'s profile with the world's defaults, overridden by `fields` (in the public schema)."""
    with schema_context("public"):
        profile, _created = CoachProfile.objects.update_or_create(coach=coach, defaults={**PROFILE, **fields})
    return profile


def _build(org, world) -> dict:
    programme = Programme.objects.get(pk=org.people["programme"])
    ProgrammeMatching.objects.get_or_create(
        programme=programme, defaults={"how": ProgrammeMatching.How.EMPLOYEES_CHOOSE}
    )
    own, _created = PoolMember.objects.get_or_create(
        coach=org.coach, programme=None, defaults={"status": PoolMember.Status.ACCEPTED, "invited_by": org.hr}
    )
    both, _created = PoolMember.objects.get_or_create(
        coach=world.coach_both, programme=None, defaults={"invited_by": org.hr}
    )
    enrolment = Enrolment.objects.get(pk=org.people["enrolment"])
    intake = Intake.objects.filter(enrolment=enrolment, closed_at__isnull=True).first() or Intake.objects.create(
        enrolment=enrolment,
        employee_id=enrolment.employee_id,
        focus=["leadership"],
        language="en",
        mode="video",
        times=["morning"],
    )
    suggestion, _created = Suggestion.objects.get_or_create(
        intake=intake,
        coach=org.coach,
        defaults={"rank": 1, "score": 3, "reasons": [["language", "en"], ["focus", ["leadership"]]]},
    )
    return {"pool_own": own.pk, "pool_both": both.pk, "intake": intake.pk, "suggestion": suggestion.pk}


def photo_bytes() -> bytes:
    """A small JPEG, as coaches.services.photo_prepare stores one."""
    out = io.BytesIO()
    Image.new("RGB", (40, 40), (47, 93, 138)).save(out, format="JPEG")
    return out.getvalue()


def matching_world(world) -> None:
    for coach in (world.acme.coach, world.globex.coach):
        profile_ensure(coach, photo=photo_bytes())
    profile_ensure(world.coach_both)
    for org in (world.acme, world.globex):
        schema = org.organisation.schema_name
        if schema not in _known:
            with tenant_context(org.organisation):
                _known[schema] = _build(org, world)
        org.people.update(_known[schema])

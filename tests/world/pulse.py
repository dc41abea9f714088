"""The pulse part of the test world, on top of the journal part.

In each organisation (keys in `org.people`):
  p_private   `employee`'s private pulse after j_session, with a note
  p_shared    `employee`'s pulse shared with their coach (given on its own), with a note
"""

from __future__ import annotations

from django.utils import timezone
from django_tenants.utils import tenant_context

from assessments.models.pulse import Pulse
from programmes.models import Enrolment, Session

_known: dict[str, dict] = {}


def _build(org) -> dict:
    enrolment = Enrolment.objects.get(pk=org.people["enrolment"])
    private = Pulse.objects.filter(employee=org.employee, note="Tired but hopeful.").first()
    if private is None:
        private = Pulse.objects.create(
            employee=org.employee,
            enrolment=enrolment,
            session=Session.objects.get(pk=org.people["j_session"]),
            feeling=3,
            energy=2,
            confidence=4,
            note="Tired but hopeful.",
        )
    shared = Pulse.objects.filter(employee=org.employee, note="Good week.").first()
    if shared is None:
        shared = Pulse.objects.create(
            employee=org.employee,
            enrolment=enrolment,
            feeling=4,
            energy=4,
            confidence=3,
            note="Good week.",
            shared_with_coach=True,
            shared_at=timezone.now(),
        )
    return {"p_private": private.pk, "p_shared": shared.pk}


def pulse_world(world) -> None:
    for org in (world.acme, world.globex):
        schema = org.organisation.schema_name
        if schema not in _known:
            with tenant_context(org.organisation):
                _known[schema] = _build(org)
        org.people.update(_known[schema])

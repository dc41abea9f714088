"""The invariants of the sessions part of the test world (tests/world/sessions.py)."""

from __future__ import annotations

from django.utils import timezone

from programmes.availability.models import Slot
from programmes.models import Session


def test_every_world_session_holds_its_coach_time(world, in_tenant):
    for org in (world.acme, world.globex):
        with in_tenant(org):
            sessions = list(
                Session.objects.filter(
                    pk__in=[
                        org.people[key] for key in ("session_own", "session_group", "session_other", "session_past")
                    ]
                ).select_related("slot")
            )
        assert len(sessions) == 4
        for session in sessions:
            assert session.slot.coach_id == session.coach_id
            assert (session.slot.starts_at, session.slot.ends_at) == (session.starts_at, session.ends_at)
            assert session.slot.booked_organisation_id == org.organisation.pk


def test_the_world_slots_are_free_and_in_the_future(world):
    slots = Slot.objects.filter(
        pk__in=[world.acme.people["slot_free"], world.globex.people["slot_free"], world.acme.people["slot_both"]]
    )
    assert len(slots) == 3
    assert all(not slot.is_booked and slot.starts_at > timezone.now() for slot in slots)

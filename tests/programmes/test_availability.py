"""A coach publishes free time once for every organisation; overlapping time is refused with the clash
named, a booked slot cannot be withdrawn, and each organisation sees only what is open to it."""

from __future__ import annotations

from datetime import time, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from portal import policy
from programmes.availability.models import Slot
from programmes.availability.services import Meeting, offer_default_set, slot_withdraw, slots_publish
from programmes.models import Cohort, Programme
from programmes.services.sessions import session_schedule
from tenants.models import Organisation
from tenants.services import membership_grant, organisation_create
from tests.world import statements
from tests.world.sessions import at, free_slot

VIDEO = Meeting(mode="video", video_url="https://meet.example.com/c")


def _publish(world, day_offset=30, start=time(9), end=time(12), length=60, repeat=0, organisations=None, meeting=VIDEO):
    places = [world.acme.organisation, world.globex.organisation]
    return slots_publish(
        coach=world.coach_both,
        first_day=timezone.localdate() + timedelta(days=day_offset),
        start=start,
        end=end,
        length_minutes=length,
        repeat_weeks=repeat,
        meeting=meeting,
        organisations=places if organisations is None else list(organisations),
        allowed=places,
    )


def test_a_morning_repeated_weekly_becomes_slots(world):
    slots = _publish(world, length=45, repeat=2)
    assert len(slots) == 3 * 4  # 09:00, 09:45, 10:30, 11:15 on three weeks
    first = timezone.localtime(slots[0].starts_at)
    assert (first.hour, first.minute, slots[0].duration_minutes) == (9, 0, 45)
    assert timezone.localtime(slots[-1].starts_at).date() - first.date() == timedelta(weeks=2)


def test_overlapping_time_is_refused_whole_and_the_clash_named(world):
    free_slot(world.coach_both, at(30, 10, 30))
    with pytest.raises(ValidationError) as refused:
        _publish(world)
    assert "You already have time planned then" in refused.value.messages[0]
    assert "10:30–11:30" in refused.value.messages[0] and "Nothing was published" in refused.value.messages[0]
    assert Slot.objects.filter(coach=world.coach_both, starts_at__date=at(30, 9).date()).count() == 1


def test_bad_input_is_named_field_by_field(world):
    with pytest.raises(ValidationError) as invalid:
        _publish(world, day_offset=-1, length=50, meeting=Meeting(mode="in_person"))
    assert set(invalid.value.message_dict) == {"day", "length_minutes", "location"}
    with pytest.raises(ValidationError) as invalid:
        _publish(world, start=time(12), end=time(9))
    assert invalid.value.message_dict == {"end": ["The end time must be after the start time."]}
    with pytest.raises(ValidationError) as invalid:
        _publish(world, day_offset=-1)
    assert invalid.value.message_dict == {"day": ["Choose a time in the future."]}


def test_a_coach_offers_only_to_organisations_they_serve(world):

    elsewhere = organisation_create(name="Elsewhere Ltd", slug="elsewhere-ltd")
    with pytest.raises(ValidationError) as invalid:
        _publish(world, organisations=[elsewhere])
    assert invalid.value.message_dict == {"organisations": ["Choose only organisations you coach for."]}


def test_time_offered_to_one_organisation_is_seen_there_only(world, client_for):
    [slot] = _publish(world, end=time(10), organisations=[world.globex.organisation])
    acme = client_for(world.acme.employee2, world.acme.host).get("/api/v1/availability/").json()["results"]
    globex = client_for(world.globex.employee2, world.globex.host).get("/api/v1/availability/").json()["results"]
    assert slot.pk not in [row["id"] for row in acme] and slot.pk in [row["id"] for row in globex]


def test_a_free_slot_is_withdrawn_and_a_booked_one_is_not(world, client_for):
    free = free_slot(world.coach_both, at(31, 9))
    booked = Slot.objects.get(pk=world.acme.people["slot_free"])
    client = client_for(world.acme.coach, "localhost")
    assert client.post(f"/coach/availability/{booked.pk}/withdraw/").status_code == 302
    assert not Slot.objects.filter(pk=booked.pk).exists()  # free: gone
    session_slot = Slot.objects.filter(coach=world.coach_both, booked_organisation__isnull=False).first()
    with pytest.raises(ValidationError, match="Cancel the session instead"):
        slot_withdraw(coach=world.coach_both, slot=session_slot)
    assert Slot.objects.filter(pk=session_slot.pk).exists()
    slot_withdraw(coach=world.coach_both, slot=free)
    assert not Slot.objects.filter(pk=free.pk).exists()


def test_another_coachs_slot_cannot_be_withdrawn(world, client_for):
    slot = world.acme.people["slot_free"]  # the Acme coach's
    assert client_for(world.coach_both, "localhost").post(f"/coach/availability/{slot}/withdraw/").status_code == 404
    assert Slot.objects.filter(pk=slot).exists()


def test_the_availability_page_publishes_and_shows_the_coachs_time(world, client_for):
    client = client_for(world.coach_both, "localhost")
    day = (timezone.localdate() + timedelta(days=3)).isoformat()
    response = client.post(
        "/coach/availability/",
        {
            "day": day,
            "start": "13:00",
            "end": "15:00",
            "length_minutes": "60",
            "repeat_weeks": "0",
            "organisations": [str(world.acme.organisation.pk)],
            "mode": "phone",
            "dial_in": "+31 6 1234 5678",
        },
        follow=True,
    )
    html = response.content.decode()
    assert "2 slots are published." in html
    assert html.count("Withdraw") >= 2 and "Acme Logistics" in html


def test_the_availability_page_names_a_clash(world, client_for):
    free_slot(world.coach_both, at(3, 13, 30))
    day = (timezone.localdate() + timedelta(days=3)).isoformat()
    html = (
        client_for(world.coach_both, "localhost")
        .post(
            "/coach/availability/",
            {
                "day": day,
                "start": "13:00",
                "end": "15:00",
                "length_minutes": "60",
                "repeat_weeks": "0",
                "organisations": [str(world.acme.organisation.pk)],
                "mode": "video",
                "video_url": "https://meet.example.com/x",
            },
        )
        .content.decode()
    )
    assert "You already have time planned then" in html


def test_the_availability_page_costs_the_same_however_many_slots(world, client_for, django_assert_num_queries):

    client = client_for(world.coach_both, "localhost")
    client.get("/coach/availability/")
    _publish(world, day_offset=5, start=time(8), end=time(18), length=30)
    places = [world.acme.organisation, world.globex.organisation]
    offer_default_set(coach=world.coach_both, offer_to="chosen", organisations=places, allowed=places)
    with django_assert_num_queries(statements(8)):
        # 1 the public host's organisation, 2 the session, 3 the user, 4 the coach's memberships, 5 the
        # coach's default offer with the organisations it names, 6 the coach's slots in the period with the
        # organisation that booked each, 7 the organisations (of those the coach serves) each slot is
        # offered to, 8 the coach's own calendar
        client.get("/coach/availability/")


def test_the_api_publishes_and_withdraws_a_slot(world, client_for):
    client = client_for(world.acme.coach, world.acme.host)
    created = client.post(
        "/api/v1/availability/",
        {
            "starts_at": at(33, 10).isoformat(),
            "duration_minutes": 45,
            "mode": "in_person",
            "location": "Room 1",
            "only_here": True,
        },
        content_type="application/json",
    )
    assert created.status_code == 201 and created.json()["duration_minutes"] == 45
    slot = Slot.objects.get(pk=created.json()["id"])
    assert list(slot.organisations.values_list("pk", flat=True)) == [world.acme.organisation.pk]
    assert client.delete(f"/api/v1/availability/{slot.pk}/").status_code == 204
    clash = client.post(
        "/api/v1/availability/",
        {"starts_at": at(25, 9).isoformat(), "duration_minutes": 60, "mode": "video", "video_url": "https://x.example"},
        content_type="application/json",
    )
    assert clash.status_code == 400 and "You already have time planned then" in str(clash.json())


def test_an_organisation_that_leaves_frees_the_coachs_time_it_had_booked(world, in_tenant):

    leaving = organisation_create(name="Leaving Ltd", slug="leaving-ltd")
    membership_grant(user=world.coach_both, organisation=leaving, role="coach")
    with in_tenant(leaving):
        programme = Programme.objects.create(name="P", starts_on=at(0, 9).date(), ends_on=at(60, 9).date())
        cohort = Cohort.objects.create(programme=programme, name="C")
        cohort.coaches.add(world.coach_both)
        session = session_schedule(
            actor=policy.actor_for(world.coach_both, leaving),
            kind="group",
            starts_at=at(34, 9),
            duration_minutes=60,
            meeting=VIDEO,
            cohort=cohort,
        )
    held = session.slot_id
    # Offboarding drops the schema, then deletes the organisation's public rows.
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # the test's own transaction has checks pending
        cursor.execute(f'DROP SCHEMA "{leaving.schema_name}" CASCADE')
    Organisation.objects.filter(pk=leaving.pk).delete()
    assert not Slot.objects.filter(pk=held).exists()

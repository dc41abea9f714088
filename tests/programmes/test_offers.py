"""A coach's free time is offered per organisation: only to organisations the coach serves (an active coach
membership, so accepted), and per slot only to the ones the coach chose. Time offered to Acme is never
listed, bookable or joinable from Globex, and naming an organisation the coach does not serve changes
nothing and says nothing about it."""

from __future__ import annotations

import importlib
import re
from datetime import timedelta

import pytest
from django.apps import apps
from django.db import connection
from django.utils import timezone

from programmes.availability.models import OfferDefault, Slot
from programmes.models import Session
from tenants.models import Membership, Organisation
from tenants.services import organisation_create
from tests.world.sessions import accept_agreement, at, free_slot


@pytest.fixture
def booking_ready(world, in_tenant):
    """employee2 of both organisations, coached by the coach of both, has accepted the agreement."""
    for org in (world.acme, world.globex):
        with in_tenant(org):
            accept_agreement(org.employee2)
    return world


@pytest.fixture
def outsider_organisation(world):

    return Organisation.objects.filter(slug="elsewhere-ltd").first() or organisation_create(
        name="Elsewhere Ltd", slug="elsewhere-ltd"
    )


def _listed(client) -> list[int]:
    return [row["id"] for row in client.get("/api/v1/availability/").json()["results"]]


def _offered(slot: Slot) -> set[int]:
    return set(Slot.organisations.through.objects.filter(slot_id=slot.pk).values_list("organisation_id", flat=True))


def _ticked(html: str, value) -> bool | None:
    """Whether the checkbox or radio button with `value` is ticked in `html` (None: not there)."""
    found = re.search(
        rf'<input type="(?:checkbox|radio)" name="(?:organisations|offer_to)" value="{value}"'
        rf"([^>]*)>",
        html,
    )
    return None if found is None else " checked" in found.group(1)


def _row(html: str, slot: Slot) -> str:
    """The row of `slot` on the coach's availability page."""
    withdraw = html.index(f'action="/coach/availability/{slot.pk}/withdraw/"')
    return html[html.rindex('<li class="coach-session">', 0, withdraw) : html.index("</li>", withdraw)]


def _deactivate(user, org) -> None:
    Membership.objects.filter(user=user, organisation=org.organisation, role="coach").update(is_active=False)


# --- what an organisation sees and books ------------------------------------------------------------


def test_a_slot_offered_to_acme_only_is_not_on_globex_booking_page_or_api(booking_ready, client_for):
    world = booking_ready
    slot = free_slot(world.coach_both, at(9, 9), only_for=world.acme.organisation)
    acme = client_for(world.acme.employee2, world.acme.host)
    globex = client_for(world.globex.employee2, world.globex.host)
    assert f"/book/{slot.pk}/" in acme.get("/book/?weeks=6").content.decode()
    assert slot.pk in _listed(acme)
    assert f"/book/{slot.pk}/" not in globex.get("/book/?weeks=6").content.decode()
    assert slot.pk not in _listed(globex)


def test_booking_a_slot_offered_elsewhere_answers_as_for_a_missing_slot(booking_ready, client_for, in_tenant):
    world = booking_ready
    slot = free_slot(world.coach_both, at(9, 10), only_for=world.acme.organisation)
    missing = Slot.objects.order_by("-pk").first().pk + 1000
    globex = client_for(world.globex.employee2, world.globex.host)
    api_missing = globex.post(f"/api/v1/availability/{missing}/book/")
    api_elsewhere = globex.post(f"/api/v1/availability/{slot.pk}/book/")
    assert (api_elsewhere.status_code, api_elsewhere.json()) == (api_missing.status_code, api_missing.json())
    assert api_elsewhere.status_code == 404
    page_missing = globex.post(f"/book/{missing}/", HTTP_HX_REQUEST="true").content.decode()
    page_elsewhere = globex.post(f"/book/{slot.pk}/", HTTP_HX_REQUEST="true").content.decode()
    assert page_elsewhere.replace(str(slot.pk), "") == page_missing.replace(str(missing), "")
    slot.refresh_from_db()
    assert not slot.is_booked
    with in_tenant(world.globex):
        assert not Session.objects.filter(slot_id=slot.pk).exists()


def test_a_session_is_not_moved_into_time_offered_to_another_organisation(booking_ready, client_for, in_tenant):
    """The coach sees their own slots offered elsewhere too: moving Globex's 1:1 into one is refused
    as for a slot that does not exist, and the slot stays free."""
    world = booking_ready
    slot = free_slot(world.coach_both, at(12, 9), only_for=world.acme.organisation)
    missing = Slot.objects.order_by("-pk").first().pk + 1000
    coach = client_for(world.coach_both, world.globex.host)
    session = world.globex.people["session_other"]
    elsewhere = coach.post(f"/api/v1/sessions/{session}/move/", {"slot": slot.pk}, content_type="application/json")
    absent = coach.post(f"/api/v1/sessions/{session}/move/", {"slot": missing}, content_type="application/json")
    assert (elsewhere.status_code, elsewhere.json()) == (absent.status_code, absent.json())
    assert elsewhere.status_code == 400 and list(elsewhere.json()) == ["slot"]
    slot.refresh_from_db()
    assert not slot.is_booked
    with in_tenant(world.globex):
        assert Session.objects.get(pk=session).slot_id != slot.pk


def test_a_coach_whose_acme_membership_is_inactive_offers_nothing_on_acme(booking_ready, client_for):
    world = booking_ready
    slot = free_slot(world.coach_both, at(9, 11))  # offered to Acme and Globex
    _deactivate(world.coach_both, world.acme)
    acme = client_for(world.acme.employee2, world.acme.host)
    assert _listed(acme) == []
    assert 'class="slot"' not in acme.get("/book/?weeks=6").content.decode()
    assert acme.post(f"/api/v1/availability/{slot.pk}/book/").status_code == 404
    # Globex, where the coach still serves, keeps the offer.
    assert slot.pk in _listed(client_for(world.globex.employee2, world.globex.host))
    # The coach's own page no longer offers Acme as a choice, nor says the slot is offered there.
    html = client_for(world.coach_both, "localhost").get("/coach/availability/").content.decode()
    assert "Acme Logistics" not in _row(html, slot) and "Globex Zorg" in _row(html, slot)
    assert _ticked(html, world.acme.organisation.pk) is None and _ticked(html, world.globex.organisation.pk) is not None


def test_time_published_before_the_coach_serves_an_organisation_is_not_offered_there(booking_ready, client_for):
    """Accepting to serve an organisation offers it nothing yet: the coach chooses what it may book."""
    world = booking_ready
    _deactivate(world.coach_both, world.globex)  # invited to Globex, not accepted yet
    created = client_for(world.coach_both, world.acme.host).post(
        "/api/v1/availability/",
        {
            "starts_at": at(13, 9).isoformat(),
            "duration_minutes": 60,
            "mode": "video",
            "video_url": "https://meet.example.com/x",
        },
        content_type="application/json",
    )
    assert created.status_code == 201
    slot = Slot.objects.get(pk=created.json()["id"])
    assert _offered(slot) == {world.acme.organisation.pk}
    Membership.objects.filter(user=world.coach_both, organisation=world.globex.organisation).update(is_active=True)
    assert slot.pk not in _listed(client_for(world.globex.employee2, world.globex.host))
    assert slot.pk in _listed(client_for(world.acme.employee2, world.acme.host))


def test_join_details_of_time_offered_elsewhere_are_not_shown_to_this_organisation(world, client_for):
    slot = free_slot(world.coach_both, at(14, 9), only_for=world.acme.organisation)
    on_globex = {
        row["id"]: row
        for row in client_for(world.coach_both, world.globex.host).get("/api/v1/availability/").json()["results"]
    }
    on_acme = {
        row["id"]: row
        for row in client_for(world.coach_both, world.acme.host).get("/api/v1/availability/").json()["results"]
    }
    assert on_acme[slot.pk]["video_url"] == "https://meet.example.com/room" and on_acme[slot.pk]["offered_here"]
    assert not on_globex[slot.pk]["offered_here"]
    assert (on_globex[slot.pk]["video_url"], on_globex[slot.pk]["location"], on_globex[slot.pk]["dial_in"]) == (
        "",
        "",
        "",
    )
    assert "meet.example.com/room" not in str(on_globex)


# --- the coach chooses, on the API ------------------------------------------------------------------


def test_an_outsider_organisation_in_the_api_payload_gets_400_and_changes_nothing(
    world, client_for, outsider_organisation
):
    client = client_for(world.coach_both, world.acme.host)
    slot = free_slot(world.coach_both, at(15, 9))
    before_offers, before_count = _offered(slot), Slot.objects.count()
    nowhere = Slot.objects.order_by("-pk").first().pk + 10**6  # no organisation has this id either
    refusal = {"organisations": ["Choose only organisations you coach for."]}
    for stranger in (outsider_organisation.pk, nowhere):
        named = [world.acme.organisation.pk, stranger]
        created = client.post(
            "/api/v1/availability/",
            {
                "starts_at": at(15, 11).isoformat(),
                "duration_minutes": 60,
                "mode": "video",
                "video_url": "https://meet.example.com/x",
                "organisations": named,
            },
            content_type="application/json",
        )
        changed = client.patch(
            f"/api/v1/availability/{slot.pk}/", {"organisations": named}, content_type="application/json"
        )
        bulk = client.post(
            "/api/v1/availability/offer/",
            {"slots": [slot.pk], "organisations": [stranger], "how": "add"},
            content_type="application/json",
        )
        default = client.put(
            "/api/v1/availability/offer-default/",
            {"offer_to": "chosen", "organisations": named},
            content_type="application/json",
        )
        for response in (created, changed, bulk, default):
            assert (response.status_code, response.json()) == (400, refusal)
    assert Slot.objects.count() == before_count and _offered(slot) == before_offers
    assert not OfferDefault.objects.filter(coach=world.coach_both).exists()


def test_the_api_publishes_to_the_chosen_organisations_and_changes_them(world, client_for):
    client = client_for(world.coach_both, world.acme.host)
    acme, globex = world.acme.organisation.pk, world.globex.organisation.pk
    created = client.post(
        "/api/v1/availability/",
        {
            "starts_at": at(16, 9).isoformat(),
            "duration_minutes": 60,
            "mode": "video",
            "video_url": "https://meet.example.com/x",
            "organisations": [globex],
        },
        content_type="application/json",
    )
    assert created.status_code == 201
    body = created.json()
    assert body["organisations"] == [globex] and body["offered_here"] is False and body["video_url"] == ""
    slot = Slot.objects.get(pk=body["id"])
    changed = client.patch(
        f"/api/v1/availability/{slot.pk}/", {"organisations": [acme, globex]}, content_type="application/json"
    )
    assert changed.status_code == 200 and changed.json()["organisations"] == sorted([acme, globex])
    assert _offered(slot) == {acme, globex}
    other = free_slot(world.coach_both, at(16, 11), only_for=world.acme.organisation)
    bulk = client.post(
        "/api/v1/availability/offer/",
        {"slots": [slot.pk, other.pk], "organisations": [acme], "how": "remove"},
        content_type="application/json",
    )
    assert bulk.status_code == 200 and {row["id"] for row in bulk.json()} == {slot.pk, other.pk}
    assert _offered(slot) == {globex} and _offered(other) == set()
    # Another coach's slot is not the coach's to offer: refused without a change.
    foreign = world.acme.people["slot_free"]
    assert (
        client.post(
            "/api/v1/availability/offer/",
            {"slots": [foreign], "organisations": [acme]},
            content_type="application/json",
        ).status_code
        == 400
    )
    assert (
        client.patch(
            f"/api/v1/availability/{foreign}/", {"organisations": []}, content_type="application/json"
        ).status_code
        == 404
    )
    assert _offered(Slot.objects.get(pk=foreign)) == {acme}


def test_new_time_goes_to_the_coachs_default(world, client_for):
    client = client_for(world.coach_both, world.acme.host)
    globex = world.globex.organisation.pk
    assert client.get("/api/v1/availability/offer-default/").json() == {"offer_to": "all", "organisations": []}
    saved = client.put(
        "/api/v1/availability/offer-default/",
        {"offer_to": "chosen", "organisations": [globex]},
        content_type="application/json",
    )
    assert saved.status_code == 200 and saved.json() == {"offer_to": "chosen", "organisations": [globex]}
    created = client.post(
        "/api/v1/availability/",
        {"starts_at": at(17, 9).isoformat(), "duration_minutes": 60, "mode": "phone", "dial_in": "+31 20 555 0101"},
        content_type="application/json",
    )
    assert _offered(Slot.objects.get(pk=created.json()["id"])) == {globex}
    # The publish form on the public host starts with the same choice ticked.
    html = client_for(world.coach_both, "localhost").get("/coach/availability/").content.decode()
    publish = html[html.index('id="publish-heading"') : html.index('id="default-heading"')]
    assert _ticked(publish, globex) is True and _ticked(publish, world.acme.organisation.pk) is False
    assert _ticked(html, "chosen") is True


def test_employees_cannot_choose_offers(world, client_for):
    client = client_for(world.acme.employee2, world.acme.host)
    slot = world.acme.people["slot_both"]
    assert (
        client.patch(
            f"/api/v1/availability/{slot}/", {"organisations": []}, content_type="application/json"
        ).status_code
        == 404
    )
    assert client.get("/api/v1/availability/offer-default/").status_code == 404
    assert _offered(Slot.objects.get(pk=slot)) == {world.acme.organisation.pk, world.globex.organisation.pk}


# --- the coach chooses, on their page ---------------------------------------------------------------


def test_the_coachs_page_lists_only_organisations_they_serve(world, client_for, outsider_organisation):
    Membership.objects.create(
        user=world.coach_both, organisation=outsider_organisation, role="coach", is_active=False
    )  # invited, not accepted
    # A slot that names the organisation anyway (as time open to all did once the invitation was sent).
    slot = free_slot(world.coach_both, at(18, 15))
    slot.organisations.add(outsider_organisation)
    html = client_for(world.coach_both, "localhost").get("/coach/availability/").content.decode()
    for organisation in (world.acme.organisation, world.globex.organisation):
        assert organisation.name in html and _ticked(html, organisation.pk) is not None
    assert outsider_organisation.name not in html and _ticked(html, outsider_organisation.pk) is None
    assert "Acme Logistics" in _row(html, slot)
    own = client_for(world.acme.coach, "localhost").get("/coach/availability/").content.decode()
    assert "Acme Logistics" in own and "Globex Zorg" not in own
    assert _ticked(own, world.globex.organisation.pk) is None


def test_the_coach_changes_who_may_book_one_slot_on_the_page(world, client_for):
    slot = free_slot(world.coach_both, at(18, 9))
    client = client_for(world.coach_both, "localhost")
    response = client.post(
        f"/coach/availability/{slot.pk}/offer/", {"organisations": [str(world.globex.organisation.pk)]}, follow=True
    )
    assert response.status_code == 200 and "is offered as you chose" in response.content.decode()
    assert _offered(slot) == {world.globex.organisation.pk}
    assert slot.pk not in _listed(client_for(world.acme.employee2, world.acme.host))


def test_the_page_refuses_an_organisation_the_coach_does_not_serve(world, client_for, outsider_organisation):
    slot = free_slot(world.coach_both, at(18, 11))
    client = client_for(world.coach_both, "localhost")
    client.post(f"/coach/availability/{slot.pk}/offer/", {"organisations": [str(outsider_organisation.pk)]})
    client.post(
        "/coach/availability/offer/",
        {"slots": [str(slot.pk)], "how": "add", "organisations": [str(outsider_organisation.pk)]},
    )
    client.post(
        "/coach/availability/default/", {"offer_to": "chosen", "organisations": [str(outsider_organisation.pk)]}
    )
    assert _offered(slot) == {world.acme.organisation.pk, world.globex.organisation.pk}
    assert not OfferDefault.objects.filter(coach=world.coach_both).exists()


def test_another_coachs_slot_is_not_offered_from_the_page(world, client_for):
    slot = world.acme.people["slot_free"]
    client = client_for(world.coach_both, "localhost")
    assert client.post(f"/coach/availability/{slot}/offer/", {"organisations": []}).status_code == 404
    client.post(
        "/coach/availability/offer/",
        {"slots": [str(slot)], "how": "remove", "organisations": [str(world.acme.organisation.pk)]},
    )
    assert _offered(Slot.objects.get(pk=slot)) == {world.acme.organisation.pk}


def test_the_coach_offers_several_slots_at_once(world, client_for):
    first = free_slot(world.coach_both, at(19, 9), only_for=world.acme.organisation)
    second = free_slot(world.coach_both, at(19, 11), only_for=world.acme.organisation)
    client = client_for(world.coach_both, "localhost")
    response = client.post(
        "/coach/availability/offer/",
        {"slots": [str(first.pk), str(second.pk)], "how": "add", "organisations": [str(world.globex.organisation.pk)]},
        follow=True,
    )
    assert "2 free times are changed." in response.content.decode()
    both = {world.acme.organisation.pk, world.globex.organisation.pk}
    assert _offered(first) == _offered(second) == both
    client.post(
        "/coach/availability/offer/",
        {"slots": [str(first.pk)], "how": "remove", "organisations": [str(world.acme.organisation.pk)]},
    )
    assert _offered(first) == {world.globex.organisation.pk} and _offered(second) == both


def test_the_page_publishes_to_the_ticked_organisations_and_keeps_the_default(world, client_for):
    client = client_for(world.coach_both, "localhost")
    saved = client.post(
        "/coach/availability/default/",
        {"offer_to": "chosen", "organisations": [str(world.acme.organisation.pk)]},
        follow=True,
    )
    assert "New free time is offered as you chose." in saved.content.decode()
    html = client.get("/coach/availability/").content.decode()
    publish = html[html.index('id="publish-heading"') : html.index('id="default-heading"')]
    assert _ticked(publish, world.acme.organisation.pk) is True
    assert _ticked(publish, world.globex.organisation.pk) is False
    day = (timezone.localdate() + timedelta(days=20)).isoformat()
    client.post(
        "/coach/availability/",
        {
            "day": day,
            "start": "13:00",
            "end": "14:00",
            "length_minutes": "60",
            "repeat_weeks": "0",
            "organisations": [str(world.globex.organisation.pk)],
            "mode": "phone",
            "dial_in": "+31 6 1234 5678",
        },
    )
    slot = Slot.objects.get(coach=world.coach_both, starts_at=at(20, 13))
    assert _offered(slot) == {world.globex.organisation.pk}
    none_ticked = client.post(
        "/coach/availability/",
        {
            "day": day,
            "start": "15:00",
            "end": "16:00",
            "length_minutes": "60",
            "repeat_weeks": "0",
            "mode": "phone",
            "dial_in": "+31 6 1234 5678",
        },
    ).content.decode()
    assert "Choose at least one organisation that may book this time." in none_ticked
    assert not Slot.objects.filter(coach=world.coach_both, starts_at=at(20, 15)).exists()


# --- existing time, when offers per organisation began ----------------------------------------------


def test_the_migration_offers_time_that_was_open_to_all_where_the_coach_serves(world):
    migration = importlib.import_module("programmes.availability.migrations.0003_offers_per_organisation")
    open_to_all = free_slot(world.coach_both, at(22, 9))
    Slot.organisations.through.objects.filter(slot_id=open_to_all.pk).delete()
    chosen = free_slot(world.coach_both, at(22, 11), only_for=world.globex.organisation)
    held = Slot.objects.create(
        coach=world.coach_both,
        starts_at=at(22, 13),
        ends_at=at(22, 14),
        is_offered=False,
        booked_organisation=world.acme.organisation,
        booked_at=timezone.now(),
    )
    _deactivate(world.coach_both, world.acme)  # no longer serves Acme: nothing offered there

    class Editor:
        @staticmethod
        def execute(sql, params):
            with connection.cursor() as cursor:
                cursor.execute(sql, params)

    migration.offer_where_the_coach_serves(apps, Editor())
    assert _offered(open_to_all) == {world.globex.organisation.pk}
    assert _offered(chosen) == {world.globex.organisation.pk}
    assert _offered(held) == set()


def test_a_coach_who_is_also_an_employee_here_publishes_and_offers_their_time(world, client_for):
    Membership.objects.create(user=world.coach_both, organisation=world.acme.organisation, role="employee")
    client = client_for(world.coach_both, world.acme.host)
    created = client.post(
        "/api/v1/availability/",
        {
            "starts_at": at(23, 9).isoformat(),
            "duration_minutes": 60,
            "mode": "video",
            "video_url": "https://meet.example.com/x",
            "organisations": [world.acme.organisation.pk],
        },
        content_type="application/json",
    )
    assert created.status_code == 201 and created.json()["organisations"] == [world.acme.organisation.pk]
    slot = created.json()["id"]
    changed = client.patch(
        f"/api/v1/availability/{slot}/",
        {"organisations": [world.globex.organisation.pk]},
        content_type="application/json",
    )
    assert changed.status_code == 200 and changed.json()["organisations"] == [world.globex.organisation.pk]

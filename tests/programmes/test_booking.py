"""An employee books one of their coach's free slots: on the page, with htmx and through the API."""

from __future__ import annotations

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import dateformat, timezone
from django_tenants.utils import schema_context

from programmes.availability.models import Slot
from programmes.models import Attendance, CreditTransaction, Enrolment, Session
from programmes.selectors.credits import credit_balance
from tenants.models import Membership
from tenants.services import organisation_create
from tests.world import employee_ensure, statements, user_ensure
from tests.world.sessions import accept_agreement, at, free_slot


@pytest.fixture
def acme(world, in_tenant):
    """Acme's employee2, whose 1:1 coach is the coach of both organisations, has accepted the agreement."""
    with in_tenant(world.acme):
        accept_agreement(world.acme.employee2)
    return world.acme


def _enrolment(org, in_tenant, key="enrolment2") -> Enrolment:
    with in_tenant(org):
        return Enrolment.objects.get(pk=org.people[key])


def _balance(org, in_tenant, key="enrolment2") -> int:
    with in_tenant(org):
        return credit_balance(enrolment=Enrolment.objects.get(pk=org.people[key]))


def test_an_employee_books_a_free_slot_of_their_coach(
    acme, world, client_for, in_tenant, django_capture_on_commit_callbacks
):
    slot = free_slot(world.coach_both, at(9, 14), mode="phone")
    before = _balance(acme, in_tenant)
    client = client_for(acme.employee2, acme.host)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/book/{slot.pk}/")
    with in_tenant(acme):
        session = Session.objects.get(slot=slot)
        assert response.status_code == 302 and response["Location"] == f"/sessions/{session.pk}/"
        assert (session.kind, session.coach_id, session.enrolment_id) == (
            "individual",
            world.coach_both.pk,
            acme.people["enrolment2"],
        )
        assert (session.starts_at, session.duration_minutes, session.mode, session.dial_in) == (
            slot.starts_at,
            60,
            "phone",
            "+31 20 555 0100",
        )
        assert list(Attendance.objects.filter(session=session).values_list("user_id", "status")) == [
            (acme.employee2.pk, "expected")
        ]
        assert list(CreditTransaction.objects.filter(session=session).values_list("delta", "reason")) == [
            (-1, "booking")
        ]
    slot.refresh_from_db()
    assert (slot.booked_organisation_id, slot.booked_by_id) == (acme.organisation.pk, acme.employee2.pk)
    assert _balance(acme, in_tenant) == before - 1
    assert sorted(message.to[0] for message in mail.outbox) == sorted([acme.employee2.email, world.coach_both.email])
    assert all(message.attachments[0][0] == "session.ics" for message in mail.outbox)


def test_the_api_answers_201_with_the_new_session(acme, world, client_for):
    slot = free_slot(world.coach_both, at(9, 15))
    response = client_for(acme.employee2, acme.host).post(f"/api/v1/availability/{slot.pk}/book/")
    assert response.status_code == 201
    body = response.json()
    assert body["kind"] == "individual" and body["status"] == "scheduled"
    assert body["coach"]["id"] == world.coach_both.pk and body["employee"]["id"] == acme.employee2.pk
    assert body["starts_at"] == slot.starts_at.isoformat().replace("+00:00", "Z")


def test_a_slot_booked_in_another_organisation_answers_409_and_writes_nothing(acme, world, client_for, in_tenant):
    slot = free_slot(world.coach_both, at(9, 16))
    globex = world.globex
    with in_tenant(globex):
        accept_agreement(globex.employee2)
    assert client_for(globex.employee2, globex.host).post(f"/api/v1/availability/{slot.pk}/book/").status_code == 201
    before = _balance(acme, in_tenant)
    response = client_for(acme.employee2, acme.host).post(f"/api/v1/availability/{slot.pk}/book/")
    assert response.status_code == 409
    assert response.json() == {
        "detail": "This time has just been booked by someone else. Please choose another.",
        "code": "slot_taken",
    }
    with in_tenant(acme):
        assert not Session.objects.filter(slot=slot).exists()
    assert _balance(acme, in_tenant) == before
    slot.refresh_from_db()
    assert slot.booked_organisation_id == globex.organisation.pk


def test_no_credit_left_answers_409_and_the_slot_stays_free(acme, world, client_for, in_tenant):
    with in_tenant(acme):
        Enrolment.objects.filter(pk=acme.people["enrolment2"]).update(credit_allowance=1)  # the world's 1:1 used it
    slot = free_slot(world.coach_both, at(9, 17))
    response = client_for(acme.employee2, acme.host).post(f"/api/v1/availability/{slot.pk}/book/")
    assert response.status_code == 409
    assert response.json()["code"] == "no_credit"
    assert "no session credits left" in response.json()["detail"]
    slot.refresh_from_db()
    assert not slot.is_booked
    assert _balance(acme, in_tenant) == 0


def test_booking_waits_for_the_coaching_agreement(world, client_for, in_tenant):
    slot = free_slot(world.coach_both, at(9, 18))
    response = client_for(world.acme.employee2, world.acme.host).post(f"/api/v1/availability/{slot.pk}/book/")
    assert response.status_code == 409
    assert response.json()["code"] == "agreement_required"
    with in_tenant(world.acme):
        assert not Session.objects.filter(slot=slot).exists()


def test_the_slot_of_someone_elses_coach_is_not_found(acme, world, client_for):
    """Acme's `employee` is coached by Acme's own coach, not by the coach of both."""
    slot = free_slot(world.coach_both, at(9, 19))
    client = client_for(acme.employee, acme.host)
    assert client.post(f"/api/v1/availability/{slot.pk}/book/").status_code == 404
    # The page says the time is not on offer (as for one withdrawn while the page was open).
    response = client.post(f"/book/{slot.pk}/", follow=True)
    assert "This time is no longer offered." in response.content.decode()
    slot.refresh_from_db()
    assert not slot.is_booked


def test_a_slot_offered_to_another_organisation_only_is_not_found(acme, world, client_for):
    slot = free_slot(world.coach_both, at(9, 20), only_for=world.globex.organisation)
    client = client_for(acme.employee2, acme.host)
    assert slot.pk not in [row["id"] for row in client.get("/api/v1/availability/").json()["results"]]
    assert client.post(f"/api/v1/availability/{slot.pk}/book/").status_code == 404


def test_the_list_shows_the_coming_free_slots_of_the_own_coach_only(acme, world, client_for):
    mine = free_slot(world.coach_both, at(9, 9))
    taken = free_slot(world.coach_both, at(9, 10))
    Slot.objects.filter(pk=taken.pk).update(booked_organisation=world.globex.organisation, booked_at=at(0, 1))
    past = free_slot(world.coach_both, at(-1, 9))
    other_coach = free_slot(acme.coach, at(9, 9))
    listed = [row["id"] for row in client_for(acme.employee2, acme.host).get("/api/v1/availability/").json()["results"]]
    assert mine.pk in listed and acme.people["slot_both"] in listed
    assert taken.pk not in listed and past.pk not in listed and other_coach.pk not in listed


def test_a_coach_who_left_the_organisation_offers_nothing_there(acme, world, client_for):
    slot = free_slot(world.coach_both, at(9, 11))
    Membership.objects.filter(user=world.coach_both, organisation=acme.organisation, role="coach").update(
        is_active=False
    )
    client = client_for(acme.employee2, acme.host)
    assert client.get("/api/v1/availability/").json()["results"] == []
    assert client.post(f"/api/v1/availability/{slot.pk}/book/").status_code == 404


def test_a_time_when_the_employee_has_another_session_is_refused(acme, world, client_for, in_tenant):
    with in_tenant(acme):
        group = Session.objects.get(pk=acme.people["session_group"])
        # employee2 is in cohort B: give cohort B a group session too, then offer a slot at that hour.
        Session.objects.filter(pk=group.pk).update(cohort_id=acme.people["cohort_b"])
        group.refresh_from_db()
    slot = free_slot(world.coach_both, group.starts_at)
    response = client_for(acme.employee2, acme.host).post(f"/api/v1/availability/{slot.pk}/book/")
    assert response.status_code == 409 and response.json()["code"] == "employee_busy"


def test_a_past_slot_cannot_be_booked(acme, world, client_for, in_tenant):
    slot = free_slot(world.coach_both, at(1, 9))
    Slot.objects.filter(pk=slot.pk).update(starts_at=at(-1, 9), ends_at=at(-1, 10))
    # No longer listed, and no longer bookable (the policy only shows coming slots).
    assert client_for(acme.employee2, acme.host).post(f"/api/v1/availability/{slot.pk}/book/").status_code == 404


def test_with_htmx_a_refusal_shows_the_times_again_with_the_reason(acme, world, client_for):
    slot = free_slot(world.coach_both, at(9, 12))
    Slot.objects.filter(pk=slot.pk).update(booked_organisation=world.globex.organisation, booked_at=at(0, 1))
    response = client_for(acme.employee2, acme.host).post(f"/book/{slot.pk}/", HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="booking-slots"' in html and "<html" not in html
    assert "This time has just been booked by someone else." in html


def test_with_htmx_a_booking_redirects_to_the_session(acme, world, client_for, in_tenant):
    slot = free_slot(world.coach_both, at(9, 13))
    response = client_for(acme.employee2, acme.host).post(f"/book/{slot.pk}/", HTTP_HX_REQUEST="true")
    with in_tenant(acme):
        session = Session.objects.get(slot=slot)
    assert response.status_code == 204 and response["HX-Redirect"] == f"/sessions/{session.pk}/"


def test_the_booking_page_shows_the_free_times_by_day_and_what_is_left(acme, world, client_for):
    free_slot(world.coach_both, at(9, 9))
    free_slot(world.coach_both, at(9, 10), mode="in_person")
    html = client_for(acme.employee2, acme.host).get("/book/?weeks=6").content.decode()
    assert "Credits left" in html and ">5<" in html
    assert html.count('class="slot"') >= 3  # two new ones and the world's
    assert "In person · 60 min" in html


def test_each_free_time_books_and_repeats_that_slot_with_escaped_labels(acme, world, client_for):
    world.coach_both.first_name = 'Carla <b>"C"</b>'
    world.coach_both.save(update_fields=["first_name"])
    slot = free_slot(world.coach_both, at(4, 9, 30), minutes=45, mode="phone")
    html = client_for(acme.employee2, acme.host).get("/book/").content.decode()
    book, series = reverse("booking_book", args=[slot.pk]), reverse("booking_series", args=[slot.pk])
    day = dateformat.format(timezone.localtime(slot.starts_at).date(), "j F")
    assert (
        f'<form method="post" action="{book}" hx-post="{book}" hx-target="#booking-slots" hx-swap="outerHTML" '
        'hx-disabled-elt="find button"><input type="hidden" name="csrfmiddlewaretoken" value="'
    ) in html
    assert (
        '<button type="submit" class="slot">09:30<span class="slot__sub">Phone · 45 min</span>'
        f'<span class="visually-hidden"> {day}, with Carla &lt;b&gt;&quot;C&quot;&lt;/b&gt;'
    ) in html
    assert (
        f'<a class="slot__series" href="{series}">As a series<span class="visually-hidden"> {day} 09:30</span>' in html
    )
    assert "<b>" not in html.split('id="booking-slots"')[1]


def test_the_free_times_read_in_dutch_on_a_dutch_page(world, client_for, in_tenant):
    with in_tenant(world.globex):
        accept_agreement(world.globex.employee2)
    slot = free_slot(world.coach_both, at(4, 9), mode="video")
    html = client_for(world.globex.employee2, world.globex.host).get("/book/").content.decode()
    assert f'href="{reverse("booking_series", args=[slot.pk])}">Als reeks<' in html
    assert "Video · 60 min" in html and ", met " in html


def test_the_booking_page_asks_for_the_agreement_first(world, client_for):
    html = client_for(world.acme.employee2, world.acme.host).get("/book/").content.decode()
    assert "First, the coaching agreement" in html
    assert 'href="/agreement/?next=/book/"' in html
    assert 'class="slot"' not in html


def test_the_booking_page_costs_the_same_however_many_slots(acme, world, client_for, django_assert_num_queries):
    client = client_for(acme.employee2, acme.host)
    client.get("/book/")  # warm up: the session's user and the site are cached from here on

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/book/").status_code == 200
        return len(queries)

    few = count()
    for day in range(2, 8):
        for hour in (8, 11, 13, 16):
            free_slot(world.coach_both, at(day, hour))
    # Time offered to Globex only, and to an organisation more, costs nothing more either.
    free_slot(world.coach_both, at(9, 8), only_for=world.globex.organisation)

    with schema_context("public"):
        extra = organisation_create(name="Third Ltd", slug="third-ltd")
        Membership.objects.create(user=world.coach_both, organisation=extra, role="coach")
        free_slot(world.coach_both, at(9, 11)).organisations.add(extra)
    assert count() == few
    with django_assert_num_queries(statements(5)):
        # 1 the organisation of this host (public)
        # 2 the session
        # 3 the user
        # 4 the roles here (membership middleware)
        # 5 in one round trip, kept statements (portal.kept): the employee's open enrolments with their
        #   coach, programme, credits left, whether the newest version of their three-way agreement lets
        #   them book and whether the coaching agreement in force is accepted; the free slots of the first
        #   two weeks offered to this organisation while the coach serves here (both checked inside the
        #   statement, however many organisations), with the coach's name, and the first such slot after
        #   them (whether later weeks have any)
        client.get("/book/")


def test_the_booking_page_opens_on_two_weeks_and_shows_later_ones_on_request(acme, world, client_for):
    soon, later = free_slot(world.coach_both, at(3, 9)), free_slot(world.coach_both, at(24, 9))
    client = client_for(acme.employee2, acme.host)
    html = client.get("/book/").content.decode()
    assert f"/book/{soon.pk}/" in html and f"/book/{later.pk}/" not in html
    assert 'href="/book/?weeks=4"' in html and "Show free times of the coming 4 weeks" in html

    fragment = client.get("/book/?weeks=4", headers={"HX-Request": "true"}).content.decode()
    assert fragment.startswith('<div id="booking-slots">') and "<html" not in fragment
    assert f"/book/{soon.pk}/" in fragment and f"/book/{later.pk}/" in fragment
    assert "?weeks=" not in fragment  # nothing after the fourth week


def test_the_booking_page_says_when_the_first_free_time_is_later(acme, world, client_for):
    world_slots = Slot.objects.filter(coach=world.coach_both, starts_at__lt=at(14, 0))
    world_slots.update(is_offered=False)
    free_slot(world.coach_both, at(24, 9))
    html = client_for(acme.employee2, acme.host).get("/book/").content.decode()
    assert "No free times in these weeks" in html and 'href="/book/?weeks=4"' in html


@pytest.mark.parametrize("weeks", ["abc", "-3", "0", "99"])
def test_a_nonsense_number_of_weeks_shows_what_can_be_booked(acme, world, client_for, weeks):
    slot = free_slot(world.coach_both, at(3, 9))
    response = client_for(acme.employee2, acme.host).get(f"/book/?weeks={weeks}")
    assert response.status_code == 200 and f"/book/{slot.pk}/" in response.content.decode()


def test_the_api_schema_describes_booking_and_its_refusals(world, client_for):
    schema = client_for(world.acme.employee2, world.acme.host).get("/api/v1/schema/").content.decode()
    for path in (
        "/api/v1/availability/{id}/book/:",
        "/api/v1/sessions/{id}/cancel/:",
        "/api/v1/sessions/{id}/attendance/:",
        "/api/v1/calendar-feeds/:",
        "/api/v1/credits/:",
    ):
        assert path in schema
    book = schema[schema.index("/api/v1/availability/{id}/book/:") :]
    book = book[: book.index("\n  /api/")]
    assert "'201':" in book and "'409':" in book and "#/components/schemas/Session" in book


def test_the_move_page_offers_each_free_time_as_a_choice_of_this_form(acme, world, client_for, in_tenant):
    booked, other = free_slot(world.coach_both, at(4, 9)), free_slot(world.coach_both, at(5, 11), mode="phone")
    client = client_for(acme.employee2, acme.host)
    assert client.post(f"/book/{booked.pk}/").status_code == 302
    with in_tenant(acme):
        session = Session.objects.get(slot=booked)
    html = client.get(f"/sessions/{session.pk}/move/").content.decode()
    day = dateformat.format(timezone.localtime(other.starts_at).date(), "j F")
    assert (
        f'<input type="hidden" name="slot" value="{other.pk}">\n<button type="submit" class="slot">11:00'
        f'<span class="slot__sub">Phone · 60 min</span><span class="visually-hidden"> {day}</span></button>'
    ) in html
    assert f'action="/book/{other.pk}/"' not in html and "As a series" not in html


def test_someone_not_enrolled_is_told_so_and_asked_nothing_about_the_agreement(
    world, client_for, in_tenant, django_assert_num_queries
):
    with in_tenant(world.acme):
        newcomer = employee_ensure(world.acme, user_ensure("newcomer@acme.test", "Nina", "Newcomer"))
    client = client_for(newcomer, world.acme.host)
    client.get("/book/")
    with django_assert_num_queries(statements(5)):
        # 1-4 the host's organisation, the session, the user, the roles here; 5 in one round trip, the (no)
        # enrolments and the free slots (none: no coach)
        html = client.get("/book/").content.decode()
    assert "You are not enrolled in a programme" in html
    assert "coaching agreement" not in html and 'class="slot"' not in html

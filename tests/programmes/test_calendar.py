"""Calendars: a private feed address per person with a revocable secret (the coach's covering every
organisation), and an .ics for every session."""

from __future__ import annotations

import icalendar
from django.core import mail
from django.test import Client

from programmes.availability.models import CalendarFeed
from programmes.models import Session
from programmes.services.calendar import organisation_address
from tenants.services import invitation_create, invitations_send, organisation_url, public_url
from tests.world import statements


def _events(body: bytes) -> list:
    return list(icalendar.Calendar.from_ical(body).walk("VEVENT"))


def test_a_person_makes_their_feed_address_and_their_calendar_reads_it_without_signing_in(world, client_for):
    org = world.acme
    client = client_for(org.employee2, org.host)
    assert "Make my calendar address" in client.get("/calendar/").content.decode()
    client.post("/calendar/renew/")
    feed = CalendarFeed.objects.get(user=org.employee2, revoked_at__isnull=True)
    page = client.get("/calendar/").content.decode()
    assert f"http://localhost/calendar/feed/{feed.secret}.ics" in page
    response = Client(HTTP_HOST="localhost").get(f"/calendar/feed/{feed.secret}.ics")
    assert response.status_code == 200 and response["Content-Type"] == "text/calendar; charset=utf-8"
    uids = {str(event["uid"]) for event in _events(response.content)}
    assert f"session-{org.people['session_other']}-acme@localhost" in uids
    assert f"session-{org.people['session_own']}-acme@localhost" not in uids


def test_the_coachs_feed_covers_every_organisation(world, client_for):
    client = client_for(world.coach_both, "localhost")
    client.post("/calendar/renew/")
    feed = CalendarFeed.objects.get(user=world.coach_both, revoked_at__isnull=True)
    events = _events(Client(HTTP_HOST="localhost").get(f"/calendar/feed/{feed.secret}.ics").content)
    uids = {str(event["uid"]) for event in events}
    assert f"session-{world.acme.people['session_other']}-acme@localhost" in uids
    assert f"session-{world.globex.people['session_other']}-globex@localhost" in uids
    summaries = {str(event["summary"]) for event in events}
    assert any("(Acme Logistics)" in summary for summary in summaries)
    assert any("(Globex Zorg)" in summary for summary in summaries)


def test_an_employee_feed_holds_their_own_sessions_only(world):
    org = world.acme
    secret = org.people["feed"]  # employee's: their 1:1 and their cohort's group session
    events = _events(Client(HTTP_HOST="localhost").get(f"/calendar/feed/{secret}.ics").content)
    uids = {str(event["uid"]) for event in events}
    assert {f"session-{org.people[key]}-acme@localhost" for key in ("session_own", "session_group")} <= uids
    assert f"session-{org.people['session_other']}-acme@localhost" not in uids


def test_renewing_or_stopping_the_address_makes_the_old_one_stop_working(world, client_for):
    org = world.acme
    client = client_for(org.employee, org.host)
    old = org.people["feed"]
    client.post("/calendar/renew/")
    anonymous = Client(HTTP_HOST="localhost")
    assert anonymous.get(f"/calendar/feed/{old}.ics").status_code == 404
    new = CalendarFeed.objects.get(user=org.employee, revoked_at__isnull=True).secret
    assert anonymous.get(f"/calendar/feed/{new}.ics").status_code == 200
    client.post("/calendar/stop/")
    assert anonymous.get(f"/calendar/feed/{new}.ics").status_code == 404


def test_the_feed_is_served_on_the_public_host_only(world):
    assert Client(HTTP_HOST=world.acme.host).get(f"/calendar/feed/{world.acme.people['feed']}.ics").status_code == 404


def test_cancelled_sessions_leave_the_feed(world, in_tenant):
    org = world.acme
    with in_tenant(org):
        Session.objects.filter(pk=org.people["session_own"]).update(status="cancelled", slot=None)
    events = _events(Client(HTTP_HOST="localhost").get(f"/calendar/feed/{org.people['feed']}.ics").content)
    assert f"session-{org.people['session_own']}-acme@localhost" not in {str(event["uid"]) for event in events}


def test_the_feed_costs_two_statements_per_organisation(world, client_for, django_assert_num_queries):
    client_for(world.coach_both, "localhost").post("/calendar/renew/")
    secret = CalendarFeed.objects.get(user=world.coach_both, revoked_at__isnull=True).secret
    anonymous = Client(HTTP_HOST="localhost")
    anonymous.get(f"/calendar/feed/{secret}.ics")
    with django_assert_num_queries(statements(4 + 2, schemas=2 + 2)):
        # 1 the public host's organisation, 2 the feed and its owner, 3 the owner's memberships with their
        # organisations, 4 those organisations' addresses; then per organisation (two here): SET
        # search_path and the owner's sessions there with coach, cohort and employee
        anonymous.get(f"/calendar/feed/{secret}.ics")


def test_the_api_lists_makes_and_stops_feed_addresses(world, client_for):
    org = world.acme
    client = client_for(org.employee, org.host)
    [listed] = client.get("/api/v1/calendar-feeds/").json()["results"]
    assert listed["url"] == f"http://localhost/calendar/feed/{org.people['feed']}.ics"
    created = client.post("/api/v1/calendar-feeds/").json()
    assert created["url"] != listed["url"]
    assert client.delete(f"/api/v1/calendar-feeds/{created['id']}/").status_code == 204
    assert client.get("/api/v1/calendar-feeds/").json()["results"] == []


def test_links_made_outside_a_request_keep_the_portals_port(world, settings, client_for):
    # `make run` serves on :8000 and says so in PORTAL_PORT: emails and calendar feeds carry the port.

    settings.PORTAL_PORT = "8000"
    org = world.acme
    assert organisation_url(org.organisation, "/goals/") == "http://acme.localhost:8000/goals/"
    assert public_url("/coach/") == "http://localhost:8000/coach/"
    assert organisation_address(org.organisation) == "http://acme.localhost:8000"
    client = client_for(org.employee2, org.host)
    client.post("/calendar/renew/")
    feed = CalendarFeed.objects.get(user=org.employee2, revoked_at__isnull=True)
    events = _events(Client(HTTP_HOST="localhost").get(f"/calendar/feed/{feed.secret}.ics").content)
    assert events and all(str(event["url"]).startswith("http://acme.localhost:8000/sessions/") for event in events)
    invitation = invitation_create(
        email="newcomer@elsewhere.test", organisation=org.organisation, role="employee", acting_user=org.hr, send=False
    )
    mail.outbox.clear()
    invitations_send(invitation_ids=[invitation.pk])
    assert "http://acme.localhost:8000/invitation/" in mail.outbox[0].body


def test_without_a_port_links_use_the_schemes_own(world, settings):

    settings.PORTAL_PORT = ""
    assert organisation_url(world.acme.organisation) == "http://acme.localhost/"

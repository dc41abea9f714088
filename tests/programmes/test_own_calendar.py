"""A coach's own calendar: the portal reads it (a real HTTP server on loopback here), and times busy
there, recurring events expanded, are never offered as free time in any organisation; booking re-checks.
Fetching follows the server-side request forgery rules."""

from __future__ import annotations

import time
from datetime import UTC, timedelta

import pytest
from django.conf import settings as django_settings
from django.utils import timezone

from programmes.availability import fetch as fetching
from programmes.availability.calendars import busy_times, external_calendar_refresh, external_calendars_refresh
from programmes.availability.fetch import FetchRefused
from programmes.availability.models import BusyTime, ExternalCalendar
from programmes.services.booking import slot_book
from tests.outside import serving
from tests.world.sessions import accept_agreement, at, free_slot


def _utc(moment) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def weekly_meeting(first, *, count: int = 4, minutes: int = 90) -> str:
    """A coach's calendar: a weekly meeting (RRULE) and one free (TRANSPARENT) event on top of it."""
    return (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Test//Own calendar//EN\r\n"
        "BEGIN:VEVENT\r\nUID:weekly@example.test\r\nDTSTAMP:20260101T000000Z\r\n"
        f"DTSTART:{_utc(first)}\r\nDTEND:{_utc(first + timedelta(minutes=minutes))}\r\n"
        f"RRULE:FREQ=WEEKLY;COUNT={count}\r\nSUMMARY:Board meeting\r\nEND:VEVENT\r\n"
        "BEGIN:VEVENT\r\nUID:free@example.test\r\nDTSTAMP:20260101T000000Z\r\n"
        f"DTSTART:{_utc(first + timedelta(days=1))}\r\nDTEND:{_utc(first + timedelta(days=1, hours=8))}\r\n"
        "TRANSP:TRANSPARENT\r\nSUMMARY:Working from home\r\nEND:VEVENT\r\n"
        "END:VCALENDAR\r\n"
    )


@pytest.fixture
def acme(world, in_tenant):
    with in_tenant(world.acme):
        accept_agreement(world.acme.employee2)
    return world.acme


@pytest.fixture
def coach_page(world, client_for):
    """The coach of both organisations, signed in on the public host."""
    return client_for(world.coach_both, "localhost")


@pytest.fixture
def subscribe(coach_page):
    return lambda url: coach_page.post("/coach/availability/calendar/", {"url": url})


def test_busy_times_in_the_coachs_calendar_are_never_offered(
    acme, world, client_for, actor, in_tenant, subscribe, coach_page
):
    coach = world.coach_both
    busy_slot, free = free_slot(coach, at(15, 10)), free_slot(coach, at(15, 14))
    # The third week of a weekly meeting from 09:30 to 11:00 covers the 10:00 slot; the free event does not.
    body = weekly_meeting(at(1, 9, 30)).encode()
    with serving({"/cal.ics": (200, {"Content-Type": "text/calendar"}, body)}) as base:
        response = subscribe(f"{base}/cal.ics")
        assert response.status_code == 302, response.content.decode()
        calendar = ExternalCalendar.objects.get(coach=coach)
        assert external_calendar_refresh(calendar_id=calendar.pk) == 4
    assert BusyTime.objects.filter(coach=coach).count() == 4
    employee = client_for(acme.employee2, acme.host)
    listed = {slot["id"] for slot in employee.get("/api/v1/availability/?page_size=500").json()["results"]}
    assert free.pk in listed and busy_slot.pk not in listed
    booking_page = employee.get("/book/?weeks=6").content.decode()
    assert f"/book/{free.pk}/" in booking_page and f"/book/{busy_slot.pk}/" not in booking_page
    assert employee.post(f"/api/v1/availability/{busy_slot.pk}/book/").status_code == 404
    # Not in the other organisation either.
    globex = world.globex
    with in_tenant(globex):
        accept_agreement(globex.employee2)
    other = client_for(globex.employee2, globex.host)
    assert busy_slot.pk not in {s["id"] for s in other.get("/api/v1/availability/?page_size=500").json()["results"]}
    with in_tenant(acme):
        assert slot_book(actor=actor(acme.employee2, acme), slot_id=free.pk).starts_at == free.starts_at
    assert "every 15 minutes" in coach_page.get("/coach/availability/").content.decode()


def test_a_failed_reading_keeps_the_busy_times_and_says_why(acme, world, subscribe, coach_page):
    body = weekly_meeting(at(1, 9, 30)).encode()
    routes = {"/cal.ics": (200, {}, body)}
    with serving(routes) as base:
        subscribe(f"{base}/cal.ics")
        calendar = ExternalCalendar.objects.get(coach=world.coach_both)
        external_calendar_refresh(calendar_id=calendar.pk)
        routes["/cal.ics"] = (500, {}, b"oops")
        assert external_calendar_refresh(calendar_id=calendar.pk) is None
    calendar.refresh_from_db()
    assert "answered 500" in calendar.error and BusyTime.objects.filter(calendar=calendar).count() == 4
    assert "The last reading failed" in coach_page.get("/coach/availability/").content.decode()


def test_private_addresses_are_refused_in_production(acme, world, settings, subscribe):
    settings.OUTBOUND_ALLOW_PRIVATE_ADDRESSES = False
    for url in ("http://127.0.0.1/cal.ics", "http://10.0.0.8/cal.ics", "http://[::1]/cal.ics", "http://192.168.1.1/"):
        response = subscribe(url)
        assert response.status_code == 200 and "private network" in response.content.decode()
    assert not ExternalCalendar.objects.filter(coach=world.coach_both).exists()
    for url in ("ftp://example.com/cal.ics", "file:///etc/passwd", "https://user:pw@example.com/cal.ics"):
        assert subscribe(url).status_code == 200
    assert not ExternalCalendar.objects.filter(coach=world.coach_both).exists()


def test_metadata_addresses_are_refused_even_in_development(settings):
    settings.OUTBOUND_ALLOW_PRIVATE_ADDRESSES = True
    with pytest.raises(FetchRefused, match="private network"):
        fetching.fetch("webcal://169.254.169.254/latest/meta-data/")


def test_the_address_is_checked_again_at_every_reading(acme, world, settings, subscribe):
    with serving({"/cal.ics": (200, {}, weekly_meeting(at(1, 9)).encode())}) as base:
        subscribe(f"{base}/cal.ics")
        calendar = ExternalCalendar.objects.get(coach=world.coach_both)
        settings.OUTBOUND_ALLOW_PRIVATE_ADDRESSES = False  # as if the name now pointed inside
        assert external_calendar_refresh(calendar_id=calendar.pk) is None
    calendar.refresh_from_db()
    assert "private network" in calendar.error and not BusyTime.objects.filter(calendar=calendar).exists()


def test_redirects_are_checked_like_the_first_address(settings):
    settings.OUTBOUND_ALLOW_PRIVATE_ADDRESSES = True
    with serving({}) as target:
        routes = {
            "/meta": (302, {"Location": "http://169.254.169.254/latest/"}, b""),
            "/moved": (301, {"Location": f"{target}/nowhere"}, b""),
            "/loop": (302, {"Location": "/loop"}, b""),
        }
        with serving(routes) as base:
            with pytest.raises(FetchRefused, match="private network"):
                fetching.fetch(f"{base}/meta")
            with pytest.raises(FetchRefused, match="answered 404"):
                fetching.fetch(f"{base}/moved")
            with pytest.raises(FetchRefused, match="redirects too often"):
                fetching.fetch(f"{base}/loop")


def test_large_and_slow_calendars_are_refused(monkeypatch):
    monkeypatch.setattr(fetching, "MOST_BYTES", 1000)
    monkeypatch.setattr(fetching, "TIMEOUT_SECONDS", 0.5)

    def slow():
        time.sleep(2)
        return b"late"

    with serving({"/big": (200, {}, b"x" * 5000), "/slow": (200, {}, slow)}) as base:
        with pytest.raises(FetchRefused, match="larger than"):
            fetching.fetch(f"{base}/big")
        with pytest.raises(FetchRefused, match="could not be read"):
            fetching.fetch(f"{base}/slow")


def test_recurring_events_are_expanded_and_free_or_cancelled_ones_ignored():
    first = at(1, 9)
    stretches = busy_times(
        weekly_meeting(first, count=3).encode(), start=timezone.now(), end=timezone.now() + timedelta(days=60)
    )
    assert [begins for begins, _ends in stretches] == [first + timedelta(weeks=n) for n in range(3)]


def test_the_beat_reads_every_calendar_every_quarter_hour(acme, world, subscribe):
    entry = django_settings.CELERY_BEAT_SCHEDULE["external-calendars-refresh"]
    assert entry == {"task": "programmes.availability.external_calendars_refresh", "schedule": 15 * 60}
    with serving({"/cal.ics": (200, {}, weekly_meeting(at(1, 9)).encode())}) as base:
        subscribe(f"{base}/cal.ics")
        assert external_calendars_refresh() == 1
    assert BusyTime.objects.filter(coach=world.coach_both).count() == 4


def test_removing_the_calendar_frees_its_times(acme, world, subscribe, coach_page):
    with serving({"/cal.ics": (200, {}, weekly_meeting(at(1, 9)).encode())}) as base:
        subscribe(f"{base}/cal.ics")
        external_calendar_refresh(calendar_id=ExternalCalendar.objects.get(coach=world.coach_both).pk)
    assert coach_page.post("/coach/availability/calendar/remove/").status_code == 302
    assert not BusyTime.objects.filter(coach=world.coach_both).exists()


def test_the_api_connects_reads_and_stops_the_coachs_calendar(acme, world, client_for, settings):
    client = client_for(world.coach_both, acme.host)
    url = "/api/v1/availability/own-calendar/"
    assert client.get(url).json() == {"url": "", "checked_at": None, "fetched_at": None, "error": ""}
    with serving({"/cal.ics": (200, {}, weekly_meeting(at(1, 9)).encode())}) as base:
        saved = client.put(url, {"url": f"{base}/cal.ics"}, content_type="application/json")
        assert saved.status_code == 200 and saved.json()["url"] == f"{base}/cal.ics"
        external_calendars_refresh()
    assert client.get(url).json()["fetched_at"] is not None
    settings.OUTBOUND_ALLOW_PRIVATE_ADDRESSES = False
    refused = client.put(url, {"url": "http://10.1.2.3/cal.ics"}, content_type="application/json")
    assert refused.status_code == 400 and "private network" in refused.json()["url"][0]
    assert client.get(url).json()["url"] == f"{base}/cal.ics"  # unchanged
    assert client.delete(url).status_code == 204
    assert not BusyTime.objects.filter(coach=world.coach_both).exists()
    assert client_for(acme.employee2, acme.host).get(url).status_code == 404

"""Calendar invitations that update (RFC 5546): booking, moving and cancelling send METHOD:REQUEST and
METHOD:CANCEL under one UID with a rising SEQUENCE, in parts calendar programs treat as invitations; every
file is read by two independent parsers (tests/ical_parsers.py)."""

from __future__ import annotations

from email import message_from_bytes

import pytest
from django.core import mail
from django.test import Client

from programmes.availability.models import CalendarFeed
from programmes.availability.services import Meeting
from programmes.models import Session
from programmes.services.booking import slot_book
from programmes.services.sessions import session_cancel, session_move, session_move_to_slot
from programmes.tasks.sessions import session_notify
from tests.ical_parsers import read_calendar, read_calendars
from tests.world.sessions import accept_agreement, at, free_slot


@pytest.fixture
def acme(world, in_tenant):
    with in_tenant(world.acme):
        accept_agreement(world.acme.employee2)
    return world.acme


def _invitations(to: str) -> list[tuple[str, str, bytes]]:
    """For each email to `to`: the calendar part's Content-Type, its iTIP method parameter and its text,
    read from the message as it goes over the wire."""
    found = []
    for message in mail.outbox:
        if message.to != [to]:
            continue
        parsed = message_from_bytes(message.message().as_bytes())
        parts = [part for part in parsed.walk() if part.get_content_type() == "text/calendar"]
        assert len(parts) == 1, "one calendar alternative per email"
        [part] = parts
        assert parsed.get_content_type() == "multipart/mixed"
        assert any(p.get_content_type() == "multipart/alternative" for p in parsed.walk())
        files = [p for p in parsed.walk() if p.get_filename() == "session.ics"]
        assert len(files) == 1 and files[0].get_content_type() == "application/ics"
        # A text part travels with the line ends of the wire (CRLF in SMTP), the file byte for byte.
        assert files[0].get_payload(decode=True).replace(b"\r\n", b"\n") == part.get_payload(decode=True).replace(
            b"\r\n", b"\n"
        )
        found.append((part["Content-Type"], part.get_param("method"), part.get_payload(decode=True)))
    return found


def test_book_move_cancel_update_the_same_event(acme, world, actor, in_tenant, django_capture_on_commit_callbacks):
    employee, coach = acme.employee2, world.coach_both
    first, second = free_slot(coach, at(9, 10)), free_slot(coach, at(10, 14))
    with in_tenant(acme):
        with django_capture_on_commit_callbacks(execute=True):
            session = slot_book(actor=actor(employee, acme), slot_id=first.pk)
        assert session.sequence == 0
        with django_capture_on_commit_callbacks(execute=True):
            session = session_move_to_slot(actor=actor(employee, acme), session=session, slot=second)
        assert session.sequence == 1
        with django_capture_on_commit_callbacks(execute=True):
            session = session_move(
                actor=actor(coach, acme),
                session=session,
                starts_at=session.starts_at,
                duration_minutes=session.duration_minutes,
                meeting=Meeting(mode="in_person", location="Room 4.12"),
            )
        assert session.sequence == 2
        with django_capture_on_commit_callbacks(execute=True):
            session = session_cancel(actor=actor(employee, acme), session=session)
        assert Session.objects.get(pk=session.pk).sequence == 3
    uid = f"session-{session.pk}-acme@localhost"
    for person in (employee, coach):
        invitations = _invitations(person.email)
        assert [method for _type, method, _text in invitations] == ["REQUEST", "REQUEST", "REQUEST", "CANCEL"]
        assert [content_type for content_type, _method, _text in invitations] == [
            "text/calendar; method=REQUEST; charset=UTF-8"
        ] * 3 + ["text/calendar; method=CANCEL; charset=UTF-8"]
        calendars = read_calendars([text for _type, _method, text in invitations])
        assert [calendar["method"] for calendar in calendars] == ["REQUEST", "REQUEST", "REQUEST", "CANCEL"]
        events = [calendar["events"][0] for calendar in calendars]
        assert all(len(calendar["events"]) == 1 for calendar in calendars)
        assert {event["uid"] for event in events} == {uid}
        assert [event["sequence"] or 0 for event in events] == [0, 1, 2, 3]
        assert [event["status"] for event in events] == ["CONFIRMED"] * 3 + ["CANCELLED"]
        # The portal organises; this recipient, and no one else, is the attendee.
        assert {event["organizer"] for event in events} == {"mailto:no-reply@localhost"}
        assert all(event["attendees"] == [f"mailto:{person.email}"] for event in events)
        assert events[0]["start"] != events[1]["start"]  # moved to the second slot
        assert all(event["url"] == f"http://acme.localhost/sessions/{session.pk}/" for event in events)


def test_a_move_that_changes_nothing_calendars_follow_keeps_the_sequence(acme, world, actor, in_tenant):
    slot = free_slot(world.coach_both, at(9, 10))
    with in_tenant(acme):
        session = slot_book(actor=actor(acme.employee2, acme), slot_id=slot.pk)
        session = session_move(
            actor=actor(world.coach_both, acme),
            session=session,
            starts_at=session.starts_at,
            duration_minutes=session.duration_minutes,
        )
        assert session.sequence == 0


def test_the_feed_carries_the_same_uid_and_sequence(acme, world, actor, in_tenant, client_for):
    coach = world.coach_both
    first, second = free_slot(coach, at(9, 10)), free_slot(coach, at(10, 14))
    with in_tenant(acme):
        session = slot_book(actor=actor(acme.employee2, acme), slot_id=first.pk)
        session_move_to_slot(actor=actor(acme.employee2, acme), session=session, slot=second)
    client = client_for(acme.employee2, acme.host)
    client.post("/calendar/renew/")
    secret = CalendarFeed.objects.get(user=acme.employee2, revoked_at__isnull=True).secret
    feed = read_calendar(Client(HTTP_HOST="localhost").get(f"/calendar/feed/{secret}.ics").content)
    assert feed["method"] == "PUBLISH"
    [event] = [event for event in feed["events"] if event["uid"] == f"session-{session.pk}-acme@localhost"]
    assert event["sequence"] == 1 and event["attendees"] == []
    download = read_calendar(client.get(f"/sessions/{session.pk}/calendar.ics").content)
    assert [(e["uid"], e["sequence"]) for e in download["events"]] == [(event["uid"], 1)]


def test_every_feed_in_the_world_reads_in_both_parsers(world, client_for):
    client_for(world.coach_both, "localhost").post("/calendar/renew/")
    anonymous = Client(HTTP_HOST="localhost")
    bodies = [
        anonymous.get(f"/calendar/feed/{feed.secret}.ics").content
        for feed in CalendarFeed.objects.filter(revoked_at__isnull=True)
    ]
    calendars = read_calendars(bodies)
    assert len(calendars) >= 2 and all(calendar["method"] == "PUBLISH" for calendar in calendars)
    assert sum(len(calendar["events"]) for calendar in calendars) >= 3


def test_invitation_links_carry_the_development_port(acme, world, actor, in_tenant, settings):
    settings.PORTAL_PORT = "8000"
    slot = free_slot(world.coach_both, at(9, 10))
    with in_tenant(acme):
        session = slot_book(actor=actor(acme.employee2, acme), slot_id=slot.pk)
        mail.outbox.clear()
        session_notify(session.pk, "booked")
    [(_type, _method, text)] = _invitations(acme.employee2.email)
    [event] = read_calendar(text)["events"]
    assert event["url"] == f"http://acme.localhost:8000/sessions/{session.pk}/"
    assert f"http://acme.localhost:8000/sessions/{session.pk}/" in mail.outbox[0].body


@pytest.mark.parametrize(
    ("body", "why"),
    [
        # A bad date: the strict parser refuses it.
        ("METHOD:REQUEST\r\nBEGIN:VEVENT\r\nUID:a\r\nDTSTAMP:2026-12-04\r\nDTSTART:20261204T100000Z\r\n", "strict"),
        # A request without DTSTAMP, ORGANIZER or ATTENDEE (RFC 5546 3.2.2).
        ("METHOD:REQUEST\r\nBEGIN:VEVENT\r\nUID:a\r\nDTSTART:20261204T100000Z\r\nDTEND:20261204T110000Z\r\n", "rules"),
        # A cancellation without SEQUENCE or STATUS:CANCELLED (RFC 5546 3.2.5).
        (
            "METHOD:CANCEL\r\nBEGIN:VEVENT\r\nUID:a\r\nDTSTAMP:20261204T000000Z\r\nDTSTART:20261204T100000Z\r\n"
            "DTEND:20261204T110000Z\r\nORGANIZER:mailto:a@example.com\r\n",
            "rules",
        ),
    ],
)
def test_the_two_parsers_refuse_what_calendars_would_misread(body, why):
    text = f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//x//y//EN\r\n{body}END:VEVENT\r\nEND:VCALENDAR\r\n"
    with pytest.raises(AssertionError) as refused:
        read_calendar(text)
    assert ("ical (strict) refuses" in str(refused.value)) == (why == "strict")

"""Two independent readings of every calendar the portal writes: `ical` (PyPI) in its strict mode and
`ical.js` (npm, scripts/ical). Each returns the same summary, and `read_calendars` fails unless both agree,
so a file one calendar program would reject or read differently fails the test that made it."""

from __future__ import annotations

import json
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path

from ical.calendar_stream import IcsCalendarStream
from ical.exceptions import CalendarParseError

TOOLS = Path(__file__).resolve().parent.parent / "scripts" / "ical"


def ical_js_installed() -> Path:
    """scripts/ical/node_modules as the lock file pins it (`npm ci`, no install scripts run)."""
    marker = TOOLS / "node_modules" / ".package-lock.json"
    lock = TOOLS / "package-lock.json"
    if not marker.exists() or marker.stat().st_mtime < lock.stat().st_mtime:
        npm = shutil.which("npm")
        assert npm, "The calendar tests read files with ical.js: install Node 20 and npm."
        subprocess.run(
            [npm, "ci", "--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error"],
            cwd=TOOLS,
            check=True,
            timeout=300,
        )
    return TOOLS


def _strict(text: str) -> dict:
    """The summary as `ical` reads the text, with none of its compatibility modes enabled."""
    try:
        calendar = IcsCalendarStream.calendar_from_ics(text)
    except CalendarParseError as error:
        raise AssertionError(f"ical (strict) refuses the calendar: {error}\n{text}") from error
    return {
        "method": calendar.method,
        "events": [
            {
                "uid": event.uid,
                "sequence": event.sequence,
                "status": event.status.value if event.status else None,
                "start": event.dtstart.isoformat(),
                "end": event.end.isoformat(),
                "url": event.url,
                "organizer": event.organizer.uri if event.organizer else None,
                "attendees": [attendee.uri for attendee in event.attendees],
            }
            for event in calendar.events
        ],
    }


def _with_ical_js(texts: list[str]) -> list[dict]:
    node = shutil.which("node")
    assert node, "The calendar tests read files with ical.js: install Node 20."
    result = subprocess.run(
        [node, str(ical_js_installed() / "parse.mjs")],
        input=json.dumps(texts),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, f"ical.js refuses a calendar: {result.stderr}"
    return json.loads(result.stdout)


def _moment(value: str) -> str:
    return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC).isoformat()


def _itip_rules(calendar: dict, text: str) -> None:
    """What RFC 5546 (section 3.2) requires of each method's events, on top of what the parsers check."""
    method = calendar["method"]
    assert method in ("PUBLISH", "REQUEST", "CANCEL"), text
    for event in calendar["events"]:
        assert event["dtstamp"] and event["uid"] and event["organizer"], text
        assert event["end"] > event["start"], text
        if method == "PUBLISH":
            assert event["summary"] and not event["attendees"], text
        if method == "REQUEST":
            assert event["summary"] and event["attendees"], text
        if method == "CANCEL":
            assert event["hasSequence"] and event["status"] == "CANCELLED", text


def read_calendars(texts: list[str | bytes]) -> list[dict]:
    """Each calendar's METHOD and events, as both parsers read them (they must agree)."""
    texts = [text.decode() if isinstance(text, bytes) else text for text in texts]
    strict = [_strict(text) for text in texts]
    other = _with_ical_js(texts)
    for mine, theirs, text in zip(strict, other, texts, strict=True):
        assert mine["method"] == theirs["method"], text
        assert len(mine["events"]) == len(theirs["events"]), text
        for a, b in zip(mine["events"], theirs["events"], strict=True):
            assert (a["uid"], a["sequence"] or 0, a["status"], a["url"], a["organizer"], a["attendees"]) == (
                b["uid"],
                b["sequence"] or 0,
                b["status"],
                b["url"],
                b["organizer"],
                b["attendees"],
            ), text
            assert (_moment(a["start"]), _moment(a["end"])) == (_moment(b["start"]), _moment(b["end"])), text
        _itip_rules(theirs, text)
    return strict


def read_calendar(text: str | bytes) -> dict:
    return read_calendars([text])[0]

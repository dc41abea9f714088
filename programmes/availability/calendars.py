"""A coach's own calendar, read by the portal: its busy times are never offered as free slots.

The coach gives an iCalendar address (the "secret address" Google, Outlook and Apple calendars offer).
Celery reads it every 15 minutes (`external_calendars_refresh`); each reading replaces the busy times
stored for the coach, recurring events expanded, from now to a year ahead. A failed reading keeps the
busy times read before (free time is never offered on the strength of a calendar we could not read) and
tells the coach why on their availability page.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import icalendar
import recurring_ical_events
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.celery import app
from portal.tasks import enqueue_after_commit
from programmes.availability.fetch import FetchRefused, checked, fetch, normalised
from programmes.availability.models import BusyTime, ExternalCalendar
from tenants.models import User

HORIZON = timedelta(days=366)
MOST_BUSY_TIMES = 5000


def _moment(value) -> datetime:
    """A DTSTART/DTEND value as an aware moment: a date is the start of that day, a floating time is local."""
    if isinstance(value, datetime):
        return value if timezone.is_aware(value) else timezone.make_aware(value)
    if isinstance(value, date):
        return timezone.make_aware(datetime.combine(value, time.min))
    raise ValueError(f"not a time: {value!r}")


def busy_times(body: bytes, *, start: datetime, end: datetime) -> list[tuple[datetime, datetime]]:
    """The busy stretches of an iCalendar file between `start` and `end`: every event (each occurrence of a
    recurring one) that is not free (TRANSP:TRANSPARENT) or cancelled, merged where they overlap."""
    try:
        calendar = icalendar.Calendar.from_ical(body)
        occurrences = recurring_ical_events.of(calendar, skip_bad_series=True).between(start, end)
    except Exception as error:  # noqa: BLE001  (any unreadable file is the same to the coach)
        raise FetchRefused(
            _("The address does not give a calendar we can read (%(reason)s).") % {"reason": error}
        ) from None
    stretches = []
    for event in occurrences:
        if event.name != "VEVENT":
            continue
        if str(event.get("TRANSP", "OPAQUE")).upper() == "TRANSPARENT":
            continue
        if str(event.get("STATUS", "")).upper() == "CANCELLED":
            continue
        if "DTSTART" not in event:
            continue
        begins = _moment(event["DTSTART"].dt)
        if "DTEND" in event:
            ends = _moment(event["DTEND"].dt)
        elif "DURATION" in event:
            ends = begins + event["DURATION"].dt
        elif not isinstance(event["DTSTART"].dt, datetime):
            ends = begins + timedelta(days=1)
        else:
            ends = begins
        if ends > begins:
            stretches.append((max(begins, start), min(ends, end)))
    merged: list[tuple[datetime, datetime]] = []
    for begins, ends in sorted(stretches):
        if merged and begins <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], ends))
        else:
            merged.append((begins, ends))
    return [(begins, ends) for begins, ends in merged if ends > begins]


def external_calendar_of(*, coach: User) -> ExternalCalendar | None:
    return ExternalCalendar.objects.filter(coach=coach).first()


@transaction.atomic
def external_calendar_set(*, coach: User, url: str) -> ExternalCalendar:
    """Subscribe the portal to the coach's calendar at `url` (replacing any earlier address) and read it
    once the change is saved. Refused (FetchRefused) when the address may not be fetched."""
    url = normalised(url)
    if len(url) > 2000:
        raise FetchRefused(_("The address is too long."))
    checked(url)
    calendar, _created = ExternalCalendar.objects.update_or_create(
        coach=coach, defaults={"url": url, "error": "", "checked_at": None, "fetched_at": None}
    )
    BusyTime.objects.filter(calendar=calendar).delete()
    enqueue_after_commit(external_calendar_read, calendar.pk)
    return calendar


def external_calendar_remove(*, coach: User) -> bool:
    """Stop reading the coach's calendar; its busy times go with it."""
    deleted, _detail = ExternalCalendar.objects.filter(coach=coach).delete()
    return deleted > 0


def external_calendar_refresh(*, calendar_id: int) -> int | None:
    """Read the calendar now and store its busy times. Returns how many, or None when reading failed (the
    reason is kept on the calendar, the busy times read before stay)."""
    calendar = ExternalCalendar.objects.filter(pk=calendar_id).first()
    if calendar is None:
        return None
    now = timezone.now()
    try:
        stretches = busy_times(fetch(calendar.url), start=now, end=now + HORIZON)[:MOST_BUSY_TIMES]
    except FetchRefused as refused:
        ExternalCalendar.objects.filter(pk=calendar.pk).update(checked_at=now, error=refused.message[:300])
        return None
    with transaction.atomic():
        # The row lock keeps two readings of one calendar (a slow one and the next) from mixing.
        if not ExternalCalendar.objects.select_for_update().filter(pk=calendar.pk, url=calendar.url).exists():
            return None  # removed or changed meanwhile
        BusyTime.objects.filter(calendar=calendar).delete()
        BusyTime.objects.bulk_create(
            [
                BusyTime(calendar=calendar, coach_id=calendar.coach_id, starts_at=begins, ends_at=ends)
                for begins, ends in stretches
            ]
        )
        ExternalCalendar.objects.filter(pk=calendar.pk).update(checked_at=now, fetched_at=now, error="")
    return len(stretches)


# --- the tasks ---------------------------------------------------------------------------------------


@app.task(name="programmes.availability.external_calendar_read")
def external_calendar_read(calendar_id: int) -> int | None:
    return external_calendar_refresh(calendar_id=calendar_id)


@app.task(name="programmes.availability.external_calendars_refresh")
def external_calendars_refresh() -> int:
    """The beat's entry point (every 15 minutes): queue a reading of every coach's calendar."""
    ids = list(ExternalCalendar.objects.values_list("pk", flat=True))
    for calendar_id in ids:
        external_calendar_read.delay(calendar_id)
    return len(ids)

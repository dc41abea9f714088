"""Background work for availability: reading coaches' own calendars (programmes.availability.calendars)."""

from programmes.availability.calendars import external_calendar_read, external_calendars_refresh

__all__ = ["external_calendar_read", "external_calendars_refresh"]

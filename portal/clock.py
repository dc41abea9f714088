"""The time a read is about. Selectors and policy rules that a kept read (`portal.kept`) builds ask this
module, not `django.utils.timezone`, for the present: while a read is built to be kept, the present is a
stand-in whose place in the statement's values each run fills with the real one."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime

from django.utils import timezone

_stand_in: ContextVar[datetime | None] = ContextVar("clock_stand_in", default=None)


def now() -> datetime:
    return _stand_in.get() or timezone.now()


def today() -> date:
    """Today in the current time zone."""
    return timezone.localdate(now())


@contextmanager
def standing_in(moment: datetime) -> Iterator[None]:
    """Inside, `now()` is `moment` (in this context only: other threads and requests keep the real time)."""
    token = _stand_in.set(moment)
    try:
        yield
    finally:
        _stand_in.reset(token)

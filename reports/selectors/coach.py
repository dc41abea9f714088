"""The coach's report for one organisation: sessions and hours per month, for invoicing.

Only the coach's own sessions here, read through the policy; 1:1s are listed without the employee's name
(the organisation sees session times anyway, and an invoice needs no more).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time

from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _

from portal import policy
from programmes.models import Session

MAX_MONTHS = 24


@dataclass(frozen=True)
class Period:
    first: date  # the first day of the first month
    last: date  # the first day of the last month

    @property
    def months(self) -> list[date]:
        months, current = [], self.first
        while current <= self.last:
            months.append(current)
            current = date(current.year + current.month // 12, current.month % 12 + 1, 1)
        return months

    def as_query(self) -> dict[str, str]:
        return {"from": self.first.strftime("%Y-%m"), "to": self.last.strftime("%Y-%m")}


def _month(raw: str) -> date | None:
    try:
        year, month = (int(part) for part in str(raw).split("-"))
        return date(year, month, 1)
    except (TypeError, ValueError):
        return None


def _shift(month: date, by: int) -> date:
    index = month.year * 12 + month.month - 1 + by
    return date(index // 12, index % 12 + 1, 1)


def period_from(params) -> tuple[Period, list[str]]:
    """The months asked for (?from=YYYY-MM&to=YYYY-MM), by default the last twelve including this one."""
    today = timezone.localdate().replace(day=1)
    problems = []
    last = _month(params.get("to")) if params.get("to") else today
    first = _month(params.get("from")) if params.get("from") else None
    if last is None:
        problems.append(_("The end month is not a month (use YYYY-MM); showing the last twelve months."))
        last = today
    if first is None:
        if params.get("from"):
            problems.append(_("The start month is not a month (use YYYY-MM); showing twelve months."))
        first = _shift(last, -11)
    if first > last:
        problems.append(_("The start month was after the end month; they have been swapped."))
        first, last = last, first
    if _shift(first, MAX_MONTHS - 1) < last:
        problems.append(
            _("A report covers at most %(months)s months; showing the last %(months)s.") % {"months": MAX_MONTHS}
        )
        first = _shift(last, -(MAX_MONTHS - 1))
    return Period(first=first, last=last), problems


@dataclass
class MonthRow:
    month: date
    group_sessions: int = 0
    individual_sessions: int = 0
    minutes: int = 0
    late_cancellations: int = 0

    @property
    def sessions(self) -> int:
        return self.group_sessions + self.individual_sessions

    @property
    def hours(self) -> float:
        return self.minutes / 60


@dataclass
class CoachReport:
    period: Period
    months: list[MonthRow]
    sessions: list[Session]
    generated_at: object = field(default_factory=timezone.now)

    @property
    def totals(self) -> MonthRow:
        total = MonthRow(month=self.period.first)
        for row in self.months:
            total.group_sessions += row.group_sessions
            total.individual_sessions += row.individual_sessions
            total.minutes += row.minutes
            total.late_cancellations += row.late_cancellations
        return total


def _own_sessions(actor: policy.Actor, period: Period) -> QuerySet:
    """The actor's sessions here that started within the period and before now."""
    tz = timezone.get_current_timezone()
    start = datetime.combine(period.first, time.min, tzinfo=tz)
    end = min(datetime.combine(_shift(period.last, 1), time.min, tzinfo=tz), timezone.now())
    return policy.scope(actor, Session).filter(coach_id=actor.user_id, starts_at__gte=start, starts_at__lt=end)


def coach_report(*, actor: policy.Actor, period: Period, with_sessions: bool = True) -> CoachReport:
    """Delivered sessions and hours per month (sessions that took place, not cancelled), and late
    cancellations of 1:1s, which contracts often bill. Two queries."""
    policy.require(actor, policy.COACH)
    sessions = _own_sessions(actor, period)
    delivered = ~Q(status=Session.Status.CANCELLED)
    rows = {
        row["month"].date() if hasattr(row["month"], "date") else row["month"]: row
        for row in (
            sessions.annotate(month=TruncMonth("starts_at"))
            .order_by()
            .values("month")
            .annotate(
                group=Count("pk", filter=delivered & Q(kind=Session.Kind.GROUP)),
                individual=Count("pk", filter=delivered & Q(kind=Session.Kind.INDIVIDUAL)),
                minutes=Sum("duration_minutes", filter=delivered),
                late=Count("pk", filter=Q(status=Session.Status.CANCELLED, late_cancellation=True)),
            )
        )
    }
    months = []
    for month in period.months:
        row = rows.get(month, {})
        months.append(
            MonthRow(
                month=month,
                group_sessions=row.get("group", 0),
                individual_sessions=row.get("individual", 0),
                minutes=row.get("minutes") or 0,
                late_cancellations=row.get("late", 0),
            )
        )
    listed = []
    if with_sessions:
        listed = list(
            sessions.filter(delivered | Q(late_cancellation=True))
            .select_related("cohort__programme", "enrolment__programme")
            .order_by("starts_at")
        )
    return CoachReport(period=period, months=months, sessions=listed)

"""Reads across every organisation someone belongs to: the coach's workspace on the public host and the
private calendar feed.

Each organisation's rows live in its own schema, so these reads visit the organisations one by one, as the
person would there: the policy decides per organisation, with the roles the person holds in it. The
memberships come in one query; each organisation then costs a fixed number of statements, however many
sessions it has (the workspace sends all of them in one round trip).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from django.db.models import Count, F, OuterRef, QuerySet, Subquery, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django_tenants.utils import get_public_schema_name, tenant_context

from portal import policy
from portal.policy import Actor
from portal.statements import one_statement, run_in_schemas
from programmes.models import Attendance, Session, UrgentRequest
from programmes.selectors.sessions import with_ends
from tenants.models import Membership, Organisation, User

WORKSPACE_WEEKS = (1, 2, 4, 8)
HOURS_MONTHS = 6


@dataclass
class Place:
    """An organisation and the roles the person holds there."""

    organisation: Organisation
    roles: frozenset[str]

    def actor(self, user: User) -> Actor:
        return Actor(user=user, organisation=self.organisation, roles=self.roles)


def places_of(*, user: User, role: str | None = None, with_domains: bool = False) -> list[Place]:
    """Every active organisation where `user` holds an active role (`role`: only where they hold that one).
    One query (two `with_domains`: each organisation's addresses, for links to it)."""
    memberships = (
        Membership.objects.filter(user=user, is_active=True, organisation__is_active=True)
        .exclude(organisation__schema_name=get_public_schema_name())
        .select_related("organisation")
        .order_by("organisation__name", "organisation_id")
    )
    if with_domains:
        memberships = memberships.prefetch_related("organisation__domains")
    places: dict[int, Place] = {}
    for membership in memberships:
        place = places.setdefault(membership.organisation_id, Place(membership.organisation, frozenset()))
        place.roles = place.roles | {membership.role}
    return [place for place in places.values() if role is None or role in place.roles]


def _moment(value: str) -> datetime:
    return datetime.fromisoformat(value)


# --- the coach's workspace --------------------------------------------------------------------------


@dataclass
class UpcomingSession:
    organisation: Organisation
    pk: int
    kind: str
    title: str
    starts_at: datetime
    duration_minutes: int
    mode: str
    cohort: str
    employee: str
    participants: int

    @property
    def ends_at(self) -> datetime:
        return self.starts_at + timedelta(minutes=self.duration_minutes)

    @property
    def is_group(self) -> bool:
        return self.kind == Session.Kind.GROUP

    def get_mode_display(self) -> str:
        return str(Session.Mode(self.mode).label)


@dataclass
class PendingRequest:
    organisation: Organisation
    pk: int
    employee: str
    email: str
    message: str
    created_at: datetime


@dataclass
class HoursRow:
    organisation: Organisation
    minutes_by_month: dict[date, int] = field(default_factory=dict)
    sessions_by_month: dict[date, int] = field(default_factory=dict)
    month_cells: list[dict] = field(default_factory=list)  # cells(months) of the workspace, for templates

    def cells(self, months: list[date]) -> list[dict]:
        return [
            {
                "month": month,
                "hours": self.minutes_by_month.get(month, 0) / 60,
                "sessions": self.sessions_by_month.get(month, 0),
            }
            for month in months
        ]

    @property
    def total_hours(self) -> float:
        return sum(self.minutes_by_month.values()) / 60


@dataclass
class Workspace:
    places: list[Place]
    upcoming: list[UpcomingSession]
    pending: list[PendingRequest]
    hours: list[HoursRow]
    months: list[date]
    until: datetime


def _months_back(today: date, count: int) -> list[date]:
    months = []
    year, month = today.year, today.month
    for _step in range(count):
        months.append(date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return list(reversed(months))


def _full_name(first: str | None, last: str | None, email: str | None) -> str:
    return f"{first or ''} {last or ''}".strip() or (email or "")


def _organisation_parts(actor: Actor, *, now: datetime, until: datetime, since: datetime) -> dict[str, QuerySet]:
    led = policy.scope(actor, Session).filter(coach_id=actor.user_id)
    participants = (
        Attendance.objects.filter(session_id=OuterRef("pk"))
        .order_by()
        .values("session_id")
        .annotate(count=Count("pk"))
        .values("count")
    )
    upcoming = (
        with_ends(led)
        .filter(status=Session.Status.SCHEDULED, ends__gt=now, starts_at__lt=until)
        .order_by("starts_at", "pk")
        .values(
            "kind",
            "title",
            "starts_at",
            "duration_minutes",
            "mode",
            session_id=F("pk"),
            cohort_name=F("cohort__name"),
            first=F("enrolment__employee__first_name"),
            last=F("enrolment__employee__last_name"),
            email=F("enrolment__employee__email"),
            participants=Subquery(participants),
        )
    )
    delivered = (
        with_ends(led)
        .exclude(status=Session.Status.CANCELLED)
        .filter(starts_at__gte=since, ends__lte=now)
        .annotate(month=TruncMonth("starts_at", tzinfo=timezone.get_current_timezone()))
        .order_by()
        .values("month")
        .annotate(minutes=Sum("duration_minutes"), sessions=Count("pk"))
    )
    pending = (
        policy.scope(actor, UrgentRequest)
        .filter(coach_id=actor.user_id, acknowledged_at__isnull=True)
        .order_by("-created_at")
        .values(
            "message",
            "created_at",
            request_id=F("pk"),
            first=F("employee__first_name"),
            last=F("employee__last_name"),
            email=F("employee__email"),
        )
    )
    return {"upcoming": upcoming, "delivered": delivered, "pending": pending}


PARTS = ("upcoming", "delivered", "pending")

# The workspace's statement for a person and a set of roles, built with stand-ins for the moments it is
# about (now, until, since) whose values each view puts in: building it through the ORM and the policy cost
# more than running it. Its text depends on nothing else (the policy's rules for these models depend on the
# roles and the person; the time zone is one of its values), so it is kept per process, for the people
# seen last.
STATEMENTS_KEPT = 256
_STAND_INS = {
    name: datetime(1, 1, 1, microsecond=number, tzinfo=UTC) for number, name in enumerate(("now", "until", "since"), 1)
}
_statements: OrderedDict[tuple, tuple[str, list]] = OrderedDict()
_statements_lock = threading.Lock()


def _workspace_statement(place: Place, user: User, **moments: datetime) -> tuple[str, list]:
    key = (user.pk, place.roles, timezone.get_current_timezone_name())
    statement = _statements.get(key)
    if statement is None:
        with tenant_context(place.organisation):
            statement = one_statement(**_organisation_parts(place.actor(user), **_STAND_INS))
        if not all(stand_in in statement[1] for stand_in in _STAND_INS.values()):
            raise ValueError("the workspace's statement does not take its moments as they were given")
        with _statements_lock:
            _statements[key] = statement
            while len(_statements) > STATEMENTS_KEPT:
                _statements.popitem(last=False)
    sql, params = statement
    values = {stand_in: moments[name] for name, stand_in in _STAND_INS.items()}
    return sql, [values.get(value, value) if isinstance(value, datetime) else value for value in params]


def coach_workspace(*, user: User, weeks: int = 2, months: int = HOURS_MONTHS) -> Workspace:
    """Everything the coach's workspace shows, from every organisation they coach in.

    One query for the memberships, then per organisation one statement (after a `SET search_path`): the
    coming sessions the coach leads, the hours delivered per month and the urgent requests still waiting
    for an answer, all organisations' statements sent in one round trip.
    """
    now = timezone.now()
    until = now + timedelta(weeks=weeks)
    month_list = _months_back(timezone.localdate(now), months)
    since = timezone.make_aware(datetime.combine(month_list[0], datetime.min.time()))
    places = places_of(user=user, role=policy.COACH)
    upcoming, pending, hours = [], [], []
    statements: dict[frozenset, tuple[str, list]] = {}
    for place in places:
        if place.roles not in statements:
            # The statement names its tables without a schema (the search path picks each organisation's)
            # and the policy's rules for these models depend on the roles and the person, not on the
            # organisation: it is built once per set of roles and run in every organisation
            # (tests/programmes/test_coach_workspace.py checks that it reads the same everywhere). Building
            # it reads nothing; the policy checks that the connection is on the organisation's schema.
            statements[place.roles] = _workspace_statement(place, user, now=now, until=until, since=since)
    results = run_in_schemas([(place.organisation.schema_name, statements[place.roles]) for place in places], PARTS)
    for place, rows in zip(places, results):
        organisation = place.organisation
        upcoming += [
            UpcomingSession(
                organisation=organisation,
                pk=row["session_id"],
                kind=row["kind"],
                title=row["title"],
                starts_at=_moment(row["starts_at"]),
                duration_minutes=row["duration_minutes"],
                mode=row["mode"],
                cohort=row["cohort_name"] or "",
                employee=_full_name(row["first"], row["last"], row["email"]),
                participants=row["participants"] or 0,
            )
            for row in rows["upcoming"]
        ]
        pending += [
            PendingRequest(
                organisation=organisation,
                pk=row["request_id"],
                employee=_full_name(row["first"], row["last"], ""),
                email=row["email"],
                message=row["message"],
                created_at=_moment(row["created_at"]),
            )
            for row in rows["pending"]
        ]
        row_hours = HoursRow(organisation)
        for row in rows["delivered"]:
            # DATE_TRUNC on the local time: a wall-clock timestamp, already in the current time zone.
            month = date.fromisoformat(row["month"][:10])
            row_hours.minutes_by_month[month] = row["minutes"]
            row_hours.sessions_by_month[month] = row["sessions"]
        row_hours.month_cells = row_hours.cells(month_list)
        hours.append(row_hours)
    upcoming.sort(key=lambda item: (item.starts_at, item.organisation.name, item.pk))
    pending.sort(key=lambda item: item.created_at, reverse=True)
    return Workspace(places=places, upcoming=upcoming, pending=pending, hours=hours, months=month_list, until=until)


# --- the calendar feed ------------------------------------------------------------------------------

FEED_PAST = timedelta(days=90)
FEED_AHEAD = timedelta(days=365)


@dataclass
class CalendarEntry:
    organisation: Organisation
    session: Session


def _own_sessions(place: Place, user: User) -> QuerySet:
    """The sessions `user` leads or takes part in, in the current organisation (not everything HR or a
    cohort's coach may see: a calendar holds one's own appointments)."""
    sessions = Session.objects.none()
    if policy.COACH in place.roles:
        as_coach = Actor(user=user, organisation=place.organisation, roles=frozenset({policy.COACH}))
        sessions = sessions | policy.scope(as_coach, Session).filter(coach_id=user.pk)
    if policy.EMPLOYEE in place.roles:
        as_employee = Actor(user=user, organisation=place.organisation, roles=frozenset({policy.EMPLOYEE}))
        sessions = sessions | policy.scope(as_employee, Session)
    return sessions


def calendar_entries(*, user: User) -> list[CalendarEntry]:
    """The scheduled sessions of `user` in every organisation, from three months back to a year ahead.
    Two queries for the memberships and the organisations' addresses, then one statement per
    organisation (plus `SET search_path`)."""
    now = timezone.now()
    entries = []
    for place in places_of(user=user, with_domains=True):
        with tenant_context(place.organisation):
            sessions = list(
                _own_sessions(place, user)
                .filter(
                    status__in=(Session.Status.SCHEDULED, Session.Status.COMPLETED),
                    starts_at__gte=now - FEED_PAST,
                    starts_at__lte=now + FEED_AHEAD,
                )
                .select_related("coach", "cohort", "enrolment__employee")
                .order_by("starts_at")
            )
        entries += [CalendarEntry(place.organisation, session) for session in sessions]
    return entries

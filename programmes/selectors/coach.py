"""Reads across every organisation someone belongs to: the coach's workspace on the public host and the
private calendar feed.

Each organisation's rows live in its own schema, so these reads visit the organisations one by one, as the
person would there: the policy decides per organisation, with the roles the person holds in it. The
memberships come in one query; each organisation then costs a fixed number of statements, however many
sessions it has (the workspace sends all of them in one round trip).
"""

from __future__ import annotations

import functools
import hashlib
import threading
import weakref
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import connection
from django.db.models import Count, F, OuterRef, QuerySet, Subquery, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django_tenants.utils import get_public_schema_name, tenant_context

from portal import policy
from portal.policy import Actor
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


def one_statement(**parts: QuerySet) -> tuple[str, list]:
    """Fold several querysets into ONE statement whose columns are each part's rows as a JSON list.

    The querysets are built (and narrowed by the policy) as usual; only their execution is folded into
    one round trip, so that a page over many organisations costs the same per organisation whatever it
    shows (django-tenants adds a `SET search_path` before each statement on a tenant's schema).
    """
    selects, params = [], []
    for name, queryset in parts.items():
        sql, part_params = queryset.query.sql_with_params()
        selects.append(f"(SELECT COALESCE(json_agg(row_to_json(part)), '[]'::json) FROM ({sql}) part) AS {name}")
        params.extend(part_params)
    return "SELECT " + ", ".join(selects), params


# A statement of the workspace is prepared once per database connection and organisation: PostgreSQL then
# plans it once instead of on every page view (planning 25 organisations' statements took longer than
# running them). A prepared statement belongs to the connection, so the names prepared are kept per
# connection; PREPARE is not undone by a rollback, so after a failed run the names are unknown and the next
# run deallocates the workspace's statements first. PostgreSQL plans a prepared statement again by itself
# when a table it reads changes, and parses it again under another search path (each name is used with
# one schema only). Pooling in session mode (docs/DEPLOY.md) keeps a connection's statements with it.
PREPARED_PREFIX = "coach_ws_"
PREPARED_LIMIT = 1000  # per connection: an organisation's statements beyond it are deallocated, oldest first
_prepared: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # psycopg connection -> Prepared
_PARAMETER_TYPES = (
    (bool, "boolean"),
    (int, "bigint"),
    (float, "double precision"),
    (Decimal, "numeric"),
    (str, "text"),
    (datetime, "timestamptz"),
    (date, "date"),
    (timedelta, "interval"),
)


@dataclass
class Prepared:
    names: dict[tuple[str, str], str] = field(default_factory=dict)  # (digest, schema) -> name, oldest first
    count: int = 0
    unsure: bool = False


def _parameter_type(value) -> str:
    for kind, name in _PARAMETER_TYPES:
        if isinstance(value, kind):
            return name
    raise TypeError(f"no PostgreSQL type for a parameter of type {type(value).__name__}")


def _prepare(name: str, sql: str, types: str, count: int) -> str:
    """PREPARE `name` for `sql` with Django's placeholders, its `count` parameters of `types`."""
    body = sql % tuple(f"${index}" for index in range(1, count + 1))
    return f"PREPARE {name} ({types}) AS {body}" if count else f"PREPARE {name} AS {body}"


@functools.lru_cache(maxsize=64)
def _digest(sql: str, types: str) -> str:
    return hashlib.sha256(f"{types}\n{sql}".encode()).hexdigest()


def _forget_all() -> str:
    pattern = PREPARED_PREFIX.replace("_", r"\_") + "%"
    return (
        "DO $$DECLARE statement_name text; BEGIN FOR statement_name IN SELECT name FROM pg_prepared_statements "
        f"WHERE name LIKE '{pattern}' LOOP EXECUTE format('DEALLOCATE %I', statement_name); END LOOP; END$$"
    )


def run_in_schemas(statements: list[tuple[str, tuple[str, list]]], names) -> list[dict[str, list[dict]]]:
    """Run each (schema, statement from `one_statement`) in its schema, all in ONE round trip: the
    statements go to the server as one text, each after a `SET search_path` to its schema, as
    django-tenants sets it, prepared once per connection and schema and then executed with this run's
    values (composed client-side). Returns each statement's row, in order.

    The connection's search path is then the last schema's, so django-tenants is told to set it again
    before the next statement (with TENANT_LIMIT_SET_CALLS it would otherwise trust the path it set).
    """
    if not statements:
        return []
    extra = [*getattr(settings, "PG_EXTRA_SEARCH_PATHS", [])]
    connection.ensure_connection()
    prepared = _prepared.setdefault(connection.connection, Prepared())
    known = {} if prepared.unsure else dict(prepared.names)
    parts = [_forget_all()] if prepared.unsure else []
    # A generic plan, made once: the values change with every view, the plan need not.
    parts.append("SET LOCAL plan_cache_mode = force_generic_plan")
    values: dict[int, tuple[str, str]] = {}  # a statement built once runs in many organisations
    for schema, (sql, params) in statements:
        path = ", ".join(connection.ops.quote_name(name) for name in [schema, get_public_schema_name(), *extra])
        parts.append(f"SET search_path = {path}")
        if id(params) not in values:
            values[id(params)] = (
                ", ".join(_parameter_type(value) for value in params),
                connection.ops.compose_sql(", ".join(["%s"] * len(params)), params),
            )
        types, literals = values[id(params)]
        key = (_digest(sql, types), schema)
        name = known.pop(key, None)
        if name is None:
            prepared.count += 1
            name = f"{PREPARED_PREFIX}{prepared.count}"
            parts.append(_prepare(name, sql, types, len(params)))
        known[key] = name  # the most recently used last
        parts.append(f"EXECUTE {name} ({literals})" if params else f"EXECUTE {name}")
    while len(known) > PREPARED_LIMIT:
        parts.append(f"DEALLOCATE {known.pop(next(iter(known)))}")
    parts.append("SET LOCAL plan_cache_mode TO DEFAULT")
    rows = []
    try:
        with connection.cursor() as cursor:
            cursor.execute(";\n".join(parts))
            while True:
                if cursor.description:
                    rows.append(dict(zip(names, cursor.fetchone())))
                if not cursor.nextset():
                    break
    except Exception:
        prepared.unsure = True
        raise
    finally:
        connection.search_path_set_schemas = None
    prepared.names, prepared.unsure = known, False
    return rows


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

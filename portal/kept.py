"""Reads kept across requests: a page's querysets built once, through the ORM and the policy as always, and
then only run.

Building a queryset through the ORM and the policy, and compiling it to SQL, costs a page more than
PostgreSQL takes to run it. A kept read (`read(actor, purpose, build)`) builds its querysets once per set of
roles, organisation, language, time zone and day (not per person: the person is one of the values), keeps
their SQL with their compilers (what turns a row into a model instance, with what `select_related` brought
and every annotation), and on each later view only puts this view's person and present into the
statements' values, runs all of them prepared in one round trip (`statements.run_prepared`) and turns the
rows into what the querysets would have given: model instances through the policy's rows (hidden fields
blanked, other people's content logged as read by this view's actor), dicts or tuples.

What may change a kept statement's values is checked, not assumed. Its querysets are built twice, each
time for another stand-in person (the person's copy with another id, address, names, password and dates)
at another stand-in present (`clock.now()`, `clock.today()`): the SQL must be the same, and each value
must be the same in both, or be the stand-in's id, or have moved exactly as far as the present moved (a
moment, or a day), which is then how each view fills it in. A value read from the real clock (it moves by a
few microseconds between the builds), one computed from the calendar (the Monday of this week moves by
another distance), one taken from the person's address or name, or a read while building (refused: a
value taken from the database would be kept with the statement) makes the read fail where it is built, in
the tests, not on a later day. Whatever else the querysets may depend on is in the key: the roles, the
organisation as loaded for this request (every field), the person's flags and language, the language, the
time zone and today's date.

A queryset that fetches more after its rows (`prefetch_related`) does so as usual, as its own queries.
"""

from __future__ import annotations

import copy
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta

from django.core.exceptions import EmptyResultSet, ImproperlyConfigured
from django.db import connection, connections
from django.db.models import Model, QuerySet, Value
from django.utils import timezone, translation

from portal import clock, policy
from portal.statements import run_prepared

Build = Callable[[policy.Actor], dict[str, QuerySet]]

KEPT = 256  # reads kept per process (one per purpose, organisation and set of roles; the oldest go first)

# Two stand-ins for the present, 9 days, 5 hours, 17 minutes and 3.000011 seconds apart: a value computed
# from the calendar (a week's Monday, a month's first day, midnight) does not move by exactly that.
_STAND_INS = (
    datetime(2001, 2, 3, 4, 5, 6, 7, tzinfo=UTC),
    datetime(2001, 2, 12, 9, 22, 9, 18, tzinfo=UTC),
)

# Two stand-ins for the person: what a statement may hold of them is their id.
_STAND_IN_PEOPLE = (
    {"pk": -1000003, "email": "first@kept.invalid", "first_name": "First", "last_name": "Stand-in"},
    {"pk": -1000019, "email": "second@kept.invalid", "first_name": "Second", "last_name": "Other"},
)
_PERSON_VARIES = ("id", "password", "last_login", "date_joined", "email", "first_name", "last_name")

_kept: OrderedDict[tuple, tuple[_Part, ...]] = OrderedDict()
_kept_lock = threading.Lock()


@dataclass(frozen=True)
class _Value:
    """One value of a kept statement: `value` as it is, this view's person's id, or moved `by` from this
    view's present (`now`, a moment) or today (`today`, a date)."""

    value: object = None
    moves_with: str = ""  # "", "now", "today" or "person" (the actor's id)
    by: timedelta = timedelta(0)

    def at(self, now: datetime, today: date, person: int):
        if self.moves_with == "now":
            return now + self.by
        if self.moves_with == "today":
            return today + self.by
        if self.moves_with == "person":
            return person
        return self.value


@dataclass(frozen=True)
class _Part:
    name: str
    queryset: QuerySet  # as built, its query compiled by `compiler`
    compiler: object
    sql: str | None  # None: the queryset can have no rows (EmptyResultSet)
    values: tuple[_Value, ...]


def totals(queryset: QuerySet, **aggregates) -> QuerySet:
    """`queryset.aggregate(**aggregates)` as a queryset of one row (a dict), so that it can be kept."""
    return queryset.order_by().annotate(_totals=Value(1)).values("_totals").annotate(**aggregates).values(*aggregates)


def read(actor: policy.Actor, purpose: str, build: Build) -> dict[str, list]:
    """The rows of each queryset `build(actor)` returns, by name, from statements kept for everyone with
    `actor`'s roles here (built on the first view), all run in one round trip with `actor`'s id.

    `build` takes the person from the actor it is given and nothing from the request: anything else it
    depends on (a coach's id, a number of weeks) is named in `purpose`, which is part of the key."""
    now = timezone.now()
    today = timezone.localdate(now)
    key = _key(actor, purpose, today)
    parts = _kept.get(key)
    if parts is None:
        parts = _keep(actor, build)
        with _kept_lock:
            _kept[key] = parts
            while len(_kept) > KEPT:
                _kept.popitem(last=False)
    running = [part for part in parts if part.sql is not None]
    results = iter(
        run_prepared(
            [
                (connection.schema_name, (part.sql, [value.at(now, today, actor.user_id) for value in part.values]))
                for part in running
            ]
        )
    )
    return {part.name: _rows(part, actor, next(results) if part.sql is not None else []) for part in parts}


def forget() -> None:
    """Drop every kept read of this process (tests that change what a read depends on in place)."""
    with _kept_lock:
        _kept.clear()


def _fields(row: Model | None, leaving_out: tuple[str, ...] = ()) -> tuple:
    if row is None:
        return ()
    return tuple(
        repr(getattr(row, field.attname)) for field in row._meta.concrete_fields if field.attname not in leaving_out
    )


def _key(actor: policy.Actor, purpose: str, today: date) -> tuple:
    return (
        purpose,
        connection.schema_name,
        actor.roles,
        _fields(actor.organisation),
        type(actor.user),
        _fields(actor.user, leaving_out=_PERSON_VARIES),
        translation.get_language(),
        timezone.get_current_timezone_name(),
        today,
    )


def _refuse_reads(execute, sql, params, many, context):
    raise ImproperlyConfigured(f"a kept read queried the database while it was built: {sql[:200]}")


def _stand_in(actor: policy.Actor, number: int) -> policy.Actor:
    person = copy.copy(actor.user)
    for name, value in _STAND_IN_PEOPLE[number].items():
        setattr(person, name, value)
    person.password, person.last_login = f"!stand-in-{number}", None if number else _STAND_INS[number]
    person.date_joined = _STAND_INS[number] - timedelta(days=400 + 13 * number, seconds=number)
    return replace(actor, user=person)


def _compiled(build: Build, actor: policy.Actor, number: int) -> dict[str, tuple]:
    with clock.standing_in(_STAND_INS[number]), connection.execute_wrapper(_refuse_reads):
        querysets = build(_stand_in(actor, number))
        compiled = {}
        for name, queryset in querysets.items():
            if queryset._known_related_objects:
                raise ImproperlyConfigured(f"the kept read {name!r} starts from a related manager of an object")
            compiler = queryset.query.get_compiler(using=queryset.db)
            try:
                sql, params = compiler.as_sql()
            except EmptyResultSet:
                sql, params = None, ()
            compiled[name] = (queryset, compiler, sql, tuple(params))
    return compiled


def _keep(actor: policy.Actor, build: Build) -> tuple[_Part, ...]:
    first, second = (_compiled(build, actor, number) for number in (0, 1))
    if list(first) != list(second):
        raise ImproperlyConfigured(
            f"a kept read built different parts at different times: {list(first)}, {list(second)}"
        )
    moved = _STAND_INS[1] - _STAND_INS[0]
    days = timezone.localdate(_STAND_INS[1]) - timezone.localdate(_STAND_INS[0])
    parts = []
    for name, (queryset, compiler, sql, params) in first.items():
        _queryset, _compiler, other_sql, other_params = second[name]
        if sql != other_sql or len(params) != len(other_params):
            raise ImproperlyConfigured(f"the kept read {name!r} builds another statement at another time")
        values = tuple(
            _value(name, value, other, moved, days) for value, other in zip(params, other_params, strict=True)
        )
        parts.append(_Part(name, queryset, compiler, sql, values))
    return tuple(parts)


def _value(name: str, value, other, moved: timedelta, days: timedelta) -> _Value:
    if type(value) is type(other) and value == other:
        return _Value(value)
    if type(value) is int and (value, other) == tuple(person["pk"] for person in _STAND_IN_PEOPLE):
        return _Value(moves_with="person")
    if isinstance(value, datetime) and isinstance(other, datetime) and other - value == moved:
        return _Value(moves_with="now", by=value - _STAND_INS[0])
    if type(value) is date and type(other) is date and other - value == days:
        return _Value(moves_with="today", by=value - timezone.localdate(_STAND_INS[0]))
    raise ImproperlyConfigured(
        f"a value of the kept read {name!r} changes with something other than the person's id or the present "
        f"({value!r}, then {other!r}): read the present from portal.clock, and not the calendar"
    )


def _rows(part: _Part, actor: policy.Actor, rows: list[tuple]) -> list:
    """What iterating the part's queryset gives, from `rows` its statement returned."""
    compiler = _shallow(part.compiler)
    compiler.connection = connections[part.queryset.db]
    if compiler.has_extra_select:
        rows = [row[: compiler.col_count] for row in rows]
    compiler.execute_sql = lambda *args, **kwargs: iter([rows])
    query = _shallow(part.queryset.query)
    query.get_compiler = lambda *args, **kwargs: compiler
    queryset = _shallow(part.queryset)
    queryset._query, queryset._result_cache, queryset._prefetch_done = query, None, False
    if issubclass(queryset._iterable_class, policy.PolicyRows):
        queryset._iterable_class = policy.policy_rows(actor)
    return list(queryset)


def _shallow(thing):
    """A copy sharing everything `thing` holds (a QuerySet's own copy would run it first)."""
    copy = object.__new__(type(thing))
    copy.__dict__.update(thing.__dict__)
    return copy

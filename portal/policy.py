"""The one place that decides who may see and do what.

Every view, htmx fragment, API endpoint, export and PDF asks this module for the rows a user may see
(`scope`), for one row named by the request (`get_or_404`) and whether a role may act (`require`).
Each app registers the visibility rule of each of its models with `@rule(Model)` in its `policies.py`;
a model without a rule cannot be read through here at all. Another organisation's object and a
missing one raise the same `Http404` with the same text.

Two more things happen to every row that leaves `scope` as a model instance, so that no page, fragment,
API answer or PDF can forget them:
- fields a `@field_rule` hides from the actor are blanked on the instance (`hidden_fields` says which, for
  serializers and templates that show the row: a session's join details for HR, for example);
- a row of someone else's content registered with `audit(...)` is recorded as read by the actor in the
  owner's "who has seen my data": one bulk INSERT per list, or per page or API answer (`reading`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field, replace
from functools import wraps
from typing import TypeVar

from django.contrib.auth.models import AnonymousUser
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.db import connection
from django.db.models import Model, QuerySet
from django.db.models.query import ModelIterable
from django.http import Http404, HttpRequest

from tenants.models import Membership

HR_MANAGER = "hr_manager"
COACH = "coach"
EMPLOYEE = "employee"
ROLES = (HR_MANAGER, COACH, EMPLOYEE)

NOT_FOUND = "Not found."

M = TypeVar("M", bound=Model)
Rule = Callable[["Actor", QuerySet], QuerySet]
_rules: dict[type[Model], Rule] = {}


@dataclass(frozen=True)
class Actor:
    """Who is acting, where, and in which roles. Built once per request by MembershipMiddleware."""

    user: object
    organisation: object | None = None  # None on the public host
    roles: frozenset[str] = field(default_factory=frozenset)

    @property
    def is_authenticated(self) -> bool:
        return bool(getattr(self.user, "is_authenticated", False))

    @property
    def user_id(self) -> int | None:
        return getattr(self.user, "pk", None)

    @property
    def is_hr(self) -> bool:
        return HR_MANAGER in self.roles

    @property
    def is_coach(self) -> bool:
        return COACH in self.roles

    @property
    def is_employee(self) -> bool:
        return EMPLOYEE in self.roles

    @property
    def is_platform_staff(self) -> bool:
        return self.is_authenticated and self.organisation is None and bool(getattr(self.user, "is_staff", False))

    def has_any(self, *roles: str) -> bool:
        return bool(self.roles.intersection(roles))

    def acting_as(self, role: str) -> Actor:
        """The same person in one of their roles only: a list shown in the employee role must not widen
        because the person also coaches here (and the other way round)."""
        return replace(self, roles=self.roles & {role})


ANONYMOUS = Actor(user=AnonymousUser())


def roles_of(user, organisation) -> frozenset[str]:
    """The active roles of `user` in `organisation` (one query)."""

    if not getattr(user, "is_authenticated", False) or organisation is None or not user.is_active:
        return frozenset()
    return frozenset(
        Membership.objects.filter(user=user, organisation=organisation, is_active=True).values_list("role", flat=True)
    )


def actor_for(user, organisation=None) -> Actor:
    """An Actor outside a request: for services, tasks, commands and tests."""
    if organisation is not None and organisation.schema_name == "public":
        organisation = None
    return Actor(user=user, organisation=organisation, roles=roles_of(user, organisation))


def current_actor(request: HttpRequest) -> Actor:
    return getattr(request, "actor", ANONYMOUS)


def lens(actor: Actor, requested: str | None = None, *, among: tuple[str, ...] = (EMPLOYEE, COACH)) -> Actor:
    """The actor narrowed to the one role a list is shown in: `requested` when they hold it, else the first
    of `among` they hold (a person who is employee and coach sees their own items unless they ask for the
    coach's list). An actor holding none of `among` is returned unchanged (the rules then show nothing)."""
    held = [role for role in among if role in actor.roles]
    if not held:
        return actor
    return actor.acting_as(requested if requested in held else held[0])


def rule(model: type[M]) -> Callable[[Rule], Rule]:
    """Register the visibility rule of `model`: a function (actor, queryset) -> the rows actor may see."""

    def register(func: Rule) -> Rule:
        if model in _rules:
            raise ImproperlyConfigured(f"{model.__name__} has two visibility rules")
        _rules[model] = func
        return func

    return register


# --- fields an actor may not see -----------------------------------------------------------------------

FieldRule = Callable[["Actor", Model], bool]
_field_rules: dict[type[Model], list[tuple[tuple[str, ...], FieldRule]]] = {}


def field_rule(model: type[M], *fields: str) -> Callable[[FieldRule], FieldRule]:
    """Register who may see `fields` of a row of `model` they may see: a function (actor, row) -> bool.

    Rows that come out of `scope` have those fields blanked for anyone the function refuses; serializers
    and templates ask `hidden_fields` (a row a service returned has not been through `scope`)."""

    def register(func: FieldRule) -> FieldRule:
        _field_rules.setdefault(model, []).append((tuple(fields), func))
        return func

    return register


def guarded_fields(model: type[Model]) -> frozenset[str]:
    """Every field of `model` some field rule guards."""
    return frozenset(name for fields, _func in _field_rules.get(model, ()) for name in fields)


def hidden_fields(actor: Actor, row: Model) -> frozenset[str]:
    """The fields of `row` that `actor` may not see (all guarded fields for anyone not signed in)."""
    hidden: set[str] = set()
    for fields, may_see in _field_rules.get(type(row)._meta.concrete_model, ()):
        if not actor.is_authenticated or not may_see(actor, row):
            hidden.update(fields)
    return frozenset(hidden)


def redact(actor: Actor, row: M) -> M:
    """Blank on `row` (in memory only) the fields `actor` may not see; `row.policy_hidden` names them."""
    hidden = hidden_fields(actor, row)
    for name in hidden:
        blank = row._meta.get_field(name)
        setattr(row, blank.attname, None if blank.null else "")
    row.policy_hidden = hidden
    return row


# --- reads of other people's content ---------------------------------------------------------------


@dataclass(frozen=True)
class Audit:
    """How reading a row of a model is written in its owner's access log."""

    kind: str  # the access log's kind
    owner: str  # the owner's user id: a field ("employee_id") or one hop ("goal__employee_id")
    content: tuple[str, ...]  # the fields that are the content: a row loaded without them is not read
    object: str = "pk"  # the id the log names (a part names its whole: "goal_id")
    readers: tuple[str, ...] = (COACH,)  # roles whose rules admit other people's rows
    # False where a row is not itself the content but what the content is built from (a stakeholder round
    # and its results as aggregates): `scope` hands such rows out unlogged, and the selector that shows the
    # content records it with `shown`.
    on_scope: bool = True


_audits: dict[type[Model], Audit] = {}
Read = tuple[Actor, str, int, int]  # reader, kind, owner id, object id
ReadRecorder = Callable[[list[Read]], None]
_recorder: list[ReadRecorder] = []


def audit(model: type[Model], **spec) -> None:
    """Register `model` as someone's content: every row of it `scope` hands to another reader is logged."""
    _audits[model] = Audit(**spec)


def record_reads_with(recorder: ReadRecorder) -> None:
    """The access log registers its writer: recorder([(actor, kind, owner_id, object_id), ...]), one INSERT."""
    _recorder[:] = [recorder]


def audited_models() -> dict[type[Model], Audit]:
    return dict(_audits)


# Reads collected while a page or an API request runs (`reading`), keyed so that an item shown twice on
# one page (a goal in the list and its overdue action beside it) is logged once.
_reads: ContextVar[dict | None] = ContextVar("policy_reads", default=None)


@contextmanager
def reading():
    """Reads of other people's content inside are written together when the block ends: one INSERT for a
    page however many lists it shows, each item once. Nothing is written when the block fails (nothing
    was shown). Outside such a block (a task, a command) each list is written as it is read."""
    if _reads.get() is not None:
        yield
        return
    token = _reads.set({})
    try:
        yield
        reads = list(_reads.get().values())
    finally:
        _reads.reset(token)
    if reads and _recorder:
        _recorder[0](reads)


def _owner_pairs(model: type[Model], spec: Audit, rows: list[Model]) -> list[tuple[int, int]]:
    """(owner id, object id) of each row; a hop not loaded with the rows is looked up for all at once."""
    hop, _sep, owner_field = spec.owner.partition("__")
    if not owner_field:
        return [(getattr(row, hop), getattr(row, spec.object)) for row in rows]
    relation = model._meta.get_field(hop)
    missing = {getattr(row, relation.attname) for row in rows if not relation.is_cached(row)}
    owners = (
        dict(relation.related_model._default_manager.filter(pk__in=missing).values_list("pk", owner_field))
        if missing
        else {}
    )
    return [
        (
            getattr(getattr(row, hop), owner_field)
            if relation.is_cached(row)
            else owners.get(getattr(row, relation.attname)),
            getattr(row, spec.object),
        )
        for row in rows
    ]


def shown(actor: Actor, rows: list[Model]) -> None:
    """`actor` was shown the content of `rows` (of a model registered with `on_scope=False`), built by a
    selector rather than handed out by `scope`: logged like a scoped read, once per page or request."""
    if rows:
        _record(actor, type(rows[0])._meta.concrete_model, rows, scoped=False)


def _record(actor: Actor, model: type[Model], rows: list[Model], *, scoped: bool = True) -> None:
    spec = _audits.get(model)
    if spec is None or not rows or not _recorder or not actor.has_any(*spec.readers) or spec.on_scope != scoped:
        return
    read = [row for row in rows if any(name not in row.get_deferred_fields() for name in spec.content)]
    reads = [
        (actor, spec.kind, owner, object_id)
        for owner, object_id in _owner_pairs(model, spec, read)
        if owner is not None and owner != actor.user_id
    ]
    collected = _reads.get()
    if collected is None:
        if reads:
            _recorder[0](reads)
        return
    for entry in reads:
        collected.setdefault((actor.user_id, *entry[1:]), entry)


class PolicyRows(ModelIterable):
    """The rows of a `scope`: hidden fields blanked, other people's content recorded as read (once the
    whole result has been handed out, so the log is one INSERT however long the list)."""

    actor: Actor = None  # set on the class made for each scope

    def __iter__(self):
        actor, model = self.actor, self.queryset.model
        redacting = model in _field_rules
        rows = []
        for row in super().__iter__():
            if redacting:
                redact(actor, row)
            rows.append(row)
            yield row
        _record(actor, model, rows)


def policy_rows(actor: Actor) -> type[PolicyRows]:
    """The iterable of a scope's rows for `actor` (a kept read hands its rows to the actor of each view)."""
    return type("PolicyRows", (PolicyRows,), {"actor": actor})


def _rows_for(actor: Actor, queryset: QuerySet) -> QuerySet:
    if queryset.model not in _field_rules and queryset.model not in _audits:
        return queryset
    if queryset._iterable_class is ModelIterable:
        queryset._iterable_class = policy_rows(actor)
    return queryset


def has_rule(model: type[Model]) -> bool:
    return model in _rules


def scope(actor: Actor, model: type[M], queryset: QuerySet | None = None) -> QuerySet:
    """The rows of `model` that `actor` may see, in the current organisation's schema."""
    try:
        visible = _rules[model]
    except KeyError:
        raise ImproperlyConfigured(f"{model.__name__} has no visibility rule in the policy") from None
    if not actor.is_authenticated:
        return model._default_manager.none()
    _check_schema(actor)
    base = model._default_manager.all() if queryset is None else queryset
    return _rows_for(actor, visible(actor, base)._chain())


def get_or_404(actor: Actor, model: type[M], queryset: QuerySet | None = None, **lookup) -> M:
    """One row named by the request, or the same 404 for missing and forbidden (and for an id that cannot be
    one, such as a number where the key is a UUID)."""
    try:
        return scope(actor, model, queryset).get(**lookup)
    except (model.DoesNotExist, ValueError, TypeError, ValidationError):
        raise Http404(NOT_FOUND) from None
    except model.MultipleObjectsReturned:
        raise Http404(NOT_FOUND) from None


def require(actor: Actor, *roles: str) -> None:
    """Let only actors holding one of `roles` here go on; anyone else gets the ordinary 404."""
    if not actor.has_any(*roles):
        raise Http404(NOT_FOUND)


def require_platform_staff(actor: Actor) -> None:
    if not actor.is_platform_staff:
        raise Http404(NOT_FOUND)


def _check_schema(actor: Actor) -> None:
    """Rows are only ever read in the schema of the organisation the actor acts in."""
    organisation = actor.organisation
    expected = organisation.schema_name if organisation is not None else "public"
    if connection.schema_name != expected:
        raise ImproperlyConfigured(
            f"policy asked for {expected!r} while the connection is on {connection.schema_name!r}"
        )


def page(*roles: str, platform_staff: bool = False) -> Callable:
    """Decorator for page and fragment views: sign-in first, then one of `roles` (or platform staff).

    The view receives the Actor as `request.actor`; a signed-in user without the role gets a 404.
    """

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs):
            actor = current_actor(request)
            if not actor.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if platform_staff:
                require_platform_staff(actor)
            elif roles:
                require(actor, *roles)
            elif actor.organisation is not None and not actor.roles:
                raise Http404(NOT_FOUND)
            with reading():  # the page's reads of other people's content: one INSERT at the end
                return view(request, *args, **kwargs)

        wrapper.policy_roles = tuple(roles)  # read by the URL coverage test
        return wrapper

    return decorate


def registered_models() -> Iterable[type[Model]]:
    return tuple(_rules)

"""The one place that decides who may see and do what.

Every view, htmx fragment, API endpoint, export and PDF asks this module for the rows a user may see
(`scope`), for one row named by the request (`get_or_404`) and whether a role may act (`require`).
Each app registers the visibility rule of each of its models with `@rule(Model)` in its `policies.py`;
a model without a rule cannot be read through here at all. Another organisation's object and a
missing one raise the same `Http404` with the same text.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import wraps
from typing import Callable, Iterable, TypeVar

from django.contrib.auth.models import AnonymousUser
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest

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


ANONYMOUS = Actor(user=AnonymousUser())


def roles_of(user, organisation) -> frozenset[str]:
    """The active roles of `user` in `organisation` (one query)."""
    from tenants.models import Membership

    if not getattr(user, "is_authenticated", False) or organisation is None or not user.is_active:
        return frozenset()
    return frozenset(
        Membership.objects.filter(user=user, organisation=organisation, is_active=True)
        .values_list("role", flat=True)
    )


def actor_for(user, organisation=None) -> Actor:
    """An Actor outside a request: for services, tasks, commands and tests."""
    if organisation is not None and organisation.schema_name == "public":
        organisation = None
    return Actor(user=user, organisation=organisation, roles=roles_of(user, organisation))


def current_actor(request: HttpRequest) -> Actor:
    return getattr(request, "actor", ANONYMOUS)


def rule(model: type[M]) -> Callable[[Rule], Rule]:
    """Register the visibility rule of `model`: a function (actor, queryset) -> the rows actor may see."""

    def register(func: Rule) -> Rule:
        if model in _rules:
            raise ImproperlyConfigured(f"{model.__name__} has two visibility rules")
        _rules[model] = func
        return func

    return register


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
    return visible(actor, base)


def get_or_404(actor: Actor, model: type[M], queryset: QuerySet | None = None, **lookup) -> M:
    """One row named by the request, or the same 404 for missing and forbidden."""
    try:
        return scope(actor, model, queryset).get(**lookup)
    except (model.DoesNotExist, ValueError, TypeError):
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
            f"policy asked for {expected!r} while the connection is on {connection.schema_name!r}")


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
            return view(request, *args, **kwargs)

        wrapper.policy_roles = tuple(roles)  # read by the URL coverage test
        return wrapper

    return decorate


def registered_models() -> Iterable[type[Model]]:
    return tuple(_rules)

"""Request middleware: who is acting on this host, in which language, and what no cache may keep."""

from __future__ import annotations

from functools import wraps

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.translation import gettext as _

from portal import citus, policy

SESSION_HOST_KEY = "portal_schema"

# Paths that work without a membership on an organisation host (signing in, health checks).
OPEN_PREFIXES = (
    "/healthz",
    "/login/",
    "/logout/",
    "/handoff/",
    "/password-reset/",
    "/reset/",
    "/invitation/",
    "/feedback/",  # a stakeholder's personal link: no account, whoever is signed in here
    "/i18n/",
    "/static/",
    "/api/v1/auth/token/",
)


def schema_of(request: HttpRequest) -> str:
    tenant = getattr(request, "tenant", None)
    return tenant.schema_name if tenant is not None else "public"


class MembershipMiddleware:
    """After authentication: binds the session to its host and builds `request.actor`.

    A session made on one host is not valid on another (no hopping with a copied cookie), and a
    signed-in user who is not a member of this organisation gets a 404, the same as a missing page.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        schema = schema_of(request)
        user = request.user
        if user.is_authenticated and request.session.get(SESSION_HOST_KEY) != schema:
            request.user = user = AnonymousUser()
        organisation = None if schema == "public" else request.tenant
        if organisation is not None and not organisation.is_active and not request.path.startswith("/healthz"):
            raise Http404(policy.NOT_FOUND)
        request.actor = policy.Actor(user=user, organisation=organisation, roles=policy.roles_of(user, organisation))
        if (
            organisation is not None
            and user.is_authenticated
            and not request.actor.roles
            and not request.path.startswith(OPEN_PREFIXES)
        ):
            raise Http404(policy.NOT_FOUND)
        return self.get_response(request)


def language_for(request: HttpRequest) -> str:
    """The user's own choice, else the language they picked while signed out, else the organisation's."""
    available = {code for code, _name in settings.LANGUAGES}
    user = request.user
    if user.is_authenticated and user.language in available:
        return user.language
    cookie = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
    if cookie in available:
        return cookie
    tenant = getattr(request, "tenant", None)
    if tenant is not None and schema_of(request) != "public":
        return tenant.default_language
    return translation.get_language_from_request(request) or settings.LANGUAGE_CODE


class LanguageMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        language = language_for(request)
        translation.activate(language)
        request.LANGUAGE_CODE = language
        try:
            response = self.get_response(request)
        finally:
            # The thread serves other requests (and tests) next: leave no language behind.
            translation.deactivate()
        response.headers.setdefault("Content-Language", language)
        patch_vary_headers(response, ("Cookie", "Accept-Language"))
        return response


# Answers every cache may keep, whoever asks: our static files and the health check.
CACHEABLE_PREFIXES = ("/static/", "/healthz")


def public_asset(view):
    """For a view whose answer is the same for everyone and holds nothing personal (an organisation's logo):
    NoStoreMiddleware leaves its own Cache-Control alone. Every other answer to a signed-in person is no-store."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        response.public_asset = True
        return response

    return wrapped


class NoStoreMiddleware:
    """Every answer to a signed-in person (session or API token), on any host, is `private, no-store`: pages,
    htmx fragments, API answers and files all may hold coaching content, and no browser history, shared
    computer's cache or proxy may keep a copy. Static files, /healthz and `public_asset` views excepted."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        response = self.get_response(request)
        if request.path.startswith(CACHEABLE_PREFIXES) or getattr(response, "public_asset", False):
            return response
        # DRF sets request.user when a token signs the call in, so token callers count as signed in.
        user = getattr(request, "user", None)
        if (user is not None and user.is_authenticated) or "HTTP_AUTHORIZATION" in request.META:
            patch_cache_control(response, private=True, no_store=True)
        return response


RETRY_AFTER_SECONDS = 30


class NodeUnavailableMiddleware:
    """A database node that cannot be reached (on Citus, the worker holding this organisation's schema)
    answers 503 with Retry-After: a page saying the organisation is temporarily unavailable, or for the
    API a JSON error with code "temporarily_unavailable", instead of a 500. Organisations on other nodes
    are not affected, and the next request after the node is back is answered as usual."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception):
        if not citus.node_unavailable(exception):
            return None
        # The connection may hold an aborted transaction or a broken session to the node: start afresh.
        connection.close_if_unusable_or_obsolete()
        if request.path.startswith("/api/"):
            response = JsonResponse(
                {
                    "detail": _("Your organisation is temporarily unavailable. Please try again in a minute."),
                    "code": "temporarily_unavailable",
                },
                status=503,
            )
        else:
            response = HttpResponse(render_to_string("503.html"), status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        patch_cache_control(response, no_store=True)
        return response

from __future__ import annotations

from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import translation
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from portal import homes, policy
from portal.middleware import language_for


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness and database reachability; writes nothing."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


@require_GET
@policy.page()
def home(request: HttpRequest) -> HttpResponse:
    """An organisation's home: one panel per role the person holds here."""
    return render(request, "portal/home.html", {"panels": homes.panels_for(request)})


def not_found(request: HttpRequest, exception=None) -> HttpResponse:
    """The portal's own 404, in the reader's language also when it is raised before LanguageMiddleware ran
    (the membership check, an unknown organisation host)."""
    with translation.override(_language(request)):
        return render(request, "404.html", status=404)


def _language(request: HttpRequest) -> str:
    if getattr(request, "LANGUAGE_CODE", None):
        return request.LANGUAGE_CODE
    if not hasattr(request, "user"):  # the tenant was not found: no session or user was read
        return translation.get_language_from_request(request)
    return language_for(request)

"""Transparency for the employee: who has opened their results, reflections and goals, and when."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from assessments.models.journal import AccessLogEntry
from assessments.selectors.access_log import access_log_grouped
from portal import policy

PAGE_SIZE = 25


@require_GET
@policy.page(policy.EMPLOYEE)
def access_log(request: HttpRequest) -> HttpResponse:
    """ "Who has seen my data": every read by someone else: who, what, how often and when; never the content.
    Repeated reads of one item by one person are one row (the API lists every read)."""
    kind = request.GET.get("kind", "")
    kind = kind if kind in AccessLogEntry.Kind.values else ""
    page = Paginator(access_log_grouped(actor=request.actor, kind=kind or None), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    labels = dict(AccessLogEntry.Kind.choices)
    page.object_list = [{**entry, "kind_label": labels[entry["kind"]]} for entry in page.object_list]
    template = "assessments/access_log_rows.html" if request.htmx else "assessments/access_log.html"
    return render(request, template, {"page": page, "kind": kind, "kinds": AccessLogEntry.Kind.choices})

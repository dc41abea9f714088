"""HR's pages: the dashboard (with its htmx body), the programme report PDF and the CSV exports."""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from portal import policy
from portal.csv import csv_response
from reports import documents
from reports.models import AuditEvent
from reports.selectors import dashboard as dashboard_selectors
from reports.selectors.exports import EXPORTS
from reports.services.audit import audit_record
from reports.views.common import pdf_response


@require_GET
@policy.page(policy.HR_MANAGER)
def dashboard(request: HttpRequest) -> HttpResponse:
    """The organisation's figures, narrowed by programme, cohort and department (the body swaps by htmx)."""
    filters, problems = dashboard_selectors.filters_from(actor=request.actor, params=request.GET)
    context = {
        **documents.dashboard_context(actor=request.actor, filters=filters),
        "filters": filters,
        "problems": problems,
        "query": urlencode(filters.as_query()),
        "choices": dashboard_selectors.filter_choices(actor=request.actor, filters=filters),
        "exports": EXPORTS.values(),
        "background_from": settings.REPORT_BACKGROUND_PARTICIPANTS,
    }
    template = "reports/dashboard_body.html" if request.htmx else "reports/dashboard.html"
    return render(request, template, context)


@require_GET
@policy.page(policy.HR_MANAGER)
def programme_pdf(request: HttpRequest) -> HttpResponse:
    """The programme report (aggregates only) for the same selection as the dashboard."""
    filters, _problems = dashboard_selectors.filters_from(actor=request.actor, params=request.GET)
    rendered, name = documents.programme_pdf(actor=request.actor, filters=filters)
    audit_record(
        actor=request.actor,
        action=AuditEvent.Action.REPORT_DOWNLOADED,
        kind="programme",
        selection=filters.as_query(),
        pages=rendered.pages,
    )
    return pdf_response(rendered.content, name)


@require_GET
@policy.page(policy.HR_MANAGER)
def csv_export(request: HttpRequest, kind: str) -> HttpResponse:
    export = EXPORTS.get(kind)
    if export is None:
        raise Http404(policy.NOT_FOUND)
    filters, _problems = dashboard_selectors.filters_from(actor=request.actor, params=request.GET)
    header, rows = export.build(actor=request.actor, filters=filters)
    audit_record(actor=request.actor, action=AuditEvent.Action.CSV_EXPORTED, kind=kind, selection=filters.as_query())
    stamp = timezone.localdate().isoformat()
    return csv_response(header, rows, filename=f"{request.actor.organisation.slug}-{kind}-{stamp}.csv", stream=True)

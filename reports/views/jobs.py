"""Reports in preparation: start one, follow its progress (htmx polling), download it when ready."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from portal import policy
from portal.tasks import enqueue_after_commit
from reports.models import AuditEvent, ReportJob
from reports.services.audit import audit_record
from reports.services.jobs import report_job_start
from reports.tasks import report_render
from reports.views.common import pdf_response


@require_POST
@policy.page()
def job_create(request: HttpRequest) -> HttpResponse:
    job = report_job_start(actor=request.actor, kind=request.POST.get("kind", ""), params=request.POST)
    enqueue_after_commit(report_render, str(job.pk))
    job.refresh_from_db()  # inline runs have already finished
    if request.htmx:
        return render(request, "reports/job_status.html", {"job": job})
    return redirect("reports_job", pk=job.pk)


@require_GET
@policy.page()
def job_status(request: HttpRequest, pk) -> HttpResponse:
    job = policy.get_or_404(request.actor, ReportJob, ReportJob.objects.defer("pdf"), pk=pk)
    template = "reports/job_status.html" if request.htmx else "reports/job.html"
    return render(request, template, {"job": job})


@require_GET
@policy.page()
def job_download(request: HttpRequest, pk) -> HttpResponse:
    job = policy.get_or_404(request.actor, ReportJob, ReportJob.objects.filter(status=ReportJob.Status.READY), pk=pk)
    if job.kind == ReportJob.Kind.PROGRAMME:
        audit_record(
            actor=request.actor,
            action=AuditEvent.Action.REPORT_DOWNLOADED,
            kind=job.kind,
            selection={k: v for k, v in job.options.items() if k != "error"},
            pages=job.pages,
        )
    return pdf_response(bytes(job.pdf), job.file_name or "report.pdf")

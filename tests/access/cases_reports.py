"""Reports and data rights: who may reach each page, PDF, CSV, API endpoint and platform page."""

from __future__ import annotations

from django.utils import timezone
from django_tenants.utils import tenant_context

from reports.models import ErasureRequest, ReportJob
from tests.access import Case, api, members, only


def _pending_erasure(world, org_key: str) -> int:
    """A scheduled erasure of the organisation's second employee (rolled back with the test)."""
    org = world.org(org_key)
    with tenant_context(org.organisation):
        request, _created = ErasureRequest.objects.get_or_create(
            person=org.employee2,
            status=ErasureRequest.Status.PENDING,
            defaults={
                "requested_by": org.hr,
                "scope": ErasureRequest.Scope.ORGANISATION,
                "due_at": timezone.now() + timezone.timedelta(days=14),
            },
        )
    return request.pk


def _my_pending_erasure(world, org_key: str) -> dict:
    org = world.org(org_key)
    with tenant_context(org.organisation):
        ErasureRequest.objects.get_or_create(
            person=org.employee,
            status=ErasureRequest.Status.PENDING,
            defaults={
                "requested_by": org.employee,
                "scope": ErasureRequest.Scope.EVERYWHERE,
                "due_at": timezone.now() + timezone.timedelta(days=14),
            },
        )
    return {}


def _employees_job(world, org_key: str) -> dict:
    """A finished report of the organisation's employee: only they may follow or download it."""
    org = world.org(org_key)
    with tenant_context(org.organisation):
        job, _created = ReportJob.objects.get_or_create(
            requested_by=org.employee,
            kind=ReportJob.Kind.PERSONAL,
            subject=org.employee,
            defaults={
                "status": ReportJob.Status.READY,
                "progress": 100,
                "pdf": b"%PDF-1.7 test",
                "file_name": "report.pdf",
                "pages": 1,
            },
        )
    return {"pk": job.pk}


CASES = [
    # HR: dashboard, programme report, exports, audit and erasure
    Case("reports_dashboard", only("hr")),
    Case("reports_dashboard", only("hr"), query="?programme=999999&cohort=x&department=Nowhere"),
    Case("reports_pdf", only("hr")),
    Case("reports_csv", only("hr"), kwargs=lambda world, org: {"kind": "enrolments"}),
    Case("reports_csv", only("hr"), kwargs=lambda world, org: {"kind": "attendance"}),
    Case("reports_csv", only("hr"), kwargs=lambda world, org: {"kind": "credits"}),
    Case("reports_csv", only(""), kwargs=lambda world, org: {"kind": "reflections"}),
    Case("reports_audit", only("hr")),
    Case("reports_audit", only("hr"), query="?category=erasure", extra={"HTTP_HX_REQUEST": "true"}),
    Case("reports_erasure", only("hr")),
    Case("reports_erasure", only("hr"), method="post", data={"email": "nobody@example.com"}),
    Case(
        "reports_erasure_cancel",
        only("hr", 302),
        method="post",
        kwargs=lambda world, org: {"pk": _pending_erasure(world, org)},
    ),
    # Reports in preparation: only the person who asked sees them
    Case("reports_job_create", only("employee", 302), method="post", data={"kind": "personal"}),
    Case("reports_job", only("employee"), kwargs=_employees_job),
    Case("reports_job_download", only("employee"), kwargs=_employees_job),
    # Coaches
    Case("coach_reports", only("coach coach_both")),
    Case("coach_hours_pdf", only("coach coach_both")),
    # The organisation's own coach coaches `employee`; the coach of both organisations does not.
    Case("coachee_progress_pdf", only("coach"), kwargs=lambda world, org: {"user_id": world.org(org).employee.pk}),
    # The employee's own data
    Case("my_data", members(200)),
    Case("my_progress_pdf", only("employee")),
    Case("my_erasure_request", only("employee", 302), method="post", data={}),
    Case("my_erasure_cancel", only("employee", 302), method="post", data=_my_pending_erasure),
    Case("api_me_export", api("employee coach hr coach_both")),
    Case("api_my_erasure", api("employee"), kwargs=_my_pending_erasure),
    Case(
        "api_my_erasure", api("employee", 201), method="post", content_type="application/json", data={"confirm": True}
    ),
    Case("api_my_erasure", api("employee", 204), method="delete", kwargs=_my_pending_erasure),
    Case("api_coach_hours", api("coach coach_both")),
    Case("api_coach_hours", api("coach coach_both", 400), query="?from=2026-13"),
    # HR's reports API
    Case("api_dashboard", api("hr")),
    Case("api_dashboard", api("hr", 400), query="?programme=999999"),
    Case("api_report_export-list", api("hr")),
    Case("api_report_export-detail", api("hr"), kwargs=lambda world, org: {"kind": "enrolments"}),
    Case("api_report_export-detail", api(""), kwargs=lambda world, org: {"kind": "reflections"}),
    Case("api_audit-list", api("hr")),
    Case("api_audit-data-rights", api("hr")),
    Case("api_erasure_request-list", api("hr")),
    Case(
        "api_erasure_request-list",
        api("hr", 400),
        method="post",
        content_type="application/json",
        data={"email": "nobody@example.com", "confirm": True},
    ),
    Case("api_erasure_request-detail", api("hr"), kwargs=lambda world, org: {"pk": _pending_erasure(world, org)}),
    Case(
        "api_erasure_request-cancel",
        api("hr"),
        method="post",
        kwargs=lambda world, org: {"pk": _pending_erasure(world, org)},
    ),
    # Platform staff on the public host
    Case("platform_offboarding", only("staff"), host="public"),
    Case("platform_offboard", only("staff"), host="public", kwargs=lambda world, org: {"slug": "acme"}),
    Case("platform_offboard", only(""), host="public", kwargs=lambda world, org: {"slug": "no-such-org"}),
    Case(
        "platform_offboard_delete",
        only("staff", 400),
        host="public",
        method="post",
        kwargs=lambda world, org: {"slug": "acme"},
        data={"confirm_slug": "not-acme"},
    ),
    Case(
        "platform_offboard_export",
        only("staff", 302),
        host="public",
        method="post",
        kwargs=lambda world, org: {"slug": "acme"},
    ),
    Case(
        "platform_archive_download", only(""), host="public", kwargs=lambda world, org: {"name": "acme-20000101-000000"}
    ),
    Case("platform_audit", only("staff"), host="public"),
    Case("platform_audit", only("staff"), host="public", query="?category=offboarding"),
]

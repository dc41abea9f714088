"""HR's oversight pages: the organisation's audit log and the erasure requests."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from portal import policy
from reports.forms import ErasureForm
from reports.models import ErasureRequest
from reports.selectors import audit as audit_selectors
from reports.services import erasure

EVENTS_PER_PAGE = 50


@require_GET
@policy.page(policy.HR_MANAGER)
def audit(request: HttpRequest) -> HttpResponse:
    """Enrolments, role changes, exports, reports and erasures in this organisation, newest first."""
    category = request.GET.get("category", "")
    if category not in audit_selectors.CATEGORIES:
        category = ""
    events = audit_selectors.organisation_events(actor=request.actor, category=category)
    page = Paginator(events, EVENTS_PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "lines": audit_selectors.event_lines(actor=request.actor, rows=list(page.object_list)),
        "category": category,
        "categories": audit_selectors.CATEGORIES.items(),
    }
    if request.htmx:
        return render(request, "reports/audit_rows.html", context)
    context["data_rights"] = audit_selectors.data_right_counts(actor=request.actor)
    return render(request, "reports/audit.html", context)


@require_http_methods(["GET", "POST"])
@policy.page(policy.HR_MANAGER)
def erasure_requests(request: HttpRequest) -> HttpResponse:
    """Scheduled and past erasures, and asking for one."""
    form = ErasureForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            scheduled = erasure.erasure_request_for_email(actor=request.actor, email=form.cleaned_data["email"])
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                _("The data of %(email)s will be erased on %(date)s.")
                % {
                    "email": scheduled.person.email,
                    "date": formats.date_format(timezone.localtime(scheduled.due_at), "DATE_FORMAT"),
                },
            )
            return redirect("reports_erasure")
    requests = (
        policy.scope(request.actor, ErasureRequest)
        .select_related("person", "requested_by", "cancelled_by")
        .order_by("-requested_at")[:200]
    )
    return render(
        request, "reports/erasure.html", {"form": form, "requests": requests, "grace_days": settings.ERASURE_GRACE_DAYS}
    )


@require_POST
@policy.page(policy.HR_MANAGER)
def erasure_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    scheduled = policy.get_or_404(request.actor, ErasureRequest, pk=pk)
    try:
        erasure.erasure_cancel(actor=request.actor, request=scheduled)
    except ValidationError as error:
        messages.error(request, error.messages[0])
    else:
        messages.success(request, _("The erasure is cancelled. Nothing has been deleted."))
    return redirect("reports_erasure")

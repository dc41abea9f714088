"""Pages about one person: the employee's "my data" page (export, personal report, erasure), the
personal progress report, and the coach's reports (hours per month, their coachees' progress reports)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from assessments.policies import coachee_ids
from portal import policy
from reports import documents
from reports.forms import MyErasureForm
from reports.models import ErasureRequest
from reports.selectors import coach as coach_selectors
from reports.selectors import personal as personal_selectors
from reports.services import erasure
from reports.views.common import pdf_response
from tenants.models import User


def _ids(values) -> list[int]:
    return [int(value) for value in values if str(value).isdigit()]


@require_GET
@policy.page()
def my_data(request: HttpRequest) -> HttpResponse:
    """Export my data, my progress report with the reflections I choose, and erasure."""
    actor = request.actor
    pending = (
        policy.scope(actor, ErasureRequest)
        .filter(person_id=actor.user_id, status=ErasureRequest.Status.PENDING)
        .first()
    )
    context = {
        "reflections": personal_selectors.reflection_choices(actor=actor) if actor.is_employee else [],
        "pending": pending,
        "form": MyErasureForm(),
        "other_organisations": erasure.organisations_of(actor.user),
        "grace_days": settings.ERASURE_GRACE_DAYS,
    }
    return render(request, "reports/my_data.html", context)


@require_GET
@policy.page(policy.EMPLOYEE)
def my_progress_pdf(request: HttpRequest) -> HttpResponse:
    """The employee's own progress report, with the reflections they ticked."""
    rendered, name = documents.personal_pdf(
        actor=request.actor, person=request.user, reflection_ids=_ids(request.GET.getlist("reflection"))
    )
    return pdf_response(rendered.content, name)


@require_POST
@policy.page(policy.EMPLOYEE)
def my_erasure_request(request: HttpRequest) -> HttpResponse:
    form = MyErasureForm(request.POST)
    if not form.is_valid():
        messages.error(request, form.errors["confirm"][0])
        return redirect("my_data")
    try:
        scheduled = erasure.erasure_request(actor=request.actor, person=request.user)
    except ValidationError as error:
        messages.error(request, error.messages[0])
    else:
        messages.success(
            request,
            _("Your data will be erased on %(date)s. Until then you can change your mind here.")
            % {"date": formats.date_format(timezone.localtime(scheduled.due_at), "DATE_FORMAT")},
        )
    return redirect("my_data")


@require_POST
@policy.page(policy.EMPLOYEE)
def my_erasure_cancel(request: HttpRequest) -> HttpResponse:
    pending = policy.get_or_404(
        request.actor,
        ErasureRequest,
        ErasureRequest.objects.filter(person_id=request.actor.user_id),
        status=ErasureRequest.Status.PENDING,
    )
    try:
        erasure.erasure_cancel(actor=request.actor, request=pending)
    except ValidationError as error:
        messages.error(request, error.messages[0])
    else:
        messages.success(request, _("Your erasure is cancelled. Nothing has been deleted."))
    return redirect("my_data")


@require_GET
@policy.page(policy.COACH)
def coach_reports(request: HttpRequest) -> HttpResponse:
    """The coach's sessions and hours per month here, and their coachees' progress reports."""
    period, problems = coach_selectors.period_from(request.GET)
    context = {
        **documents.coach_context(actor=request.actor, period=period, with_sessions=False),
        "period": period,
        "problems": problems,
        "coachees": list(
            policy.scope(request.actor, User)
            .filter(pk__in=coachee_ids(request.actor))
            .order_by("first_name", "last_name", "email")
        ),
    }
    return render(request, "reports/coach.html", context)


@require_GET
@policy.page(policy.COACH)
def coach_hours_pdf(request: HttpRequest) -> HttpResponse:
    period, _problems = coach_selectors.period_from(request.GET)
    rendered, name = documents.coach_pdf(actor=request.actor, period=period)
    return pdf_response(rendered.content, name)


@require_GET
@policy.page(policy.COACH)
def coachee_progress_pdf(request: HttpRequest, user_id: int) -> HttpResponse:
    """A coachee's progress report for their coach: released results, goals and shared reflections only."""
    person = personal_selectors.report_subject(actor=request.actor, user_id=user_id)
    rendered, name = documents.personal_pdf(actor=request.actor, person=person)
    return pdf_response(rendered.content, name)

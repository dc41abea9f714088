"""Pages for enrolments: the list, one person at a time, one person's enrolment, and the CSV import with
its progress."""

from __future__ import annotations

from functools import partial

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from portal import policy
from portal.csv import csv_response
from portal.forms import form_submit
from portal.tasks import enqueue_after_commit
from programmes import tasks
from programmes.forms import CreditAllowanceForm, EnrolmentAddForm, EnrolmentEditForm, EnrolmentStatusForm, ImportForm
from programmes.models import Enrolment, EnrolmentImport
from programmes.selectors import credits as credit_selectors
from programmes.selectors import enrolment as selectors
from programmes.selectors import programmes as programme_selectors
from programmes.services import enrolment as services
from programmes.services import imports

HR = policy.HR_MANAGER
PER_PAGE = 50
ERRORS_SHOWN = 200


def _int(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


@require_GET
@policy.page(HR, policy.COACH)
def enrolment_list(request: HttpRequest) -> HttpResponse:
    """HR: everyone enrolled. Coaches: the people they coach. Filters swap the table only (htmx)."""
    filters = {
        "programme": _int(request.GET.get("programme")),
        "cohort": _int(request.GET.get("cohort")),
        "status": request.GET.get("status") or None,
        "search": request.GET.get("q", "").strip()[:100],
    }
    enrolments = selectors.enrolment_list(actor=request.actor, **filters)
    page = Paginator(enrolments, PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "enrolments": page.object_list,
        "filters": filters,
        "query": _without_page(request),
        "programmes": programme_selectors.programme_list(actor=request.actor),
        "cohorts": programme_selectors.cohort_choices(actor=request.actor),
        "statuses": Enrolment.Status.choices,
    }
    if request.htmx:
        return render(request, "programmes/enrolment_rows.html", context)
    context["invitations"] = selectors.enrolment_invitations(
        actor=request.actor, cohorts=context["cohorts"], programme=filters["programme"], cohort=filters["cohort"]
    )
    return render(request, "programmes/enrolment_list.html", context)


def _without_page(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


@require_http_methods(["GET", "POST"])
@policy.page(HR)
def enrolment_add(request: HttpRequest) -> HttpResponse:
    """Enrol one person: the same checks as a CSV file of one row."""
    cohorts = programme_selectors.cohort_choices(actor=request.actor)
    form = EnrolmentAddForm(
        request.POST or None,
        cohorts=cohorts,
        coaches=programme_selectors.coach_choices(actor=request.actor),
        initial={"cohort": _int(request.GET.get("cohort"))},
    )
    submitted = form_submit(request, form, partial(imports.enrolment_add, actor=request.actor))
    if submitted:
        names = {"email": form.cleaned_data["email"], "cohort": form.cleaned_data["cohort"].name}
        if submitted.result.invited:
            messages.success(
                request, _("%(email)s is invited; they are enrolled in %(cohort)s once they accept.") % names
            )
        else:
            messages.success(request, _("%(email)s is enrolled in %(cohort)s.") % names)
        return redirect("enrolment_add" if "another" in request.POST else "enrolment_list")
    return render(request, "programmes/enrolment_add.html", {"form": form, "has_cohorts": cohorts.exists()})


@require_GET
@policy.page(HR, policy.COACH, policy.EMPLOYEE)
def enrolment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One person's enrolment: where they stand, status and its history, credits, the agreement."""
    detail = selectors.enrolment_detail(actor=request.actor, pk=pk)
    status_form = EnrolmentStatusForm() if request.actor.is_hr else None
    buttons = {
        Enrolment.Status.ACTIVE: _("Mark as active")
        if detail.enrolment.status == Enrolment.Status.INVITED
        else _("Make active again"),
        Enrolment.Status.COMPLETED: _("Mark as completed"),
        Enrolment.Status.WITHDRAWN: _("Withdraw from the programme"),
    }
    return render(
        request,
        "programmes/enrolment_detail.html",
        {
            "detail": detail,
            "enrolment": detail.enrolment,
            "status_form": status_form,
            "used": detail.credits_used,
            "credit_form": CreditAllowanceForm(initial={"credit_allowance": detail.enrolment.credit_allowance})
            if request.actor.is_hr
            else None,
            "transitions": [(status, buttons[status]) for status in services.allowed_transitions(detail.enrolment)],
        },
    )


@require_POST
@policy.page(HR)
def enrolment_credits(request: HttpRequest, pk: int) -> HttpResponse:
    """HR changes one person's allowance of 1:1 credits in place (htmx swaps the credits alone), through
    the service the edit page and the API use: never below what the person has already used."""
    enrolment = selectors.enrolment_get(actor=request.actor, pk=pk)
    form = CreditAllowanceForm(request.POST)
    saved = form_submit(
        request,
        form,
        partial(
            services.enrolment_update,
            actor=request.actor,
            enrolment=enrolment,
            cohort=enrolment.cohort,
            coach=enrolment.coach,
        ),
    )
    enrolment = saved.result if saved else enrolment
    if request.htmx:
        return render(
            request,
            "programmes/enrolment_credits.html",
            {
                "enrolment": enrolment,
                "used": credit_selectors.credits_used(enrolment),
                "saved": saved,
                "credit_form": CreditAllowanceForm(initial={"credit_allowance": enrolment.credit_allowance})
                if saved
                else form,
            },
        )
    if saved:
        messages.success(request, _("The allowance is now %(count)s.") % {"count": enrolment.credit_allowance})
    else:
        messages.error(request, " ".join(message for errors in form.errors.values() for message in errors))
    return redirect("enrolment_detail", pk=enrolment.pk)


@require_http_methods(["GET", "POST"])
@policy.page(HR)
def enrolment_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Cohort, 1:1 coach and credits of the enrolment; department, job title and manager of the person."""
    enrolment = selectors.enrolment_get(actor=request.actor, pk=pk)
    profile = selectors.profile_of(actor=request.actor, user_id=enrolment.employee_id)
    initial = {
        "cohort": enrolment.cohort_id,
        "coach": enrolment.coach_id,
        "credit_allowance": enrolment.credit_allowance,
        "department": profile.department if profile else "",
        "job_title": profile.job_title if profile else "",
        "manager_email": profile.manager.email if profile and profile.manager else "",
    }
    form = EnrolmentEditForm(
        request.POST or None,
        initial=initial,
        cohorts=programme_selectors.cohorts_of(actor=request.actor, programme=enrolment.programme),
        coaches=programme_selectors.coach_choices(actor=request.actor),
    )

    @transaction.atomic
    def save(*, cohort, coach, credit_allowance, department, job_title, manager_email) -> None:
        services.enrolment_update(
            actor=request.actor, enrolment=enrolment, cohort=cohort, coach=coach, credit_allowance=credit_allowance
        )
        services.profile_update(
            actor=request.actor,
            user=enrolment.employee,
            department=department,
            job_title=job_title,
            manager_email=manager_email,
        )

    if form_submit(request, form, save):
        messages.success(request, _("The enrolment is saved."))
        return redirect("enrolment_detail", pk=enrolment.pk)
    return render(request, "programmes/enrolment_edit.html", {"form": form, "enrolment": enrolment})


@require_POST
@policy.page(HR)
def enrolment_status(request: HttpRequest, pk: int) -> HttpResponse:
    enrolment = selectors.enrolment_get(actor=request.actor, pk=pk)
    form = EnrolmentStatusForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(_("Choose a status."))
        services.enrolment_status_change(
            actor=request.actor, enrolment=enrolment, to_status=form.cleaned_data["status"]
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _("%(name)s is now “%(status)s”.")
            % {
                "name": enrolment.employee.get_full_name() or enrolment.employee.email,
                "status": Enrolment.Status(form.cleaned_data["status"]).label,
            },
        )
    return redirect("enrolment_detail", pk=enrolment.pk)


# --- the CSV import ---------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@policy.page(HR)
def enrolment_import(request: HttpRequest) -> HttpResponse:
    """Upload a CSV file. Small files are imported at once; large ones in the background, with progress."""
    programmes = programme_selectors.open_programmes(actor=request.actor)
    form = ImportForm(
        request.POST or None,
        request.FILES or None,
        programmes=programmes,
        initial={"programme": _int(request.GET.get("programme"))},
    )
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        data = upload.read(imports.max_bytes() + 1)
        job = imports.import_job_create(
            actor=request.actor, file_name=upload.name, data=data, programme=form.cleaned_data["programme"]
        )
        if job.status == EnrolmentImport.Status.QUEUED and imports.count_rows(data) <= imports.background_rows():
            job = imports.import_job_run(job_id=job.pk)
        return redirect("enrolment_import_detail", pk=job.pk)
    return render(
        request,
        "programmes/enrolment_import.html",
        {
            "form": form,
            "imports": selectors.recent_imports(actor=request.actor),
            "max_rows": imports.max_rows(),
            "max_size": imports.max_bytes(),
        },
    )


@require_GET
@policy.page(HR)
def enrolment_import_template(request: HttpRequest) -> HttpResponse:
    """An empty CSV file with the columns the import reads."""
    return csv_response(imports.TEMPLATE_HEADER, [], filename="employees.csv")


@require_GET
@policy.page(HR)
def enrolment_import_detail(request: HttpRequest, pk: str) -> HttpResponse:
    """What an import did, or, while it runs, its progress (the htmx poll asks for the fragment alone)."""
    job = selectors.import_get(actor=request.actor, pk=pk)
    context = {
        "job": job,
        "progress": imports.import_progress(job),
        "errors": job.errors[:ERRORS_SHOWN],
        "more_errors": max(0, len(job.errors) - ERRORS_SHOWN),
        "message": imports.outcome_message(job.summary, errors=len(job.errors)),
    }
    template = "programmes/enrolment_import_status.html" if request.htmx else "programmes/enrolment_import_detail.html"
    return render(request, template, context)


@require_POST
@policy.page(HR)
def enrolment_import_start(request: HttpRequest, pk: str) -> HttpResponse:
    """Start a waiting import: queued on a worker, or run here when tasks run inline (the page polls
    the progress meanwhile from another request)."""
    job = selectors.import_get(actor=request.actor, pk=pk)
    if job.status == EnrolmentImport.Status.QUEUED:
        enqueue_after_commit(tasks.enrolment_import_task, str(job.pk))
    return HttpResponse(status=204)

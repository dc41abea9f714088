"""Pages for programmes, their phases and learning resources, and cohorts."""

from __future__ import annotations

from functools import partial

from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from portal import policy
from portal.forms import form_submit
from programmes.forms import CohortForm, PhaseForm, ProgrammeCopyForm, ProgrammeForm, ResourceForm
from programmes.selectors import enrolment as enrolment_selectors
from programmes.selectors import programmes as selectors
from programmes.services import programmes as services

HR = policy.HR_MANAGER
MEMBERS = (policy.HR_MANAGER, policy.COACH, policy.EMPLOYEE)


@require_GET
@policy.page(*MEMBERS)
def programme_list(request: HttpRequest) -> HttpResponse:
    """HR: every programme. Coaches and employees: the programmes they take part in."""
    context = {
        "programmes": selectors.programme_list(actor=request.actor),
        "my_enrolments": enrolment_selectors.my_enrolments(actor=request.actor) if request.actor.is_employee else [],
    }
    return render(request, "programmes/programme_list.html", context)


@require_http_methods(["GET", "POST"])
@policy.page(HR)
def programme_create(request: HttpRequest) -> HttpResponse:
    form = ProgrammeForm(request.POST or None)
    created = form_submit(request, form, partial(services.programme_create, actor=request.actor))
    if created:
        messages.success(
            request, _("“%(name)s” is ready. Add cohorts, then enrol people.") % {"name": created.result.name}
        )
        return redirect("programme_detail", pk=created.result.pk)
    return render(request, "programmes/programme_form.html", {"form": form})


@require_GET
@policy.page(*MEMBERS)
def programme_detail(request: HttpRequest, pk: int) -> HttpResponse:
    actor = request.actor
    programme = selectors.programme_detail(actor=actor, pk=pk)
    context = {
        "programme": programme,
        "phase_form": PhaseForm() if actor.is_hr else None,
        "funnel": enrolment_selectors.programme_funnel(actor=actor, programme=programme) if actor.is_hr else None,
        "my_place": enrolment_selectors.my_place(actor=actor, programme=programme) if actor.is_employee else None,
    }
    return render(request, "programmes/programme_detail.html", context)


@require_http_methods(["GET", "POST"])
@policy.page(HR)
def programme_edit(request: HttpRequest, pk: int) -> HttpResponse:
    programme = selectors.programme_get(actor=request.actor, pk=pk)
    form = ProgrammeForm(request.POST or None, instance=programme)
    if form_submit(request, form, partial(services.programme_update, actor=request.actor, programme=programme)):
        messages.success(request, _("The programme is saved."))
        return redirect("programme_detail", pk=programme.pk)
    return render(request, "programmes/programme_form.html", {"form": form, "programme": programme})


@require_http_methods(["GET", "POST"])
@policy.page(HR)
def programme_copy(request: HttpRequest, pk: int) -> HttpResponse:
    """Start the next run of a programme from this one."""
    programme = selectors.programme_get(actor=request.actor, pk=pk)
    form = ProgrammeCopyForm(
        request.POST or None,
        initial={"name": _("%(name)s (copy)") % {"name": programme.name}, "starts_on": programme.ends_on},
    )
    if request.method == "POST" and form.is_valid():
        copy = services.programme_copy(actor=request.actor, programme=programme, **form.cleaned_data)
        messages.success(
            request,
            _("“%(name)s” is a draft copy. Check its dates and phases, then make it active.") % {"name": copy.name},
        )
        return redirect("programme_detail", pk=copy.pk)
    return render(request, "programmes/programme_copy.html", {"form": form, "programme": programme})


# --- phases -----------------------------------------------------------------------------------------


def _phases_changed(request: HttpRequest, programme_pk: int) -> HttpResponse:
    """After a change to the phases: the list alone for htmx, the programme's page otherwise."""
    if request.htmx:
        programme = selectors.programme_detail(actor=request.actor, pk=programme_pk)
        return render(request, "programmes/programme_phases.html", {"programme": programme, "phase_form": PhaseForm()})
    return redirect("programme_detail", pk=programme_pk)


@require_POST
@policy.page(HR)
def phase_add(request: HttpRequest, pk: int) -> HttpResponse:
    programme = selectors.programme_get(actor=request.actor, pk=pk)
    form = PhaseForm(request.POST)
    form_submit(request, form, partial(services.phase_add, actor=request.actor, programme=programme))
    if form.errors:
        if request.htmx:
            programme = selectors.programme_detail(actor=request.actor, pk=pk)
            return render(request, "programmes/programme_phases.html", {"programme": programme, "phase_form": form})
        messages.error(request, " ".join(message for errors in form.errors.values() for message in errors))
    return _phases_changed(request, programme.pk)


@require_http_methods(["GET", "POST"])
@policy.page(HR)
def phase_edit(request: HttpRequest, pk: int) -> HttpResponse:
    phase = selectors.phase_get(actor=request.actor, pk=pk)
    form = PhaseForm(request.POST or None, instance=phase)
    if form_submit(request, form, partial(services.phase_update, actor=request.actor, phase=phase)):
        messages.success(request, _("The phase is saved."))
        return redirect("programme_detail", pk=phase.programme_id)
    return render(request, "programmes/phase_form.html", {"form": form, "phase": phase})


@require_POST
@policy.page(HR)
def phase_move(request: HttpRequest, pk: int) -> HttpResponse:
    phase = selectors.phase_get(actor=request.actor, pk=pk)
    services.phase_move(actor=request.actor, phase=phase, up=request.POST.get("direction") == "up")
    return _phases_changed(request, phase.programme_id)


@require_POST
@policy.page(HR)
def phase_delete(request: HttpRequest, pk: int) -> HttpResponse:
    phase = selectors.phase_get(actor=request.actor, pk=pk)
    services.phase_delete(actor=request.actor, phase=phase)
    if not request.htmx:
        messages.success(request, _("The phase “%(name)s” is removed.") % {"name": phase.name})
    return _phases_changed(request, phase.programme_id)


# --- learning resources -----------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@policy.page(HR)
def resource_add(request: HttpRequest, pk: int) -> HttpResponse:
    programme = selectors.programme_get(actor=request.actor, pk=pk)
    form = ResourceForm(request.POST or None, request.FILES or None)
    if form_submit(request, form, partial(services.resource_add, actor=request.actor, programme=programme)):
        messages.success(request, _("The resource is added; everyone in the programme can open it."))
        return redirect("programme_detail", pk=programme.pk)
    return render(request, "programmes/resource_form.html", {"form": form, "programme": programme})


@require_POST
@policy.page(HR)
def resource_delete(request: HttpRequest, pk: int) -> HttpResponse:
    resource = selectors.resource_get(actor=request.actor, pk=pk)
    services.resource_delete(actor=request.actor, resource=resource)
    messages.success(request, _("“%(title)s” is removed.") % {"title": resource.title})
    return redirect("programme_detail", pk=resource.programme_id)


@require_GET
@policy.page(*MEMBERS)
def resource_download(request: HttpRequest, pk: int) -> HttpResponse:
    """A resource's file, for those who may see its programme (files are never served by path)."""
    resource = selectors.resource_get(actor=request.actor, pk=pk)
    if not resource.file:
        raise Http404(policy.NOT_FOUND)
    try:
        handle = resource.file.open("rb")
    except FileNotFoundError:
        raise Http404(policy.NOT_FOUND) from None
    return FileResponse(handle, as_attachment=True, filename=resource.file.name.rsplit("/", 1)[-1])


# --- cohorts ----------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@policy.page(HR)
def cohort_create(request: HttpRequest, pk: int) -> HttpResponse:
    programme = selectors.programme_get(actor=request.actor, pk=pk)
    form = CohortForm(
        request.POST or None,
        coaches=selectors.coach_choices(actor=request.actor),
        initial={"starts_on": programme.starts_on},
    )
    created = form_submit(request, form, partial(services.cohort_create, actor=request.actor, programme=programme))
    if created:
        messages.success(request, _("Cohort “%(name)s” is added.") % {"name": created.result.name})
        return redirect("programme_detail", pk=programme.pk)
    return render(request, "programmes/cohort_form.html", {"form": form, "programme": programme})


@require_GET
@policy.page(HR, policy.COACH)
def cohort_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A cohort and its members (HR, and the coaches of the cohort or of people in it)."""
    cohort = selectors.cohort_detail(actor=request.actor, pk=pk)
    members = enrolment_selectors.enrolment_list(actor=request.actor, cohort=cohort.pk)
    return render(request, "programmes/cohort_detail.html", {"cohort": cohort, "members": members})


@require_http_methods(["GET", "POST"])
@policy.page(HR)
def cohort_edit(request: HttpRequest, pk: int) -> HttpResponse:
    cohort = selectors.cohort_detail(actor=request.actor, pk=pk)
    initial = {
        "name": cohort.name,
        "capacity": cohort.capacity,
        "starts_on": cohort.starts_on,
        "coaches": [coach.pk for coach in cohort.coaches.all()],
    }
    form = CohortForm(request.POST or None, coaches=selectors.coach_choices(actor=request.actor), initial=initial)
    if form_submit(request, form, partial(services.cohort_update, actor=request.actor, cohort=cohort)):
        messages.success(request, _("The cohort is saved."))
        return redirect("cohort_detail", pk=cohort.pk)
    return render(
        request, "programmes/cohort_form.html", {"form": form, "programme": cohort.programme, "cohort": cohort}
    )

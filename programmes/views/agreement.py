"""The coaching agreement: everyone reads it, employees accept it, HR publishes new versions."""

from __future__ import annotations

from functools import partial

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from portal import policy
from portal.forms import form_submit
from programmes.forms import AgreementForm
from programmes.selectors import enrolment as selectors
from programmes.services import agreement as services


@require_GET
@policy.page(policy.HR_MANAGER, policy.COACH, policy.EMPLOYEE)
def agreement(request: HttpRequest) -> HttpResponse:
    actor = request.actor
    body, version, current = services.agreement_in_force(actor=request.actor)
    acceptance = selectors.my_acceptance(actor=actor) if actor.is_employee else None
    context = {
        "body": body,
        "version": version,
        "current": current,
        "acceptance": acceptance,
        "accepted_current": acceptance is not None and current is not None and acceptance.agreement_id == current.pk,
        "next": request.GET.get("next", ""),
    }
    if actor.is_hr:
        context.update(versions=selectors.agreement_versions(actor=actor), reach=selectors.agreement_reach(actor=actor))
    return render(request, "programmes/agreement.html", context)


@require_POST
@policy.page(policy.EMPLOYEE)
def agreement_accept(request: HttpRequest) -> HttpResponse:
    version = request.POST.get("version", "")
    try:
        services.agreement_accept(actor=request.actor, version=int(version) if version.isdigit() else -1)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("agreement")
    messages.success(request, _("Thank you. You accepted the coaching agreement and can book sessions."))
    next_url = request.POST.get("next", "")
    if next_url and url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        return redirect(next_url)
    return redirect("home")


@require_http_methods(["GET", "POST"])
@policy.page(policy.HR_MANAGER)
def agreement_edit(request: HttpRequest) -> HttpResponse:
    body, version, _current = services.agreement_in_force(actor=request.actor)
    form = AgreementForm(request.POST or None, initial={"body": body})
    published = form_submit(request, form, partial(services.agreement_publish, actor=request.actor))
    if published:
        messages.success(
            request,
            _("Version %(version)s is published. Employees accept it before their next booking.")
            % {"version": published.result.version},
        )
        return redirect("agreement")
    return render(request, "programmes/agreement_edit.html", {"form": form, "version": version})

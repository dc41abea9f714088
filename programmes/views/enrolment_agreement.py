"""The three-way agreement of one enrolment: read it with every version and acceptance, write the
objectives (employee and coach), accept it (each party), download it as a PDF; and the people a manager
sponsors."""

from __future__ import annotations

from functools import partial

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from portal import policy
from portal.forms import form_submit
from programmes.forms import ObjectivesForm
from programmes.selectors import agreement as selectors
from programmes.services import enrolment_agreement as services
from reports import documents
from reports.views.common import pdf_response

PARTIES = (policy.HR_MANAGER, policy.COACH, policy.EMPLOYEE)


def _page(request: HttpRequest, pk: int, form: ObjectivesForm | None = None) -> HttpResponse:
    state = selectors.agreement_state(
        actor=request.actor, enrolment=selectors.agreement_enrolment(actor=request.actor, pk=pk)
    )
    if form is None and state.may_propose:
        form = ObjectivesForm(initial={"objectives": state.current.objectives if state.current else ""})
    terms = services.terms_text(actor=request.actor, agreement=state.current)
    return render(request, "programmes/agreement/enrolment.html", {"state": state, "form": form, "terms": terms})


@require_GET
@policy.page(*PARTIES)
def enrolment_agreement(request: HttpRequest, pk: int) -> HttpResponse:
    return _page(request, pk)


@require_http_methods(["POST"])
@policy.page(policy.COACH, policy.EMPLOYEE)
def enrolment_agreement_objectives(request: HttpRequest, pk: int) -> HttpResponse:
    form = ObjectivesForm(request.POST)
    saved = form_submit(request, form, partial(services.objectives_propose, actor=request.actor, enrolment_pk=pk))
    if not saved:
        return _page(request, pk, form)
    messages.success(
        request,
        _("Version %(version)d is saved with your acceptance. The other parties are asked to accept it.")
        % {"version": saved.result.version},
    )
    return redirect("enrolment_agreement", pk=pk)


@require_POST
@policy.page(*PARTIES)
def enrolment_agreement_accept(request: HttpRequest, pk: int) -> HttpResponse:
    version = request.POST.get("version", "")
    try:
        services.agreement_party_accept(
            actor=request.actor, enrolment_pk=pk, version=int(version) if version.isdigit() else -1
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Thank you. Your acceptance is recorded."))
    return redirect("enrolment_agreement", pk=pk)


@require_GET
@policy.page(*PARTIES)
def enrolment_agreement_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    rendered, name = documents.agreement_pdf(actor=request.actor, enrolment_pk=pk)
    return pdf_response(rendered.content, name)


@require_GET
@policy.page(policy.EMPLOYEE)
def sponsored(request: HttpRequest) -> HttpResponse:
    return render(
        request, "programmes/agreement/sponsored.html", {"people": selectors.sponsored_people(actor=request.actor)}
    )

"""HR's webhook pages: the endpoints, one endpoint with its delivery log, rotating a secret, sending again."""

from __future__ import annotations

from functools import partial

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from portal import policy
from portal.forms import form_submit
from webhooks import selectors, services
from webhooks.forms import EndpointEditForm, EndpointForm, RotateForm
from webhooks.models import Delivery, Endpoint


@require_http_methods(["GET", "POST"])
@policy.page(policy.HR_MANAGER)
def endpoints(request: HttpRequest) -> HttpResponse:
    """The organisation's endpoints, and a form to add one (its secret is shown once, on the answer)."""
    form = EndpointForm(request.POST or None)
    created = form_submit(request, form, partial(services.endpoint_create, actor=request.actor))
    if created:
        endpoint, secret = created.result
        return _endpoint_page(request, endpoint, secret=secret, status=201)
    context = {"endpoints": selectors.endpoints_for(actor=request.actor), "form": form}
    return render(request, "webhooks/endpoints.html", context, status=400 if form.errors else 200)


@require_http_methods(["GET", "POST"])
@policy.page(policy.HR_MANAGER)
def endpoint(request: HttpRequest, pk: int) -> HttpResponse:
    endpoint = policy.get_or_404(request.actor, Endpoint, pk=pk)
    form = _edit_form(endpoint, request.POST or None)
    if form_submit(request, form, partial(services.endpoint_update, actor=request.actor, endpoint=endpoint)):
        messages.success(request, _("The endpoint is saved."))
        return redirect("webhook_endpoint", pk=endpoint.pk)
    return _endpoint_page(request, endpoint, form=form, status=400 if form.errors else 200)


@require_POST
@policy.page(policy.HR_MANAGER)
def endpoint_rotate(request: HttpRequest, pk: int) -> HttpResponse:
    endpoint = policy.get_or_404(request.actor, Endpoint, pk=pk)
    form = RotateForm(request.POST)
    rotated = form_submit(
        request, form, partial(services.endpoint_secret_rotate, actor=request.actor, endpoint=endpoint)
    )
    if rotated:
        return _endpoint_page(request, endpoint, secret=rotated.result)
    return _endpoint_page(request, endpoint, rotate_form=form, status=400)


@require_POST
@policy.page(policy.HR_MANAGER)
def endpoint_delete(request: HttpRequest, pk: int) -> HttpResponse:
    endpoint = policy.get_or_404(request.actor, Endpoint, pk=pk)
    services.endpoint_delete(actor=request.actor, endpoint=endpoint)
    messages.success(request, _("The endpoint is removed."))
    return redirect("webhooks")


@require_POST
@policy.page(policy.HR_MANAGER)
def delivery_resend(request: HttpRequest, pk: int) -> HttpResponse:
    delivery = policy.get_or_404(request.actor, Delivery, pk=pk)
    services.delivery_resend(actor=request.actor, delivery=delivery)
    messages.success(request, _("The event is being sent again."))
    return redirect("webhook_endpoint", pk=delivery.endpoint_id)


def _edit_form(endpoint: Endpoint, data=None) -> EndpointEditForm:
    enabled = endpoint.status == Endpoint.Status.ACTIVE
    initial = {"url": endpoint.url, "description": endpoint.description, "events": endpoint.events, "enabled": enabled}
    return EndpointEditForm(data, initial=initial)


def _endpoint_page(request, endpoint, *, form=None, rotate_form=None, secret: str = "", status: int = 200):
    form = form or _edit_form(endpoint)
    context = {
        "endpoint": endpoint,
        "form": form,
        "rotate_form": rotate_form or RotateForm(),
        "secret": secret,
        "deliveries": selectors.delivery_log(actor=request.actor, endpoint=endpoint),
    }
    return render(request, "webhooks/endpoint.html", context, status=status)

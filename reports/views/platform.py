"""Platform staff on the public host: offboarding organisations, and the platform's audit."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from portal import policy
from reports.forms import OffboardingForm
from reports.selectors import audit as audit_selectors
from reports.services import offboarding
from tenants.models import Organisation

EVENTS_PER_PAGE = 50


def _organisation(request: HttpRequest, slug: str) -> Organisation:
    return policy.get_or_404(request.actor, Organisation, Organisation.objects.prefetch_related("domains"), slug=slug)


@require_GET
@policy.page(platform_staff=True)
def offboarding_list(request: HttpRequest) -> HttpResponse:
    organisations = policy.scope(request.actor, Organisation).order_by("name")
    return render(
        request,
        "reports/platform_offboarding.html",
        {"organisations": organisations, "archives": offboarding.archives()},
    )


@require_GET
@policy.page(platform_staff=True)
def offboard(request: HttpRequest, slug: str) -> HttpResponse:
    organisation = _organisation(request, slug)
    context = {
        "organisation": organisation,
        "archives": offboarding.archives(slug=organisation.slug),
        "form": OffboardingForm(slug=organisation.slug),
    }
    return render(request, "reports/platform_offboard.html", context)


@require_POST
@policy.page(platform_staff=True)
def offboard_export(request: HttpRequest, slug: str) -> HttpResponse:
    organisation = _organisation(request, slug)
    try:
        archive = offboarding.archive_create(actor=request.actor, organisation=organisation)
    except offboarding.OffboardingError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request, _("%(name)s is archived (%(archive)s).") % {"name": organisation.name, "archive": archive.name}
        )
    return redirect("platform_offboard", slug=organisation.slug)


@require_POST
@policy.page(platform_staff=True)
def offboard_delete(request: HttpRequest, slug: str) -> HttpResponse:
    organisation = _organisation(request, slug)
    form = OffboardingForm(request.POST, slug=organisation.slug)
    if form.is_valid():
        try:
            removed = offboarding.organisation_delete(
                actor=request.actor, organisation=organisation, confirm_slug=form.cleaned_data["confirm_slug"]
            )
        except ValidationError as error:
            form.add_error(None, error.messages[0])
        else:
            messages.success(
                request,
                _(
                    "%(name)s is deleted: its data, its addresses (%(domains)s) and %(accounts)s "
                    "accounts that belonged nowhere else. The archive %(archive)s is kept."
                )
                % {
                    "name": organisation.name,
                    "domains": ", ".join(removed["domains"]),
                    "accounts": removed["accounts_closed"],
                    "archive": removed["archive"],
                },
            )
            return redirect("platform_offboarding")
    context = {"organisation": organisation, "archives": offboarding.archives(slug=organisation.slug), "form": form}
    return render(request, "reports/platform_offboard.html", context, status=400)


@require_GET
@policy.page(platform_staff=True)
def archive_download(request: HttpRequest, name: str) -> FileResponse:
    """The customer's bundle of an archive (administrative data, no coaching content)."""
    archive = offboarding.archive_get(actor=request.actor, name=name)
    response = FileResponse(
        archive.bundle.open("rb"), as_attachment=True, filename=f"{archive.name}.zip", content_type="application/zip"
    )
    response["Cache-Control"] = "private, no-store"
    return response


@require_GET
@policy.page(platform_staff=True)
def platform_audit(request: HttpRequest) -> HttpResponse:
    category = request.GET.get("category", "")
    if category not in audit_selectors.PLATFORM_CATEGORIES:
        category = ""
    page = Paginator(audit_selectors.platform_events(actor=request.actor, category=category), EVENTS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    context = {"page": page, "category": category, "categories": audit_selectors.PLATFORM_CATEGORIES.items()}
    template = "reports/platform_audit_rows.html" if request.htmx else "reports/platform_audit.html"
    return render(request, template, context)

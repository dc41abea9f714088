"""The API of reports and data rights: export my data."""

from __future__ import annotations

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.decorators import api_view
from rest_framework.request import Request

from portal.api import actor_of
from reports.services.data_export import personal_export


@extend_schema(
    responses={
        (200, "application/zip"): OpenApiResponse(
            OpenApiTypes.BINARY,
            description="A zip: my-data.json (everything the portal holds about you here), "
            "progress-report.pdf (employees) and README.txt.",
        )
    }
)
@api_view(["GET"])
def me_export(request: Request) -> HttpResponse:
    """Everything the portal holds about you in this organisation, in one zip."""
    content, name = personal_export(actor=actor_of(request))
    response = HttpResponse(content, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "private, no-store"
    return response

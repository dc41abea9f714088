from __future__ import annotations

from django.http import HttpResponse


def pdf_response(content: bytes, name: str, *, inline: bool = False) -> HttpResponse:
    """A PDF download that no shared cache keeps."""
    response = HttpResponse(content, content_type="application/pdf")
    disposition = "inline" if inline else "attachment"
    response["Content-Disposition"] = f'{disposition}; filename="{name}"'
    response["Cache-Control"] = "private, no-store"
    return response

"""PDF rendering with WeasyPrint, offline by construction.

Report templates refer to our static files by their usual /static/ URLs, resolved against an origin that
cannot exist (`https://static.invalid/`). The URL fetcher serves exactly those (through Django's static
file finders, so nothing outside the static folders can be named) and data: URIs, and refuses every other
URL: no request ever leaves the process, whatever a template or an uploaded name contains. The
organisation's logo is embedded as a data: URI.

Every report is a tagged PDF/UA-1 document (WeasyPrint's `pdf/ua-1` variant): a structure tree built from the
HTML (headings, lists, tables with their header cells, figures with their text), the reader's language in
the catalogue, and the title shown in the viewer's window instead of the file name. A screen reader reads it
in the right voice and order; tests/reports/test_pdf_accessibility.py holds each report to that.
"""

from __future__ import annotations

import base64
import logging
import mimetypes
import posixpath
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.utils import translation
from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

STATIC_ORIGIN = "https://static.invalid"
PDF_VARIANT = "pdf/ua-1"
LOGO_MAX_BYTES = 2 * 1024 * 1024
LOGO_TYPES = {"image/png", "image/jpeg", "image/gif", "image/svg+xml", "image/webp"}

logger = logging.getLogger(__name__)


class RefusedURL(ValueError):
    """A report asked for something other than our static files or a data: URI."""


class StaticOnlyFetcher(URLFetcher):
    """Serves our static files and data: URIs; refuses everything else, the network above all."""

    def __init__(self):
        super().__init__(timeout=1, allowed_protocols=("data",), allow_redirects=False)
        self.refused: list[str] = []

    def fetch(self, url, headers=None):
        if url.startswith("data:"):
            return super().fetch(url, headers)  # decoded in memory by urllib's DataHandler
        path = static_path(url)
        if path is None:
            self.refused.append(url)
            logger.warning("A report asked for %s, which is not one of our static files: refused.", url[:200])
            raise RefusedURL(f"Reports load only our own static files: {url[:200]}")
        with open(path, "rb") as handle:
            body = handle.read()
        content_type = mimetypes.guess_type(path)[0] or "application/octet-stream"
        return URLFetcherResponse(url, body, {"Content-Type": content_type})


def static_path(url: str) -> str | None:
    """The file behind one of our static URLs, or None for anything else."""
    parts = urlsplit(url)
    if f"{parts.scheme}://{parts.netloc}" != STATIC_ORIGIN or parts.query or parts.fragment:
        return None
    prefix = "/" + settings.STATIC_URL.strip("/") + "/"
    path = unquote(parts.path)
    if not path.startswith(prefix):
        return None
    relative = posixpath.normpath(path[len(prefix) :])
    if relative.startswith(("..", "/")) or "\\" in relative or "\x00" in relative:
        return None
    found = finders.find(relative)
    return found if isinstance(found, str) else None


def logo_data_uri(organisation) -> str:
    """The organisation's logo as a data: URI (empty when there is none or it cannot be read)."""
    logo = getattr(organisation, "logo", None)
    if not logo:
        return ""
    content_type = mimetypes.guess_type(logo.name)[0]
    if content_type not in LOGO_TYPES:
        return ""
    try:
        with logo.open("rb") as handle:
            data = handle.read(LOGO_MAX_BYTES + 1)
    except OSError:
        logger.warning("The logo of %s could not be read.", organisation.slug)
        return ""
    if len(data) > LOGO_MAX_BYTES:
        return ""
    return f"data:{content_type};base64,{base64.b64encode(data).decode('ascii')}"


def header_scopes(document, pdf) -> None:
    """Write each table header cell's scope (/Column or /Row, from the HTML's `scope`) into the PDF.

    WeasyPrint tags a `<th>` as /TH and links each data cell to its headers (/Headers and /ID), but writes no
    /Scope: readers and checkers that look at the header cell alone cannot tell a column's header from a
    row's. WeasyPrint keeps each cell's structure element on its box (`mark`) while tagging; this runs after
    that (a `write_pdf` finisher), before the file is written.
    """
    for page in document.pages:
        for box in page._page_box.descendants():
            element = getattr(box, "mark", None)
            if element is not None and box.element_tag == "th":
                scope = "/Row" if box.element.get("scope") == "row" else "/Column"
                element["A"]["Scope"] = scope


@dataclass(frozen=True)
class Rendered:
    content: bytes
    pages: int


def render(template: str, context: dict, *, language: str | None = None, progress=None) -> Rendered:
    """Render a report template to PDF, loading nothing from outside our static files.

    `language` is the one the report is written in (the active one unless named), declared on the document:
    a report is rendered without a request, so no context processor supplies it to the template.
    `progress(percent)`, if given, is told when the page layout starts (60) and the file is written (90).
    """
    language = language or translation.get_language() or settings.LANGUAGE_CODE
    html = render_to_string(template, {**context, "language": language})
    if progress:
        progress(60)
    document = HTML(string=html, base_url=STATIC_ORIGIN + "/", url_fetcher=StaticOnlyFetcher()).render(
        pdf_variant=PDF_VARIANT
    )
    if progress:
        progress(90)
    content = document.write_pdf(pdf_variant=PDF_VARIANT, finisher=header_scopes)
    return Rendered(content=content, pages=len(document.pages))

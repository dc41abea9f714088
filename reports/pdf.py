"""PDF rendering with WeasyPrint, offline by construction.

Report templates refer to our static files by their usual /static/ URLs, resolved against an origin that
cannot exist (`https://static.invalid/`). The URL fetcher serves exactly those (through Django's static
file finders, so nothing outside the static folders can be named) and data: URIs, and refuses every other
URL: no request ever leaves the process, whatever a template or an uploaded name contains. The
organisation's logo is embedded as a data: URI.
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
from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

STATIC_ORIGIN = "https://static.invalid"
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
    relative = posixpath.normpath(path[len(prefix):])
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


@dataclass(frozen=True)
class Rendered:
    content: bytes
    pages: int


def render(template: str, context: dict, *, progress=None) -> Rendered:
    """Render a report template to PDF, loading nothing from outside our static files.

    `progress(percent)`, if given, is told when the page layout starts (60) and the file is written (90).
    """
    html = render_to_string(template, context)
    if progress:
        progress(60)
    document = HTML(string=html, base_url=STATIC_ORIGIN + "/", url_fetcher=StaticOnlyFetcher()).render()
    if progress:
        progress(90)
    return Rendered(content=document.write_pdf(), pages=len(document.pages))

"""The one way the portal writes a CSV file: every download, every file in a bundle.

Files are written for Excel: UTF-8 with a byte order mark, and any text cell that a spreadsheet would take
for a formula (starting with =, +, -, @, a tab or a carriage return) is prefixed with an apostrophe, so a
name or an organisation typed as `=HYPERLINK(...)` is shown, never run. Numbers stay numbers.

`csv_response` answers a request with a file (streamed, never cached); `csv_text` gives a file's text for
an archive. tests/test_csv_endpoints.py finds every view that answers text/csv and checks it came from here.
"""

from __future__ import annotations

import csv
import numbers
from collections.abc import Iterable, Iterator

from django.http import HttpResponse, StreamingHttpResponse

BOM = "\ufeff"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CONTENT_TYPE = "text/csv; charset=utf-8"


def neutralise(value) -> object:
    """A cell as written: text a spreadsheet would run as a formula gets a leading apostrophe."""
    if value is None:
        return ""
    if isinstance(value, numbers.Number):
        return value  # a negative number is a number, not a formula
    # Dates as ISO 8601; everything else (lazy translations included) as the text it shows.
    text = value.isoformat() if hasattr(value, "isoformat") else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_lines(header: Iterable, rows: Iterable[Iterable]) -> Iterator[str]:
    """The file, line by line: the byte order mark, the header, then every row neutralised."""
    writer = csv.writer(_Echo())
    yield BOM + writer.writerow([neutralise(str(name)) for name in header])
    for row in rows:
        yield writer.writerow([neutralise(value) for value in row])


def csv_text(header: Iterable, rows: Iterable[Iterable]) -> str:
    """The whole file as text (for a file inside an archive)."""
    return "".join(csv_lines(header, rows))


def csv_response(
    header: Iterable, rows: Iterable[Iterable], *, filename: str, stream: bool = False
) -> HttpResponse | StreamingHttpResponse:
    """A CSV download, private and never stored by a browser or a proxy. `stream`: written row by row as
    it is sent (exports of any length); otherwise made whole (small files)."""
    lines = csv_lines(header, rows)
    if stream:
        response = StreamingHttpResponse(lines, content_type=CONTENT_TYPE)
    else:
        response = HttpResponse("".join(lines), content_type=CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    response.written_by = __name__  # tests/test_csv_endpoints.py: every CSV answer comes from here
    return response

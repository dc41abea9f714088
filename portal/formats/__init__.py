"""Dates written the way the reader's language writes them.

Django's "M" (a month in three letters) is always capitalised: "25 Nov" is right in English, but Dutch
writes abbreviated months in lower case ("25 nov"). `local_date_format` takes the same format strings as
Django's `date_format` and the `date` filter, and for languages that write months in lower case turns "M"
into "b" (the lower-case abbreviation). Templates use it as `{{ value|local_date:"j M Y" }}`.

The named formats themselves ("DATE_FORMAT", ...) come from Django's locale files, except English's, which
`en/formats.py` here sets to British usage ("3 December 2026", "14:30"; FORMAT_MODULE_PATH in settings).
"""

from __future__ import annotations

import re

from django.utils import formats, translation

# Languages whose abbreviated month names are written in lower case.
LOWER_CASE_MONTHS = {"nl"}
# An "M" that is not escaped by a backslash.
_MONTH = re.compile(r"(?<!\\)M")


def format_for_language(format_string: str, language: str | None = None) -> str:
    """The format string to use; a named format ("DATE_FORMAT", ...) is first read for the language."""
    language = (language or translation.get_language() or "").split("-")[0]
    if format_string in formats.FORMAT_SETTINGS:
        format_string = formats.get_format(format_string, language)
    return _MONTH.sub("b", format_string) if language in LOWER_CASE_MONTHS else format_string


def local_date_format(value, format_string: str) -> str:
    """`django.utils.formats.date_format`, with month abbreviations cased as the active language writes them."""
    return formats.date_format(value, format_for_language(format_string))

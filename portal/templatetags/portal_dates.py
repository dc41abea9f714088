"""The `local_date` filter: Django's `date` filter with month abbreviations cased as the reader's language
writes them (portal/formats.py). Loaded for every template (settings.TEMPLATES builtins)."""

from django import template
from django.template.defaultfilters import date as date_filter

from portal.formats import format_for_language

register = template.Library()


@register.filter(expects_localtime=True, is_safe=False)
def local_date(value, arg=None):
    return date_filter(value, format_for_language(arg) if arg else arg)

"""`{% page_query number %}`: the query string of another page of a list, for templates/portal/pagination.html."""

from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def page_query(context, number) -> str:
    """`?…&page=N`: this request's own parameters (filters, search, tab; every value of a repeated one)
    with the page number replaced, so moving through the pages keeps what the list was narrowed to."""
    params = context["request"].GET.copy()
    params["page"] = number
    return "?" + params.urlencode()

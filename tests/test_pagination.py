"""The one pagination bar (templates/portal/pagination.html): its links keep every other query parameter
of the request, repeated ones too, and swap the list in place when the page names an htmx target."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.template.loader import render_to_string
from django.test import RequestFactory


def bar(query: str, **options) -> str:
    request = RequestFactory().get(f"/list/?{query}")
    page = Paginator(list(range(60)), 25).page(2)
    return render_to_string("portal/pagination.html", {"page": page, **options}, request=request)


def test_the_links_keep_the_lists_filters_and_change_only_the_page():
    html = bar("status=active&status=invited&q=ann+bell&page=2")
    assert 'href="?status=active&amp;status=invited&amp;q=ann+bell&amp;page=1"' in html
    assert 'href="?status=active&amp;status=invited&amp;q=ann+bell&amp;page=3"' in html
    assert "Page 2 of 3" in html and "hx-get" not in html


def test_an_htmx_list_swaps_in_place_and_the_audit_logs_name_their_direction():
    html = bar("show=past&page=2", target="#session-list", previous_label="Newer", next_label="Older")
    assert 'hx-get="?show=past&amp;page=3" hx-target="#session-list" hx-push-url="true">Older</a>' in html
    assert ">Newer</a>" in html and "Previous" not in html


def test_a_single_page_shows_no_bar():
    request = RequestFactory().get("/list/")
    page = Paginator(list(range(5)), 25).page(1)
    assert render_to_string("portal/pagination.html", {"page": page}, request=request).strip() == ""

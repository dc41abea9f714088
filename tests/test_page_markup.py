"""Markup a screen reader relies on, on every page of the access matrix, as every role that may see it.

The browser tests run axe-core and `make a11y` runs pa11y and the Nu HTML checker; this test catches the
same structural mistakes in the whole matrix in seconds, without a browser: ids used twice, ARIA and label
references to nothing, a `<dl>` holding anything but its terms, a form inside inline text, and a GET form
(a filter) that only htmx can send.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from html.parser import HTMLParser

import pytest
from django.test import Client
from django.urls import reverse
from django_tenants.utils import tenant_context

from assessments.models import Goal
from tests.responses import answers
from tests.world import sign_in

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
# Elements that phrasing content may not break out of: a <form> (flow content) inside one is invalid.
PHRASING_ONLY = {
    "span",
    "a",
    "label",
    "p",
    "strong",
    "em",
    "small",
    "b",
    "i",
    "button",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
}
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
ID_REFERENCES = ("aria-describedby", "aria-labelledby", "aria-controls", "for")


@dataclass
class Node:
    tag: str
    attrs: dict[str, str]
    parent: Node | None = None
    children: list[Node] = field(default_factory=list)

    def ancestors(self):
        node = self.parent
        while node is not None:
            yield node
            node = node.parent

    def walk(self):
        yield self
        for child in self.children:
            yield from child.walk()


class TreeBuilder(HTMLParser):
    """Just enough of a tree: elements, attributes and nesting (the templates close their elements)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = Node("#document", {})
        self.current = self.root

    def handle_starttag(self, tag, attrs):
        node = Node(tag, {name: value or "" for name, value in attrs}, self.current)
        self.current.children.append(node)
        if tag not in VOID:
            self.current = node

    def handle_startendtag(self, tag, attrs):
        self.current.children.append(Node(tag, {name: value or "" for name, value in attrs}, self.current))

    def handle_endtag(self, tag):
        for node in [self.current, *self.current.ancestors()]:
            if node.tag == tag:
                self.current = node.parent or self.root
                return


def parse(body: str) -> Node:
    builder = TreeBuilder()
    builder.feed(body)
    return builder.root


def problems(body: str, *, full_page: bool) -> list[str]:
    root = parse(body)
    nodes = [node for node in root.walk() if node.tag != "#document"]
    found = []
    ids = Counter(node.attrs["id"] for node in nodes if node.attrs.get("id"))
    found += [f"id {value!r} used {count} times" for value, count in ids.items() if count > 1]
    found += [
        f"<{node.tag} for=''> names nothing"
        for node in nodes
        if node.tag == "label" and "for" in node.attrs and not node.attrs["for"].strip()
    ]
    if full_page:  # a fragment may point at the page it is swapped into
        for node in nodes:
            for attribute in ID_REFERENCES:
                for target in node.attrs.get(attribute, "").split():
                    if target not in ids:
                        found.append(f"<{node.tag} {attribute}={target!r}> names no element")
    for node in nodes:
        if (
            node.tag == "input"
            and node.attrs.get("type") == "date"
            and node.attrs.get("value")
            and not ISO_DATE.fullmatch(node.attrs["value"])
        ):
            found.append(f"<input type=date value={node.attrs['value']!r}> is not an ISO date")
        if node.tag == "input" and node.attrs.get("type") == "color":
            found += [f"<input type=color {name}>" for name in ("required", "maxlength") if name in node.attrs]
        if node.tag == "dl":
            for child in node.children:
                if child.tag not in ("dt", "dd", "div", "template", "script"):
                    found.append(f"<dl> holds <{child.tag}>")
                if child.tag == "div":
                    found += [
                        f"<dl><div> holds <{grandchild.tag}>"
                        for grandchild in child.children
                        if grandchild.tag not in ("dt", "dd", "template", "script")
                    ]
        if node.tag == "form":
            inline = next((a.tag for a in node.ancestors() if a.tag in PHRASING_ONLY), None)
            if inline:
                found.append(f"<form action={node.attrs.get('action', '')!r}> inside <{inline}>")
            if node.attrs.get("method", "get").lower() == "get" and not _has_submit(node):
                found.append(f"GET <form action={node.attrs.get('action', '')!r}> has no submit button")
    return found


def _has_submit(form: Node) -> bool:
    for node in form.walk():
        if any(a.tag == "noscript" for a in node.ancestors()):
            continue  # not there while scripts run
        if node.tag == "button" and node.attrs.get("type", "submit") == "submit":
            return True
        if node.tag == "input" and node.attrs.get("type") in ("submit", "image"):
            return True
    return False


def test_the_checks_find_each_kind_of_mistake():
    page = """<main><dl><div><dt>a</dt><dd>1</dd><p>note</p></div></dl>
      <input id="id_title"><input id="id_title" aria-describedby="id_title_help">
      <span><form method="post"></form></span><label for="">Rating</label>
      <form method="get"><select></select><noscript><button>Filter</button></noscript></form>
      <input type="date" value="05-12-2026"><input type="color" required></main>"""
    assert sorted(problems(page, full_page=True)) == sorted(
        [
            "<dl><div> holds <p>",
            "id 'id_title' used 2 times",
            "<input aria-describedby='id_title_help'> names no element",
            "<form action=''> inside <span>",
            "GET <form action=''> has no submit button",
            "<label for=''> names nothing",
            "<input type=date value='05-12-2026'> is not an ISO date",
            "<input type=color required>",
        ]
    )
    assert (
        problems(
            '<form method="get"><button>Filter</button></form><label for="x">X</label><input id="x">', full_page=True
        )
        == []
    )


@pytest.mark.parametrize("org_key", ["acme", "globex"])  # English and Dutch
def test_every_page_of_the_matrix_has_sound_markup(world, org_key):
    checked, failures = 0, []
    for answer in answers(world, org_key=org_key):
        if answer.response.status_code != 200 or "text/html" not in answer.response.get("Content-Type", ""):
            continue
        body = answer.body.decode()
        checked += 1
        full_page = body.lstrip().lower().startswith("<!doctype")
        failures += [f"{answer.url} ({answer.role}): {problem}" for problem in problems(body, full_page=full_page)]
    assert checked > 100
    assert not failures, "markup problems:\n" + "\n".join(sorted(set(failures)))


@pytest.mark.parametrize("data, invalid", [({"title": "", "due_on": "soon"}, ["id_action_title", "id_action_due_on"])])
def test_a_refused_form_starts_with_a_summary_linking_each_field(world, data, invalid):

    with tenant_context(world.acme.organisation):
        goal = Goal.objects.create(employee_id=world.acme.employee.pk, title="Speak up")
    client = sign_in(Client(HTTP_HOST=world.acme.host), world.acme.employee, world.acme.host)
    response = client.post(reverse("goal_action_add", urlconf="portal.urls_tenant", kwargs={"pk": goal.pk}), data)
    assert response.status_code == 400
    root = parse(response.content.decode())
    summary = next(node for node in root.walk() if "error-summary" in node.attrs.get("class", "").split())
    # Focused when the page comes back, announced, and first in its form.
    assert summary.attrs.get("tabindex") == "-1" and "autofocus" in summary.attrs
    assert summary.attrs.get("role") == "alert"
    form = next(a for a in summary.ancestors() if a.tag == "form")
    assert next(n for n in form.walk() if n.tag not in ("form", "input")) is summary
    links = [node.attrs["href"] for node in summary.walk() if node.tag == "a"]
    assert links == [f"#{field_id}" for field_id in invalid]
    fields = {node.attrs.get("id"): node for node in root.walk() if node.tag == "input"}
    for field_id in invalid:
        assert fields[field_id].attrs.get("aria-invalid") == "true"
        assert f"{field_id}_error" in fields[field_id].attrs.get("aria-describedby", "").split()

"""Every CSV the portal answers with is formula-safe: a text cell a spreadsheet would run is neutralised.

The CSV endpoints are not listed here: they are found by asking every GET case of the access matrix and
keeping what answers text/csv, after every text column the files can show (names, organisations,
programmes, cohorts, departments, emails...) has been given a value that starts like a formula.
"""

from __future__ import annotations

import csv
import inspect
import io
import itertools
import re

from django.apps import apps
from django.conf import settings
from django.db import models
from django.db.models import F, Value
from django.db.models.functions import Concat, Left
from django.urls import URLPattern, URLResolver, get_resolver
from django_tenants.utils import tenant_context

from portal import csv as portal_csv
from reports import data_map
from tenants.models import Organisation, User
from tests.responses import SIGNED_IN, answers, ask
from tests.world.reports import build

PREFIXES = ('=HYPERLINK("http://x") ', "+1+", "-1+", "@SUM ", "\tTAB ", "\rCR ")
NUMBER = re.compile(r"-?\d+(\.\d+)?")
# Text that is not free text: routing names, keys, and the like.
LEFT_ALONE = {("tenants.Organisation", "schema_name"), ("tenants.Domain", "domain")}
APPS = ("tenants", "programmes", "assessments", "reports", "availability")


def _text_fields(model: type[models.Model]) -> list[models.Field]:
    fields = []
    for field in model._meta.concrete_fields:
        if (
            not isinstance(field, (models.CharField, models.TextField))
            or isinstance(field, models.SlugField)
            or field.primary_key
            or field.choices
            or (model._meta.label, field.name) in LEFT_ALONE
            or data_map.secret_reason(model, field)
        ):
            continue
        fields.append(field)
    return fields


def _formulas_everywhere(schema_models: list[type[models.Model]]) -> int:
    """Prefix every free-text column of these models with something a spreadsheet would run."""
    prefixes = itertools.cycle(PREFIXES)
    changed = 0
    for model in schema_models:
        changes = {}
        for field in _text_fields(model):
            value = Concat(Value(next(prefixes)), F(field.name), output_field=field)
            changes[field.name] = Left(value, field.max_length, output_field=field) if field.max_length else value
        if changes:
            changed += model._default_manager.update(**changes)
    return changed


def _models(public: bool) -> list[type[models.Model]]:

    chosen = []
    for model in apps.get_models():
        app = model._meta.app_config.name
        if model._meta.proxy or model._meta.app_label not in APPS:
            continue
        if (app in settings.TENANT_APPS) != (not public) or (public and app not in settings.SHARED_APPS):
            continue
        chosen.append(model)
    return chosen


def _unsafe_cells(body: bytes) -> tuple[list[str], int]:
    """Cells a spreadsheet would run as a formula; and how many cells were neutralised."""
    unsafe, neutralised = [], 0
    for row in csv.reader(io.StringIO(body.decode("utf-8-sig"), newline="")):
        for cell in row:
            if cell.startswith("'"):
                neutralised += 1
            elif cell.startswith(portal_csv.FORMULA_STARTS) and not NUMBER.fullmatch(cell):
                unsafe.append(cell)
    return unsafe, neutralised


def _csv_views() -> set[str]:
    """URL names whose view writes CSV, read from the views' source (a guard for the discovery below)."""
    found = set()

    def walk(resolver):
        for pattern in resolver.url_patterns:
            if isinstance(pattern, URLResolver):
                walk(pattern)
            elif isinstance(pattern, URLPattern) and pattern.name:
                view = inspect.unwrap(pattern.callback)
                try:
                    source = inspect.getsource(view)
                except (OSError, TypeError):
                    continue
                if "text/csv" in source or "csv_response" in source or "csv.writer" in source:
                    found.add(pattern.name)

    for urlconf in ("portal.urls_public", "portal.urls_tenant"):
        walk(get_resolver(urlconf))
    return found


def test_every_csv_the_portal_answers_with_is_formula_safe(world, in_tenant):
    for org in (world.acme, world.globex):
        with in_tenant(org):
            build(org, people=5, tag=org.organisation.slug[0].upper())
    assert _formulas_everywhere(_models(public=True)) > 0
    for org in (world.acme, world.globex):
        with tenant_context(org.organisation):
            assert _formulas_everywhere(_models(public=False)) > 0
    assert Organisation.objects.get(pk=world.acme.organisation.pk).name.startswith(PREFIXES)
    assert User.objects.get(pk=world.acme.employee.pk).first_name.startswith(PREFIXES)

    discovered = [
        answer
        for answer in answers(world, first_only=True)
        if answer.response.get("Content-Type", "").startswith("text/csv")
    ]
    names = {answer.case.name for answer in discovered}
    missing = _csv_views() - names
    assert not missing, f"views that write CSV but answer no GET case of the access matrix with it: {missing}"
    assert {"reports_csv", "coach_hours_csv", "enrolment_import_template"} <= names

    failures, reached = [], {}
    for found in discovered:
        for role in SIGNED_IN:
            if found.case.status_for(role) != 200:
                continue
            answer = ask(found.case, world, role)
            if getattr(answer.response, "written_by", None) != "portal.csv":
                failures.append(f"{answer.url} ({role}): not written by portal.csv")
            unsafe, neutralised = _unsafe_cells(answer.body)
            reached[answer.url] = reached.get(answer.url, 0) + neutralised
            if unsafe:
                failures.append(f"{answer.url} ({role}): {unsafe[:3]}")
    assert not failures, "CSV cells a spreadsheet would run:\n" + "\n".join(failures)
    # The formulas did reach the files that hold data (the test is not passing on empty files).
    for url in (
        "/coach/hours.csv",
        "/reports/export/enrolments.csv",
        "/reports/export/attendance.csv",
        "/reports/export/credits.csv",
    ):
        assert reached.get(url), f"no formula-like value reached {url}"

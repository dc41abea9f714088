"""English dates follow British usage: the day before the month ("3 December 2026") and 24-hour times, in
pages, emails and PDFs, wherever a named format (DATE_FORMAT, ...) or none is used. Dutch stays as Django
writes it."""

from __future__ import annotations

import re
import subprocess
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django import forms
from django.template import Context, Template
from django.urls import reverse
from django.utils import formats, timezone, translation

from assessments.models import Goal
from portal import policy
from reports.models import ReportJob
from reports.services.erasure import erasure_request
from tests.world.reports import build

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
MOMENT = datetime(2026, 12, 3, 14, 30, tzinfo=AMSTERDAM)
# The American order Django writes for "en" ("Dec. 3, 2026", "December 3, 2026", "2:30 p.m.", "noon").
AMERICAN = re.compile(r"\b[A-Z][a-z]{2,8}\.? \d{1,2}, \d{4}|\b[ap]\.m\.|\b(?:noon|midnight)\b")


def assert_british(text: str) -> None:
    assert not AMERICAN.findall(text), AMERICAN.findall(text)


@pytest.mark.parametrize(
    ("name", "english", "dutch"),
    [
        ("DATE_FORMAT", "3 December 2026", "3 december 2026"),
        ("DATETIME_FORMAT", "3 December 2026, 14:30", "3 december 2026 14:30"),
        ("SHORT_DATE_FORMAT", "03/12/2026", "3-12-2026"),
        ("SHORT_DATETIME_FORMAT", "03/12/2026 14:30", "3-12-2026 14:30"),
        ("TIME_FORMAT", "14:30", "14:30"),
        ("MONTH_DAY_FORMAT", "3 December", "3 december"),
    ],
)
def test_named_formats_are_british_in_english_and_unchanged_in_dutch(name, english, dutch):
    moment = MOMENT.replace(tzinfo=None)
    with translation.override("en"):
        assert formats.date_format(moment, name) == english
    with translation.override("nl"):
        assert formats.date_format(moment, name) == dutch


def test_a_date_without_a_format_is_british():
    template = Template("{{ day|date }} · {{ moment|time }} · {{ day }}")
    with translation.override("en"):
        assert template.render(Context({"day": date(2026, 12, 3), "moment": MOMENT})) == (
            "3 December 2026 · 14:30 · 3 December 2026"
        )


def test_typed_dates_are_read_day_first():

    field = forms.DateField()
    with translation.override("en"):
        assert field.clean("03/12/2026") == date(2026, 12, 3)
        assert field.clean("2026-12-03") == date(2026, 12, 3)


def test_a_page_shows_british_dates(world, in_tenant, client_for):
    with in_tenant(world.acme):
        job = ReportJob.objects.create(
            kind=ReportJob.Kind.PROGRAMME, requested_by=world.acme.hr, status=ReportJob.Status.RUNNING
        )
        ReportJob.objects.filter(pk=job.pk).update(created_at=MOMENT)
    page = client_for(world.acme.hr, world.acme.host).get(reverse("reports_job", args=[job.pk])).content.decode()
    assert "Asked for on 3 December 2026, 14:30." in page
    assert_british(page)


def test_an_email_shows_british_dates(world, in_tenant, django_capture_on_commit_callbacks, mailoutbox):

    with in_tenant(world.acme), django_capture_on_commit_callbacks(execute=True):
        request = erasure_request(
            actor=policy.actor_for(world.acme.hr, world.acme.organisation), person=world.acme.employee2
        )
    due = timezone.localtime(request.due_at)
    body = mailoutbox[0].body
    assert f"On {due.day} {due:%B} {due.year} your reflections" in body
    assert_british(body)


def test_a_pdf_shows_british_dates(world, in_tenant, client_for):

    with in_tenant(world.acme):
        built = build(world.acme, people=5, employees=[world.acme.employee])
        Goal.objects.filter(pk=built.person(world.acme.employee).goal.pk).update(target_date=date(2026, 12, 3))
    content = client_for(world.acme.employee, world.acme.host).get(reverse("my_progress_pdf")).content
    text = subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=content, capture_output=True, check=True
    ).stdout.decode()
    assert "BY 3 DECEMBER 2026" in text  # the goal's status line is set in capitals
    assert re.search(r"Prepared\s+\d{1,2} [A-Z][a-z]+ \d{4}, \d{2}:\d{2}", text)
    assert_british(text)

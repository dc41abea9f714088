"""Reports in a real browser: HR narrows the dashboard to one programme, downloads its PDF, and the file
holds the organisation's aggregates and nothing any employee wrote or answered."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import SCREENSHOTS
from tests.world import PASSWORD
from tests.world.reports import all_canaries, build

pytestmark = pytest.mark.e2e


def _programme(committed, world):
    """Eight people with scores, feedback, goals and notes full of canaries; removed after the test."""
    from django.db.models import Q

    from assessments.models import Goal, Reflection
    from programmes.models import EmployeeProfile, UrgentRequest
    from tenants.models import Membership

    acme = world.acme
    with committed(acme):
        built = build(acme, people=8, tag="PDF", name="Leadership in practice 2026")
    users = [person.user for person in built.people]

    def remove():
        from programmes.models import Enrolment, Programme, Session

        Session.objects.filter(Q(enrolment__programme=built.programme) | Q(cohort__programme=built.programme)).delete()
        Enrolment.objects.filter(programme=built.programme).delete()
        Programme.objects.filter(pk=built.programme.pk).delete()
        Goal.objects.filter(employee__in=users).delete()
        Reflection.objects.filter(employee__in=users).delete()
        UrgentRequest.objects.filter(employee__in=users).delete()
        EmployeeProfile.objects.filter(user__in=users).delete()
        Membership.objects.filter(Q(user__in=users), organisation=acme.organisation).delete()

    committed.cleanup(remove, acme)
    return built


def _pages_as_png(pdf: Path, name: str) -> list[Path]:
    """The PDF's pages as PNG beside the screenshots, to look at as a reader would."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    prefix = SCREENSHOTS / name
    subprocess.run(["pdftoppm", "-png", "-r", "70", str(pdf), str(prefix)], check=True)
    return sorted(SCREENSHOTS.glob(f"{name}-*.png"))


def test_hr_downloads_the_programme_report_with_aggregates_only(
    page, page_for, sign_in, screenshot, e2e_world, committed, tmp_path
):
    acme = e2e_world.acme
    built = _programme(committed, e2e_world)

    sign_in(page, acme.hr.email, PASSWORD, acme)
    page.goto(page_for(acme, f"/reports/?programme={built.programme.pk}"))
    expect(page.get_by_role("heading", name="Reports", exact=True)).to_be_visible()
    expect(page.get_by_role("heading", name="Programme report (PDF)")).to_be_visible()
    screenshot(page, "reports-dashboard")

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download the PDF").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".pdf")
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)

    text = subprocess.run(["pdftotext", "-layout", str(saved), "-"], capture_output=True, check=True).stdout.decode()
    assert built.programme.name in text and acme.organisation.name in text
    assert "Change from the initial to the final assessment" in text
    assert not [canary for canary in all_canaries(built) if canary in text]
    assert not [person.user.last_name for person in built.people if person.user.last_name in text]
    assert _pages_as_png(saved, "reports-programme-pdf")

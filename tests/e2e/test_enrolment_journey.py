"""Enrolling people from a CSV file in a real browser: HR uploads a file with a mistake and sees every
problem by row while nothing is imported, uploads the corrected file and finds the people among the
enrolments; a large file shows its progress while it is imported and then what it did."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from programmes.models import Cohort, EmployeeProfile, Enrolment, EnrolmentImport
from tenants.models import Invitation, Membership, PlatformEvent, User
from tests.world import PASSWORD
from tests.world.invitations import accept

pytestmark = pytest.mark.e2e

HEADER = "email;first name;last name;department;job title;manager email;cohort"
MARKER = "journey-import"  # every address this journey makes contains it
LARGE = 350  # over the size that is imported at once, so it runs with a progress bar


@pytest.fixture(autouse=True)
def _on_the_test_database(e2e_world):
    from django.db import connection

    if not connection.settings_dict["NAME"].startswith("test"):
        pytest.fail("No test database was set up: run this journey with the rest of the suite.")


def _csv(*rows: str) -> dict:
    return {
        "name": "employees.csv",
        "mimeType": "text/csv",
        "buffer": ("\ufeff" + "\n".join([HEADER, *rows]) + "\n").encode("utf-8"),
    }


def _clean_up_after(committed, org) -> None:
    def undo():
        people = list(User.objects.filter(email__contains=MARKER).values_list("pk", flat=True))
        Enrolment.objects.filter(employee_id__in=people).delete()
        EmployeeProfile.objects.filter(user_id__in=people).delete()
        EnrolmentImport.objects.filter(created_by=org.hr, file_name="employees.csv").delete()
        Cohort.objects.filter(name="Journey cohort").delete()
        Invitation.objects.filter(email__contains=MARKER).delete()
        Membership.objects.filter(user_id__in=people).delete()
        PlatformEvent.objects.filter(
            organisation=org.organisation, action__in=["invitations.imported", "membership.granted"]
        ).delete()
        User.objects.filter(pk__in=people).delete()

    committed.cleanup(undo, org)


def test_hr_imports_a_csv_file_and_sees_the_enrolments(page, page_for, sign_in, screenshot, e2e_world, committed):
    acme = e2e_world.acme
    _clean_up_after(committed, acme)
    sign_in(page, acme.hr.email, PASSWORD, acme)
    page.goto(page_for(acme, "/enrolments/"))
    page.get_by_role("link", name="Import a CSV file").click()
    expect(page.get_by_role("heading", name="Import employees")).to_be_visible()

    # A file with two mistakes: every problem is listed by row and column, and nobody is enrolled.
    page.get_by_label("CSV file").set_input_files(
        _csv(
            f"ann.{MARKER}@acme.test;Ann;Ames;Sales;Rep;;Cohort A",
            f"bob.{MARKER}@acme.test;Bob;Bell;Sales;Rep;ann.{MARKER}@acme.test;Cohort Q",
            "=cmd|' /C calc'!A0;Cy;Cole;Sales;Rep;;Cohort A",
        )
    )
    page.get_by_role("button", name="Check and import").click()
    expect(page.get_by_role("heading", name="Nothing was imported")).to_be_visible()
    problems = page.locator("#import-status tbody tr")
    expect(problems).to_have_count(2)
    expect(problems.nth(0)).to_contain_text("3")
    expect(problems.nth(0)).to_contain_text("has no cohort “Cohort Q”")
    expect(problems.nth(1)).to_contain_text("formula")
    screenshot(page, "enrolment-import-problems")
    with committed(acme):
        assert not User.objects.filter(email__contains=MARKER).exists()

    # The corrected file goes in, and the people are among the enrolments.
    page.get_by_role("link", name="Upload the corrected file").click()
    page.get_by_label("CSV file").set_input_files(
        _csv(
            f"ann.{MARKER}@acme.test;Ann;Ames;Sales;Rep;;Cohort A",
            f"bob.{MARKER}@acme.test;Bob;Bell;Sales;Rep;ann.{MARKER}@acme.test;Cohort B",
        )
    )
    page.get_by_role("button", name="Check and import").click()
    expect(
        page.get_by_role("status").filter(has_text="2 people enrolled, 2 invitations sent (enrolled once accepted).")
    ).to_be_visible()
    # Invited, not enrolled yet: they are listed only among HR's invitations, with the names in the file.
    page.get_by_role("link", name="See the enrolments").click()
    invited = page.locator("section").filter(has=page.get_by_role("heading", name="Invited")).locator("tbody tr")
    expect(invited.filter(has_text=MARKER)).to_have_count(2)
    expect(invited.filter(has_text="Bob Bell")).to_contain_text("Cohort B")
    screenshot(page, "enrolment-import-invited")

    # Once they accept, they are among the enrolments.
    with committed(acme):
        accept(f"ann.{MARKER}@acme.test", f"bob.{MARKER}@acme.test")
    page.goto(page_for(acme, "/enrolments/"))
    page.get_by_label("Search").fill(MARKER)
    rows = page.locator("#enrolment-table tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.filter(has_text="Bob Bell")).to_contain_text("Cohort B")
    expect(rows.filter(has_text="Bob Bell")).to_contain_text("Invited")
    screenshot(page, "enrolment-import-enrolled")

    # Bob's page says where he stands: his manager is Ann, from the same file.
    rows.filter(has_text="Bob Bell").get_by_role("link", name="Bob Bell").click()
    expect(page.locator("dl.details").first).to_contain_text("Ann Ames")


def test_a_large_file_shows_its_progress_and_then_what_it_did(
    page, page_for, sign_in, screenshot, e2e_world, committed
):
    acme = e2e_world.acme
    _clean_up_after(committed, acme)
    with committed(acme):
        Cohort.objects.create(programme_id=acme.people["programme"], name="Journey cohort", capacity=LARGE)
    sign_in(page, acme.hr.email, PASSWORD, acme)
    page.goto(page_for(acme, "/enrolments/import/"))
    page.get_by_label("CSV file").set_input_files(
        _csv(*(f"p{number}.{MARKER}@acme.test;Person;{number};Ops;Agent;;Journey cohort" for number in range(LARGE)))
    )
    page.get_by_role("button", name="Check and import").click()
    expect(page).to_have_url(re.compile(r"/enrolments/import/[0-9a-f-]{36}/$"))
    # The page starts the import and polls its progress until it is done.
    expect(page.get_by_role("status").filter(has_text=f"{LARGE} people enrolled")).to_be_visible(timeout=30_000)
    screenshot(page, "enrolment-import-large")
    with committed(acme):
        journey = Cohort.objects.get(name="Journey cohort")
        assert Invitation.objects.filter(cohort=journey.pk, status=Invitation.Status.PENDING).count() == LARGE

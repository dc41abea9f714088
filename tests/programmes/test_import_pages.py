"""The CSV import in the web interface (small files at once, large ones with progress) and at
POST /api/v1/enrolments/import/."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django_tenants.utils import schema_context

from matching.selectors import coachees_counts
from programmes.models import Enrolment, EnrolmentImport
from programmes.services import imports
from programmes.services.imports import job as import_job
from programmes.services.imports import planning
from tenants import tokens
from tenants.models import Invitation
from tests.world.invitations import accept
from tests.world.matching import profile_ensure

HEADER = "email,first name,last name,department,job title,manager email,cohort"


def upload(*rows: str, name: str = "people.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, ("\n".join([HEADER, *rows]) + "\n").encode(), content_type="text/csv")


@pytest.fixture
def hr_client(world, client_for):
    return client_for(world.acme.hr, world.acme.host)


def post_file(client, world, file) -> str:
    response = client.post("/enrolments/import/", {"programme": world.acme.people["programme"], "file": file})
    assert response.status_code == 302
    return response["Location"]


def test_hr_uploads_a_small_file_and_sees_what_it_did(world, hr_client, in_tenant):
    location = post_file(
        hr_client,
        world,
        upload("ann@acme.test,Ann,Ames,Sales,Rep,,Cohort A", "bob@acme.test,Bob,Bell,Sales,Rep,ann@acme.test,Cohort B"),
    )
    page = hr_client.get(location)
    assert page.status_code == 200
    assert "2 people enrolled, 2 invitations sent (enrolled once accepted)." in page.content.decode()
    with in_tenant(world.acme):
        job = EnrolmentImport.objects.get(file_name="people.csv")
        assert job.status == EnrolmentImport.Status.SUCCEEDED and bytes(job.content) == b""  # the file is not kept
        accept("ann@acme.test", "bob@acme.test")
        assert Enrolment.objects.filter(employee__email__in=["ann@acme.test", "bob@acme.test"]).count() == 2
    assert "people.csv" in hr_client.get("/enrolments/import/").content.decode()  # listed under recent imports


def test_a_file_with_problems_lists_them_by_row_and_imports_nothing(world, hr_client, in_tenant):
    location = post_file(hr_client, world, upload("ann@acme.test,Ann,Ames,,,,Cohort Z", "bob@,Bob,Bell,,,,Cohort A"))
    body = hr_client.get(location).content.decode()
    assert "Nothing was imported: 2 problems need fixing first." in body
    assert "“Leadership in practice” has no cohort “Cohort Z”." in body and "“bob@” is not a valid email" in body
    with in_tenant(world.acme):
        assert not Enrolment.objects.filter(employee__email="ann@acme.test").exists()


def test_a_large_file_is_imported_in_the_background_with_progress(
    world, hr_client, in_tenant, settings, django_capture_on_commit_callbacks
):
    settings.ENROLMENT_IMPORT_BACKGROUND_ROWS = 3
    location = post_file(hr_client, world, upload(*(f"p{n}@acme.test,P,{n},,,,Cohort B" for n in range(6))))
    page = hr_client.get(location).content.decode()
    start_url = location + "start/"
    assert f'hx-post="{start_url}" hx-trigger="load"' in page  # the page starts the import once it is shown
    assert 'hx-trigger="every 1s"' in page and "Waiting to start" in page
    fragment = hr_client.get(location, HTTP_HX_REQUEST="true").content.decode()
    assert fragment.lstrip().startswith('<section class="card" id="import-status"') and "0%" in fragment
    with django_capture_on_commit_callbacks(execute=True):  # queued once the request commits
        assert hr_client.post(start_url).status_code == 204  # tasks run inline here; on a worker in production
    done = hr_client.get(location, HTTP_HX_REQUEST="true").content.decode()
    assert "6 people enrolled" in done and "every 1s" not in done  # the polling stops
    assert hr_client.post(start_url).status_code == 204  # starting again does nothing
    with in_tenant(world.acme):
        accept(*(f"p{n}@acme.test" for n in range(6)))
        assert Enrolment.objects.filter(employee__email__startswith="p", cohort__name="Cohort B").count() == 6


def test_progress_moves_through_checking_and_saving_to_done(world, in_tenant, actor, monkeypatch):
    seen = []
    monkeypatch.setattr(import_job.cache, "set", lambda key, value, timeout=None: seen.append(value))
    with in_tenant(world.acme):
        hr = actor(world.acme.hr, world.acme)
        job = imports.import_job_create(
            actor=hr,
            file_name="big.csv",
            programme=None,
            data=(HEADER + "\n" + "\n".join(f"q{n}@acme.test,Q,{n},,,,Cohort A" for n in range(10)) + "\n").encode(),
        )
        imports.import_job_run(job_id=job.pk)
    stages = [value["stage"] for value in seen]
    assert stages[0] == "reading" and "checking" in stages and "saving" in stages and stages[-1] == "done"
    percents = [value["percent"] for value in seen]
    assert percents == sorted(percents) and percents[-1] == 100


def test_an_organisations_progress_is_kept_under_its_own_keys(world, in_tenant):
    job = EnrolmentImport(pk="00000000-0000-0000-0000-000000000001")
    with in_tenant(world.acme):
        import_job._ProgressReporter(job.pk)("saving", 0.5)
        assert imports.import_progress(job) == {"stage": "saving", "percent": 50}
    with in_tenant(world.globex):
        assert imports.import_progress(job) == {"stage": "waiting", "percent": 0}


def test_the_empty_file_has_the_columns_the_import_reads(hr_client):
    response = hr_client.get("/enrolments/import/employees.csv")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response.content == "\ufeffemail,first name,last name,department,job title,manager email,cohort\r\n".encode()


def coached_file(world) -> SimpleUploadedFile:
    """One new person for the organisation's coach, who is left with no room (their capacity is what they
    have across every organisation)."""
    coach = world.acme.coach
    profile_ensure(coach, capacity=coachees_counts([coach.pk])[coach.pk])
    text = f"email,first name,last name,cohort,coach email\nann@acme.test,Ann,Ames,Cohort A,{coach.email}\n"
    return SimpleUploadedFile("people.csv", text.encode(), content_type="text/csv")


def test_the_page_names_a_coach_the_file_gives_more_than_their_room(world, hr_client):
    body = hr_client.get(post_file(hr_client, world, coached_file(world))).content.decode()
    assert "Nothing was imported: 1 problem needs fixing first." in body
    assert f"{world.acme.coach.email} has no room for more coachees." in body
    with schema_context("public"):
        assert not Invitation.objects.filter(email="ann@acme.test").exists()


# --- the API -----------------------------------------------------------------------------------------


@pytest.fixture
def api(world):
    with schema_context("public"):
        token = tokens.token_create(user=world.acme.hr, name="Tests").raw
    return Client(HTTP_HOST=world.acme.host, HTTP_AUTHORIZATION=f"Token {token}")


def test_the_api_answers_400_with_every_error_and_writes_nothing(world, api, in_tenant):
    response = api.post(
        "/api/v1/enrolments/import/",
        {"file": upload("ann@acme.test,Ann,Ames,,,,Cohort Z", "=1+1,Bob,Bell,,,,Cohort A")},
    )
    assert response.status_code == 400
    assert response.json() == {
        "message": "Nothing was imported: 2 problems need fixing first.",
        "errors": [
            {"row": 2, "column": "cohort", "message": "No open programme has a cohort “Cohort Z”."},
            {
                "row": 3,
                "column": "email",
                "message": "Starts with “=”, which spreadsheet programs may run as a formula. Remove that character.",
            },
        ],
    }
    with in_tenant(world.acme):
        assert not Enrolment.objects.filter(employee__email="ann@acme.test").exists()


def test_the_api_imports_and_a_second_import_changes_nothing(world, api):
    file = lambda: upload("ann@acme.test,Ann,Ames,,,,Cohort A")  # noqa: E731
    programme = world.acme.people["programme"]
    first = api.post("/api/v1/enrolments/import/", {"file": file(), "programme": programme})
    assert first.status_code == 200
    assert first.json() == {
        "message": "1 person enrolled, 1 invitation sent (enrolled once accepted).",
        "rows": 1,
        "enrolled": 1,
        "unchanged": 0,
        "updated": 0,
        "invited": 1,
        "without_coach": 0,
        "ignored_columns": [],
    }
    second = api.post("/api/v1/enrolments/import/", {"file": file(), "programme": programme}).json()
    assert (second["enrolled"], second["unchanged"]) == (0, 1)
    assert second["message"] == "Nothing changed: everyone in this file is already enrolled or invited as it says."


def test_the_api_names_a_coach_the_file_gives_more_than_their_room(world, api):
    response = api.post("/api/v1/enrolments/import/", {"file": coached_file(world)})
    assert response.status_code == 400
    assert response.json() == {
        "message": "Nothing was imported: 1 problem needs fixing first.",
        "errors": [
            {
                "row": 2,
                "column": "coach email",
                "message": f"{world.acme.coach.email} has no room for more coachees.",
            }
        ],
    }


def test_the_api_asks_for_the_file(api):
    response = api.post("/api/v1/enrolments/import/", {})
    assert response.status_code == 400
    assert response.json() == {
        "message": "Nothing was imported: 1 problem needs fixing first.",
        "errors": [{"row": None, "column": "file", "message": "Choose a CSV file to upload."}],
    }


def test_the_upload_page_asks_for_the_file_in_the_same_words(world, hr_client):
    response = hr_client.post("/enrolments/import/", {"programme": world.acme.people["programme"]})
    assert response.status_code == 200
    assert "Choose a CSV file to upload." in response.content.decode()


def test_the_api_answers_404_for_a_programme_it_cannot_see(api):
    response = api.post(
        "/api/v1/enrolments/import/", {"file": upload("ann@acme.test,Ann,Ames,,,,Cohort A"), "programme": 999999}
    )
    assert response.status_code == 404 and response.json() == {"detail": "Not found."}


def test_only_hr_may_import_through_the_api(world, client_for):
    coach = client_for(world.acme.coach, world.acme.host)
    response = coach.post("/api/v1/enrolments/import/", {"file": upload("ann@acme.test,Ann,Ames,,,,Cohort A")})
    assert response.status_code == 404


def test_a_file_over_the_size_limit_is_refused_at_once_and_not_kept(world, hr_client, in_tenant, settings):
    settings.ENROLMENT_IMPORT_MAX_BYTES = 200
    location = post_file(hr_client, world, upload(*(f"person{n}@acme.test,P,{n},,,,Cohort A" for n in range(20))))
    assert "The file is larger than 200 bytes" in hr_client.get(location).content.decode()
    with in_tenant(world.acme):
        job = EnrolmentImport.objects.get(file_name="people.csv")
        assert job.status == EnrolmentImport.Status.FAILED and bytes(job.content) == b""
        assert job.errors[0]["message"].startswith("The file is larger than")
        assert not Enrolment.objects.filter(employee__email="person1@acme.test").exists()


def test_the_outcome_is_saved_before_the_invitations_go_out(
    world, in_tenant, actor, monkeypatch, django_capture_on_commit_callbacks
):
    seen = []

    class Task:  # what the queue receives, once the import's transaction has committed
        @staticmethod
        def apply_async(**_queued):
            seen.append(EnrolmentImport.objects.get(pk=job.pk).status)

    monkeypatch.setattr(planning, "invitations_send_task", Task)
    with in_tenant(world.acme):
        job = imports.import_job_create(
            actor=actor(world.acme.hr, world.acme),
            file_name="two.csv",
            programme=None,
            data=(HEADER + "\nann@acme.test,Ann,Ames,,,,Cohort A\n").encode(),
        )
        with django_capture_on_commit_callbacks(execute=True):
            imports.import_job_run(job_id=job.pk)
    assert seen == [EnrolmentImport.Status.SUCCEEDED]

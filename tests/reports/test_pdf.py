"""PDF reports: offline rendering, what each report holds (and never holds), and background rendering."""

from __future__ import annotations

import http.server
import re
import subprocess
import threading

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from weasyprint import HTML

from assessments.models import AccessLogEntry
from portal import policy
from reports import disclosure, documents, pdf
from reports.models import AuditEvent, ReportJob
from reports.selectors.dashboard import Filters
from reports.services.jobs import report_job_run
from tests.world.reports import all_canaries, build


def pdf_text(content: bytes) -> str:
    """The text of a PDF as pdftotext reads it (what a person copying from it would get)."""
    result = subprocess.run(["pdftotext", "-layout", "-", "-"], input=content, capture_output=True, check=True)
    return result.stdout.decode()


class _CountingHandler(http.server.BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self):  # noqa: N802
        self.hits.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def listening_server():
    server = http.server.HTTPServer(("127.0.0.1", 0), _CountingHandler)
    _CountingHandler.hits = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def test_the_fetcher_never_goes_to_the_network_or_the_file_system(listening_server, tmp_path):
    secret = tmp_path / "secret.css"
    secret.write_text("body { color: red }")
    port = listening_server.server_address[1]
    html = f"""<html><head>
      <link rel="stylesheet" href="http://127.0.0.1:{port}/style.css">
      <link rel="stylesheet" href="file://{secret}">
      <link rel="stylesheet" href="{pdf.STATIC_ORIGIN}/static/../portal/settings.py">
      </head><body>
      <img src="http://127.0.0.1:{port}/tracker.png"><img src="https://example.com/logo.png">
      <img src="{pdf.STATIC_ORIGIN}/static/css/portal.css?x=1"><p>Hello</p></body></html>"""
    fetcher = pdf.StaticOnlyFetcher()

    content = HTML(string=html, base_url=pdf.STATIC_ORIGIN + "/", url_fetcher=fetcher).write_pdf()
    assert content.startswith(b"%PDF")
    assert listening_server.RequestHandlerClass.hits == []
    assert len(fetcher.refused) == 6
    assert any(url.startswith("file://") for url in fetcher.refused)


def test_the_fetcher_serves_our_static_files_and_data_uris():
    fetcher = pdf.StaticOnlyFetcher()
    css = fetcher.fetch(f"{pdf.STATIC_ORIGIN}/static/css/report.css")
    assert b"@page" in css.read()
    assert fetcher.fetch("data:text/plain;base64,aGVsbG8=").read() == b"hello"
    for url in (
        f"{pdf.STATIC_ORIGIN}/static/missing.css",
        f"{pdf.STATIC_ORIGIN}/media/logo.png",
        "https://static.invalid.example.com/static/css/report.css",
    ):
        with pytest.raises(pdf.RefusedURL):
            fetcher.fetch(url)


def test_the_programme_report_holds_aggregates_and_no_ones_answers(world, in_tenant, client_for):
    with in_tenant(world.acme):
        built = build(world.acme, people=10)
        build(world.acme, people=5, tag="BG", name="Background programme")
        disclosure.refresh(force=True)
    response = client_for(world.acme.hr, world.acme.host).get(reverse("reports_pdf"), {"programme": built.programme.pk})
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"]
    text = pdf_text(response.content)
    assert built.programme.name in text and "Acme Logistics" in text
    assert "Change from the initial to the final assessment" in text and "Speaking up" in text
    assert re.search(r"\b1\s*/\s*\d", text)  # page numbers
    assert not [canary for canary in all_canaries(built) if canary in text]
    for person in built.people:  # no one's name either: aggregates only
        assert person.user.last_name not in text
    with in_tenant(world.acme):
        assert AuditEvent.objects.filter(action="report.pdf", actor=world.acme.hr).exists()


def test_the_employees_report_holds_the_reflections_they_chose(world, in_tenant, client_for):
    with in_tenant(world.acme):
        built = build(world.acme, people=5, employees=[world.acme.employee])
    me = built.person(world.acme.employee)
    response = client_for(world.acme.employee, world.acme.host).get(
        reverse("my_progress_pdf"), {"reflection": [me.private_reflection.pk, "x"]}
    )
    text = pdf_text(response.content)
    assert me.canaries["reflection-private"] in text
    assert me.canaries["reflection-shared"] not in text  # not ticked
    assert me.canaries["goal"] in text and "Speaking up" in text
    assert me.canaries["note"] not in text  # the coach's private note is never the employee's to read
    other = built.people[1]
    assert not [canary for canary in other.canaries.values() if canary in text]


def test_someone_elses_reflection_cannot_be_ticked_into_a_report(world, in_tenant, client_for):
    with in_tenant(world.acme):
        built = build(world.acme, people=5, employees=[world.acme.employee])
    other = built.people[1]
    response = client_for(world.acme.employee, world.acme.host).get(
        reverse("my_progress_pdf"), {"reflection": [other.private_reflection.pk, other.shared_reflection.pk]}
    )
    text = pdf_text(response.content)
    assert not [canary for canary in other.canaries.values() if canary in text]


def test_the_coachs_copy_leaves_out_private_reflections_and_is_logged(world, in_tenant, client_for):
    with in_tenant(world.acme):
        built = build(world.acme, people=5, employees=[world.acme.employee])
    me = built.person(world.acme.employee)
    response = client_for(world.acme.coach, world.acme.host).get(
        reverse("coachee_progress_pdf", args=[world.acme.employee.pk])
    )
    assert response.status_code == 200
    text = pdf_text(response.content)
    assert me.canaries["reflection-shared"] in text and me.canaries["goal"] in text
    assert me.canaries["reflection-private"] not in text
    assert "private reflections are not included" in text.lower()
    with in_tenant(world.acme):
        kinds = set(
            AccessLogEntry.objects.filter(owner=world.acme.employee, reader=world.acme.coach).values_list(
                "kind", flat=True
            )
        )
    assert {"goal", "reflection", "result"} <= kinds


def test_a_coach_cannot_download_the_report_of_someone_they_do_not_coach(world, in_tenant, client_for):
    with in_tenant(world.acme):
        build(world.acme, people=5, employees=[world.acme.employee])
    response = client_for(world.coach_both, world.acme.host).get(
        reverse("coachee_progress_pdf", args=[world.acme.employee.pk])
    )
    assert response.status_code == 404


def test_the_coachs_hours_report(world, in_tenant, client_for):
    with in_tenant(world.acme):
        build(world.acme, people=5)
    client = client_for(world.acme.coach, world.acme.host)
    page = client.get(reverse("coach_reports"))
    assert page.status_code == 200
    total = page.context["report"].totals
    assert total.group_sessions >= 6 and total.individual_sessions >= 5
    text = pdf_text(client.get(reverse("coach_hours_pdf")).content)
    assert "Coaching hours" in text and "Cor Acme" in text
    assert "Sample" not in text  # 1:1s are listed without the employee's name


def test_a_large_programme_report_renders_in_the_background(
    world, in_tenant, client_for, settings, django_capture_on_commit_callbacks
):
    settings.REPORT_BACKGROUND_PARTICIPANTS = 3
    with in_tenant(world.acme):
        built = build(world.acme, people=5)
    client = client_for(world.acme.hr, world.acme.host)
    page = client.get(reverse("reports_dashboard"), {"programme": built.programme.pk})
    assert reverse("reports_job_create") in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("reports_job_create"),
            {"kind": "programme", "programme": built.programme.pk},
            HTTP_HX_REQUEST="true",
        )
        # Queued after the request's transaction: the page polls for progress meanwhile.
        assert 'hx-trigger="every 1s"' in response.content.decode()
    with in_tenant(world.acme):
        job = ReportJob.objects.get(requested_by=world.acme.hr)
    assert job.status == ReportJob.Status.READY and job.progress == 100 and job.pages >= 1
    fragment = client.get(reverse("reports_job", args=[job.pk]), HTTP_HX_REQUEST="true").content.decode()
    assert reverse("reports_job_download", args=[job.pk]) in fragment and "every 1s" not in fragment
    download = client.get(reverse("reports_job_download", args=[job.pk]))
    assert built.programme.name in pdf_text(download.content)
    # Nobody else sees the job.
    assert client_for(world.acme.coach, world.acme.host).get(reverse("reports_job", args=[job.pk])).status_code == 404


def test_a_job_still_running_polls_for_its_progress(world, in_tenant, client_for):
    with in_tenant(world.acme):
        job = ReportJob.objects.create(
            kind=ReportJob.Kind.PROGRAMME, requested_by=world.acme.hr, status=ReportJob.Status.RUNNING, progress=60
        )
    client = client_for(world.acme.hr, world.acme.host)
    fragment = client.get(reverse("reports_job", args=[job.pk]), HTTP_HX_REQUEST="true").content.decode()
    assert 'hx-trigger="every 1s"' in fragment and 'value="60"' in fragment
    assert client.get(reverse("reports_job_download", args=[job.pk])).status_code == 404  # not ready yet


def test_a_job_whose_requester_lost_access_fails_cleanly(world, in_tenant):

    with in_tenant(world.acme):
        # The coach of both organisations does not coach this employee (any more).
        job = ReportJob.objects.create(
            kind=ReportJob.Kind.PERSONAL, requested_by=world.coach_both, subject=world.acme.employee
        )
        finished = report_job_run(job_id=str(job.pk))
    assert finished.status == ReportJob.Status.FAILED and "no longer have access" in finished.options["error"]
    assert finished.pdf in (b"", None) or bytes(finished.pdf) == b""


def test_the_logo_is_embedded_as_a_data_uri(world, in_tenant, tmp_path, settings):

    png = (
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4"
        b"\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82"
    )
    settings.MEDIA_ROOT = str(tmp_path)
    organisation = world.acme.organisation
    with in_tenant(world.acme):
        organisation.logo.save("logo.png", ContentFile(png), save=False)
        uri = pdf.logo_data_uri(organisation)
        actor = policy.actor_for(world.acme.hr, organisation)

        rendered, _name = documents.programme_pdf(actor=actor, filters=Filters())
    assert uri.startswith("data:image/png;base64,")
    path = tmp_path / "report.pdf"
    path.write_bytes(rendered.content)
    listing = subprocess.run(["pdfimages", "-list", str(path)], capture_output=True, text=True, check=True)
    assert len(listing.stdout.strip().splitlines()) > 2  # a header of two lines, then the logo (twice)

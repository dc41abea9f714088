"""Every PDF the portal makes can be read with a screen reader: tagged as PDF/UA-1, in its reader's language,
titled in the viewer's window, with header cells in every table and a text for every figure; and the pdfua
checker (the machine-checkable part of PDF/UA-1) finds nothing in it.

Each PDF is asked for as its reader asks for it (the page, the API, the background job), in an English and a
Dutch organisation and for a reader who chose the other language.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass

import pikepdf
import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from pdfua import Severity, validate
from pdfua.rules import structure as pdfua_structure

from portal import policy
from reports import disclosure, documents
from reports.models import ReportJob
from reports.selectors.dashboard import Filters
from reports.services.jobs import report_job_run
from tests.world.reports import build


@dataclass
class Structure:
    """What the structure tree of a tagged PDF holds, as far as the tests ask."""

    tables: int = 0
    tables_without_header: int = 0
    data_cells_without_header: int = 0
    figures_without_alt: int = 0


def _walk(element, structure: Structure, seen: set) -> None:
    if not isinstance(element, pikepdf.Dictionary) or element.objgen in seen and element.objgen != (0, 0):
        return
    seen.add(element.objgen)
    kind = str(element.get("/S", ""))
    if kind == "/Table":
        structure.tables += 1
        if not _holds(element, "/TH"):
            structure.tables_without_header += 1
    elif kind == "/TD":
        headers = element.get("/A", {}).get("/Headers") if isinstance(element.get("/A"), pikepdf.Dictionary) else None
        if not headers:
            structure.data_cells_without_header += 1
    elif kind == "/Figure" and not str(element.get("/Alt", "")).strip():
        structure.figures_without_alt += 1
    kids = element.get("/K")
    for kid in kids if isinstance(kids, pikepdf.Array) else [kids] if kids is not None else []:
        _walk(kid, structure, seen)


def _holds(element, kind: str) -> bool:
    """Whether a structure element holds one of `kind` below it (not counting nested tables)."""
    kids = element.get("/K")
    for kid in kids if isinstance(kids, pikepdf.Array) else [kids] if kids is not None else []:
        if not isinstance(kid, pikepdf.Dictionary) or str(kid.get("/S", "")) == "/Table":
            continue
        if str(kid.get("/S", "")) == kind or _holds(kid, kind):
            return True
    return False


def _content_item(value) -> int | None:
    """An MCID, or None. pdfua 0.1.3 asks every value for `is_integer`, which pikepdf answers for an array
    with ValueError (not AttributeError), so its empty-heading rule gives up on each heading that holds more
    than one item; pikepdf hands a PDF integer over as a Python int, so that is the whole test."""
    return value if isinstance(value, int) and not isinstance(value, bool) else None


@pytest.fixture(autouse=True)
def _pdfua_reads_arrays(monkeypatch):
    monkeypatch.setattr(pdfua_structure, "as_integer", _content_item)


def assert_accessible(content: bytes, *, language: str, title: str, tmp_path) -> None:
    with pikepdf.open(io.BytesIO(content)) as document:
        root = document.Root
        assert root.get("/MarkInfo", {}).get("/Marked") is True, "not a tagged PDF"
        assert "/StructTreeRoot" in root, "no structure tree"
        assert str(root.get("/Lang", "")) == language
        assert str(document.docinfo.get("/Title", "")) == title
        with document.open_metadata() as xmp:
            assert xmp.get("dc:title") == title
        assert root.get("/ViewerPreferences", {}).get("/DisplayDocTitle") is True, "the viewer shows the file name"
        structure = Structure()
        _walk(root.StructTreeRoot, structure, set())
    assert structure.tables, "a report without a table: the check would pass on nothing"
    assert structure.tables_without_header == 0
    assert structure.data_cells_without_header == 0
    assert structure.figures_without_alt == 0
    path = tmp_path / "report.pdf"
    path.write_bytes(content)
    report = validate(str(path))
    # A rule that could not look at the document has not passed it.
    assert [
        f"{outcome.rule_id}: {outcome.skipped_reason}" for outcome in report.outcomes if outcome.skipped_reason
    ] == []
    problems = [
        f"{finding.rule_id} {finding.severity.name}: {finding.message} ({finding.location.describe()})"
        for finding in report.findings
        if finding.severity >= Severity.WARNING
    ]
    assert problems == []


ORGANISATIONS = [pytest.param("acme", "en", id="english"), pytest.param("globex", "nl", id="dutch")]
TITLES = {
    "programme": {"en": "Programme report", "nl": "Programmarapport"},
    "personal": {"en": "Personal progress report", "nl": "Persoonlijk voortgangsrapport"},
    "hours": {"en": "Coaching hours", "nl": "Coachinguren"},
    "agreement": {"en": "Coaching agreement", "nl": "Coachingovereenkomst"},
}


@pytest.fixture
def built(world, in_tenant):
    def make(slug: str):
        org = getattr(world, slug)
        with in_tenant(org):
            result = build(org, people=5, employees=[org.employee])
            disclosure.refresh(force=True)
        return org, result

    return make


@pytest.mark.parametrize(("slug", "language"), ORGANISATIONS)
def test_the_programme_report_is_accessible(built, client_for, slug, language, tmp_path):
    org, result = built(slug)
    response = client_for(org.hr, org.host).get(reverse("reports_pdf"), {"programme": result.programme.pk})
    assert response.status_code == 200
    assert_accessible(response.content, language=language, title=TITLES["programme"][language], tmp_path=tmp_path)


@pytest.mark.parametrize(("slug", "language"), ORGANISATIONS)
def test_the_personal_progress_report_is_accessible(built, client_for, slug, language, tmp_path):
    org, _result = built(slug)
    response = client_for(org.employee, org.host).get(reverse("my_progress_pdf"))
    assert response.status_code == 200
    assert_accessible(response.content, language=language, title=TITLES["personal"][language], tmp_path=tmp_path)


@pytest.mark.parametrize(("slug", "language"), ORGANISATIONS)
def test_the_coachs_copy_of_a_progress_report_is_accessible(built, client_for, slug, language, tmp_path):
    org, _result = built(slug)
    response = client_for(org.coach, org.host).get(reverse("coachee_progress_pdf", args=[org.employee.pk]))
    assert response.status_code == 200
    assert_accessible(response.content, language=language, title=TITLES["personal"][language], tmp_path=tmp_path)


@pytest.mark.parametrize(("slug", "language"), ORGANISATIONS)
def test_the_coachs_hours_report_is_accessible(built, client_for, slug, language, tmp_path):
    org, _result = built(slug)
    response = client_for(org.coach, org.host).get(reverse("coach_hours_pdf"))
    assert response.status_code == 200
    assert_accessible(response.content, language=language, title=TITLES["hours"][language], tmp_path=tmp_path)


@pytest.mark.parametrize(("slug", "language"), ORGANISATIONS)
def test_the_progress_report_in_the_data_export_is_accessible(built, client_for, slug, language, tmp_path):
    org, _result = built(slug)
    response = client_for(org.employee, org.host).get(reverse("api_me_export"))
    assert response.status_code == 200
    content = zipfile.ZipFile(io.BytesIO(response.content)).read("progress-report.pdf")
    assert_accessible(content, language=language, title=TITLES["personal"][language], tmp_path=tmp_path)


def test_a_report_speaks_the_language_its_reader_chose(built, client_for, tmp_path):
    """An English reader in the Dutch organisation gets an English report, declared as English."""
    org, result = built("globex")
    org.hr.language = "en"
    org.hr.save(update_fields=["language"])
    response = client_for(org.hr, org.host).get(reverse("reports_pdf"), {"programme": result.programme.pk})
    assert_accessible(response.content, language="en", title=TITLES["programme"]["en"], tmp_path=tmp_path)


def test_a_report_rendered_in_the_background_is_accessible(built, in_tenant, tmp_path):

    org, result = built("globex")
    with in_tenant(org):
        job = ReportJob.objects.create(
            kind=ReportJob.Kind.PROGRAMME, requested_by=org.hr, options={"programme": str(result.programme.pk)}
        )
        finished = report_job_run(job_id=str(job.pk))
    assert finished.status == ReportJob.Status.READY
    assert_accessible(bytes(finished.pdf), language="nl", title=TITLES["programme"]["nl"], tmp_path=tmp_path)


def test_the_organisations_logo_is_a_figure_with_its_name(built, in_tenant, tmp_path, settings, caplog):

    png = (
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4"
        b"\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82"
    )
    settings.MEDIA_ROOT = str(tmp_path)
    org, result = built("acme")
    with in_tenant(org):
        org.organisation.logo.save("logo.png", ContentFile(png), save=False)
        actor = policy.actor_for(org.hr, org.organisation)
        with caplog.at_level("ERROR", logger="weasyprint"):
            rendered, _name = documents.programme_pdf(actor=actor, filters=Filters(programme=result.programme))
    # WeasyPrint names an image without a text in the log (a logo: its whole data URI); none is left.
    assert [record.getMessage()[:80] for record in caplog.records if record.name == "weasyprint"] == []
    assert_accessible(rendered.content, language="en", title=TITLES["programme"]["en"], tmp_path=tmp_path)
    with pikepdf.open(io.BytesIO(rendered.content)) as document:
        figures = [element for element in _elements(document.Root.StructTreeRoot) if element.get("/S") == "/Figure"]
        alts = [str(figure.get("/Alt", "")) for figure in figures]
    assert "Acme Logistics" in alts  # the cover's logo; the running header's copy is not content


def _elements(element):
    kids = element.get("/K")
    for kid in kids if isinstance(kids, pikepdf.Array) else [kids] if kids is not None else []:
        if isinstance(kid, pikepdf.Dictionary):
            yield kid
            yield from _elements(kid)


@pytest.mark.parametrize(("slug", "language"), ORGANISATIONS)
def test_the_coaching_agreement_is_accessible_in_the_organisations_language(
    world, client_for, slug, language, tmp_path
):
    """Whoever downloads it (here an English-speaking HR manager in the Dutch organisation too), the agreement
    is in the organisation's language, the language its text is written in."""
    org = getattr(world, slug)
    org.hr.language = "en"
    org.hr.save(update_fields=["language"])
    for user in (org.employee, org.coach, org.hr):
        response = client_for(user, org.host).get(reverse("enrolment_agreement_pdf", args=[org.people["enrolment"]]))
        assert response.status_code == 200
        assert_accessible(response.content, language=language, title=TITLES["agreement"][language], tmp_path=tmp_path)

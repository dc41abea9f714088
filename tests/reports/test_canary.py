"""The confidentiality canary, extended to what reports hand out: PDF text, CSV bodies, export zips.

An employee's coaching content carries unique markers (tests/world/reports.py). Every GET route of the
reports app is fetched by everyone who must not read that content (HR, another employee, a coach who
does not coach them, the other organisation's people, platform staff) and by those who may read some
of it; the text of each answer (PDFs through pdftotext, zips member by member) is searched.
"""

from __future__ import annotations

import io
import subprocess
import zipfile

import pytest
from django.urls import URLPattern, get_resolver, reverse
from weasyprint import HTML

from reports.models import ReportJob
from tests.world.reports import build


def readable(response) -> str:
    body = b"".join(response.streaming_content) if response.streaming else response.content
    kind = response.get("Content-Type", "")
    if kind.startswith("application/pdf"):
        return subprocess.run(["pdftotext", "-", "-"], input=body, capture_output=True, check=True).stdout.decode()
    if kind.startswith("application/zip"):
        archive = zipfile.ZipFile(io.BytesIO(body))
        texts = []
        for name in archive.namelist():
            member = archive.read(name)
            texts.append(
                subprocess.run(["pdftotext", "-", "-"], input=member, capture_output=True).stdout.decode()
                if name.endswith(".pdf")
                else member.decode("utf-8", "replace")
            )
        return "\n".join(texts)
    return body.decode("utf-8", "replace")


POST_ONLY = {"reports_erasure_cancel", "reports_job_create", "my_erasure_request", "my_erasure_cancel"}


def _routes(world, org, built, job) -> list[tuple[str, dict, dict]]:
    """Every GET route of the reports app with arguments that name this organisation's data."""
    kwargs = {"kind": "enrolments", "pk": job.pk, "user_id": org.employee.pk}
    queries = {
        "reports_pdf": {"programme": built.programme.pk},
        "my_progress_pdf": {
            "reflection": [p.private_reflection.pk for p in built.people]
            + [p.shared_reflection.pk for p in built.people]
        },
    }
    routes = []
    for urlconf in ("reports.urls", "reports.urls_api"):
        for pattern in get_resolver(urlconf).url_patterns:
            assert isinstance(pattern, URLPattern)
            if pattern.name in POST_ONLY:
                continue
            # The named groups, for a path() route and for the router's regular expressions alike.
            names = pattern.pattern.regex.groupindex.keys()
            args = {name: kwargs[name] for name in names}
            routes.append((pattern.name, args, queries.get(pattern.name, {})))
    for kind in ("attendance", "credits"):
        routes.append(("reports_csv", {"kind": kind}, {}))
    return routes


@pytest.fixture
def scene(world, in_tenant):
    org = world.acme
    with in_tenant(org):
        built = build(org, people=6, employees=[org.employee, org.employee2])
        job = ReportJob.objects.create(
            kind=ReportJob.Kind.PROGRAMME,
            requested_by=org.hr,
            status=ReportJob.Status.READY,
            file_name="r.pdf",
            pages=1,
            pdf=HTML(string="<p>Programme report</p>").write_pdf(),
        )
    return org, built, job


def _texts(world, client_for, user, host, routes) -> dict[str, str]:
    client = client_for(user, host)
    seen = {}
    for name, kwargs, query in routes:
        url = reverse(name, kwargs=kwargs, urlconf="portal.urls_tenant")
        response = client.get(url, query)
        if response.status_code == 200:
            seen[f"{name} {kwargs}"] = readable(response)
    return seen


def _leaks(texts: dict[str, str], canaries: list[str]) -> list[str]:
    return [f"{where}: {canary}" for where, text in texts.items() for canary in canaries if canary in text]


def test_no_one_else_reads_an_employees_content_in_any_report(world, client_for, scene):
    org, built, job = scene
    routes = _routes(world, org, built, job)
    content = [value for person in built.people[:1] for value in person.canaries.values()]
    for user, host in (
        (org.hr, org.host),
        (org.employee2, org.host),
        (world.coach_both, org.host),
        (world.globex.hr, org.host),
        (world.globex.employee, org.host),
        (world.staff, org.host),
    ):
        texts = _texts(world, client_for, user, host, routes)
        assert not _leaks(texts, content), f"{user.email} read {_leaks(texts, content)}"
    hr_texts = _texts(world, client_for, org.hr, org.host, routes)
    assert {"reports_pdf {}", "reports_csv {'kind': 'enrolments'}", "reports_dashboard {}"} <= set(hr_texts)


def test_the_coach_reads_what_was_shared_and_never_the_private_reflection(world, client_for, scene):
    org, built, job = scene
    me = built.person(org.employee)
    texts = _texts(world, client_for, org.coach, org.host, _routes(world, org, built, job))
    together = "\n".join(texts.values())
    assert me.canaries["reflection-shared"] in together and me.canaries["goal"] in together
    assert me.canaries["reflection-private"] not in together


def test_the_employee_reads_their_own_and_never_the_coachs_private_note(world, client_for, scene):
    org, built, job = scene
    me = built.person(org.employee)
    texts = _texts(world, client_for, org.employee, org.host, _routes(world, org, built, job))
    together = "\n".join(texts.values())
    assert me.canaries["reflection-private"] in together and me.canaries["answer"] in together
    assert me.canaries["note"] not in together
    others = [value for person in built.people if person is not me for value in person.canaries.values()]
    assert not _leaks(texts, others)

"""Background work executed by the real Celery worker, each task in the schema of the organisation that
queued it: booking email, day-before reminders, urgent requests, a large CSV import with its invitations,
and a PDF report. Requests go through both gunicorn processes; the email arrives at the stack's SMTP
server; the rows are read back from the database."""

import re
import time
import uuid
from datetime import datetime, timedelta
from datetime import time as clock

import pytest
from django.utils import timezone
from django_tenants.utils import tenant_context

from programmes.models import Attendance, Cohort, Enrolment, EnrolmentImport, Programme, Session
from programmes.tasks.sessions import session_reminders_send
from reports.models import ReportJob
from tenants.models import Invitation
from tests.prod.scenario import (
    COACH_EMAIL,
    DEMO_PASSWORD,
    HR,
    NAME,
    coaching_ready,
    employee_email,
    free_slot,
    organisation,
)

pytestmark = pytest.mark.prod


def wait_until(condition, *, seconds: float = 90, what: str = "the condition"):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.3)
    raise AssertionError(f"{what} did not happen within {seconds} s")


def test_booking_email_is_sent_by_the_worker_from_each_organisations_schema(client_for, mailbox):
    booked = {}
    for slug, number in (("acme", 3), ("globex", 3)):
        coaching = coaching_ready(slug, number)
        slot = free_slot(coaching.coach)
        client = client_for(coaching.host)
        client.sign_in(coaching.employee.email, DEMO_PASSWORD)
        response = client.post(f"/book/{slot.pk}/")
        assert response.status == 302 and "/sessions/" in response.location, (response.status, response.text[:300])
        session_id = int(re.search(r"/sessions/(\d+)/", response.location).group(1))
        booked[slug] = (coaching, session_id)
    for slug, (coaching, session_id) in booked.items():
        [mail] = mailbox.wait_for(1, to=coaching.employee.email)
        assert NAME[slug] in mail.subject
        # The link names the session by its id in this organisation's schema, on this organisation's host.
        assert f"{slug}.localhost/sessions/{session_id}/" in mail.body
        assert "session.ics" in mail.attachments
        with tenant_context(organisation(slug)):
            assert Session.objects.get(pk=session_id).enrolment.employee_id == coaching.employee.pk
    coach_mail = mailbox.wait_for(2, to=COACH_EMAIL)
    assert {NAME["acme"], NAME["globex"]} == {
        name for mail in coach_mail for name in NAME.values() if name in mail.subject
    }


def _session_tomorrow(slug: str, number: int, hour: int) -> int:
    coaching = coaching_ready(slug, number)
    tomorrow = timezone.localdate() + timedelta(days=1)
    with tenant_context(organisation(slug)):
        session = Session.objects.create(
            kind=Session.Kind.INDIVIDUAL,
            enrolment_id=coaching.enrolment_id,
            coach=coaching.coach,
            starts_at=timezone.make_aware(datetime.combine(tomorrow, clock(hour))),
            mode=Session.Mode.PHONE,
            dial_in="+31 30 000 0000",
        )
        Attendance.objects.create(session=session, user=coaching.employee)
    return session.pk


def test_the_beat_entry_point_sends_each_organisations_reminders_once(mailbox):
    sessions = {"acme": _session_tomorrow("acme", 4, 9), "globex": _session_tomorrow("globex", 4, 10)}
    session_reminders_send.delay()  # what the beat does each morning
    for slug, session_id in sessions.items():
        [mail] = mailbox.wait_for(1, to=employee_email(slug, 4))
        assert NAME[slug] in mail.subject
        assert f"{slug}.localhost/sessions/{session_id}/" in mail.body
        with tenant_context(organisation(slug)):
            assert Session.objects.get(pk=session_id).reminder_sent_at is not None
    session_reminders_send.delay()
    time.sleep(5)
    again = [mail for mail in mailbox.new() if any(employee_email(slug, 4) in mail.to for slug in sessions)]
    assert again == [], "a reminder went out twice"


def test_an_urgent_request_reaches_the_coach_by_email_at_once(client_for, mailbox):
    coaching = coaching_ready("acme", 5)
    client = client_for(coaching.host)
    client.sign_in(coaching.employee.email, DEMO_PASSWORD)
    page = client.post("/urgent/", data={"message": "Can we talk today? It is about my team lead."})
    assert page.status == 200
    mails = mailbox.wait_for(1, to=COACH_EMAIL)
    urgent = [
        mail for mail in mails if coaching.employee.email in mail.body or coaching.employee.first_name in mail.subject
    ]
    assert urgent and NAME["acme"] in urgent[0].subject


def _programme_with_cohort(slug: str, capacity: int) -> tuple[int, str]:
    tag = uuid.uuid4().hex[:8]
    today = timezone.localdate()
    with tenant_context(organisation(slug)):
        programme = Programme.objects.create(
            name=f"Import check {tag}",
            starts_on=today,
            ends_on=today + timedelta(days=60),
            status=Programme.Status.ACTIVE,
        )
        cohort = Cohort.objects.create(programme=programme, name=f"Wave {tag}", capacity=capacity)
    return programme.pk, cohort.name


def test_a_large_csv_import_runs_on_the_worker_and_invites_everyone_once(client_for, mailbox):
    rows = 350  # over the size imported at once: a background task with progress
    programme_id, cohort = _programme_with_cohort("acme", capacity=rows)
    tag = uuid.uuid4().hex[:6]
    emails = [f"import-{tag}-{number}@acme.example" for number in range(rows)]
    csv = "email,first name,last name,department,job title,cohort\n" + "".join(
        f"{email},Person,{number:04d},Warehouse,Picker,{cohort}\n" for number, email in enumerate(emails)
    )
    client = client_for("acme.localhost")
    client.sign_in(HR["acme"], DEMO_PASSWORD)
    client.get("/enrolments/import/")
    uploaded = client.post(
        "/enrolments/import/",
        data={"programme": programme_id},
        files={"file": ("employees.csv", csv.encode(), "text/csv")},
    )
    assert uploaded.status == 302, uploaded.text[:500]
    job_id = re.search(r"/enrolments/import/([0-9a-f-]{36})/", uploaded.location).group(1)
    assert client.post(f"/enrolments/import/{job_id}/start/", headers={"HX-Request": "true"}).status == 204
    with tenant_context(organisation("acme")):
        job = wait_until(
            lambda: EnrolmentImport.objects.filter(pk=job_id, status__in=["succeeded", "failed"]).first(),
            seconds=180,
            what="the import",
        )
        assert job.status == "succeeded", job.errors[:5]
        # New people are invited, each holding a seat, and enrolled once they accept.
        assert Invitation.objects.filter(email__in=emails, status=Invitation.Status.PENDING).count() == rows
    with tenant_context(organisation("globex")):
        assert not Enrolment.objects.filter(employee__email__in=emails).exists()
    wanted = set(emails)

    def invitations():
        mailbox.new()
        return [mail for mail in mailbox.received if wanted & set(mail.to)]

    wait_until(lambda: len(invitations()) >= rows, seconds=180, what=f"{rows} invitations")
    time.sleep(3)  # a second invitation to anyone would arrive now
    invited = invitations()
    assert sorted(address for mail in invited for address in mail.to) == sorted(emails)  # everyone, once
    assert all("acme.localhost/invitation/" in mail.body for mail in invited)


def test_a_programme_report_is_rendered_as_pdf_by_the_worker(client_for):
    coaching = coaching_ready("acme", 6)
    with tenant_context(organisation("acme")):
        programme_id = Enrolment.objects.get(pk=coaching.enrolment_id).programme_id
    client = client_for("acme.localhost")
    client.sign_in(HR["acme"], DEMO_PASSWORD)
    client.get("/reports/")
    started = client.post("/reports/jobs/", data={"kind": "programme", "programme": programme_id})
    assert started.status == 302, started.text[:500]
    job_id = re.search(r"/reports/jobs/([0-9a-f-]{36})/", started.location).group(1)
    with tenant_context(organisation("acme")):
        job = wait_until(
            lambda: ReportJob.objects.filter(pk=job_id, status__in=["ready", "failed"]).first(),
            seconds=120,
            what="the report",
        )
        assert job.status == "ready", job.options
    download = client.get(f"/reports/jobs/{job_id}/download/")
    assert download.status == 200
    assert download.headers["content-type"] == "application/pdf"
    assert download.body.startswith(b"%PDF")

"""Email about sessions: on booking, change and cancellation (with the session as .ics), and the reminder
the day before, each in its recipient's language and always in the right organisation's schema."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core import mail
from django.db import connection
from django.utils import timezone
from django_tenants.utils import schema_context

from programmes.availability.services import Meeting
from programmes.models import Enrolment, Session
from programmes.services.sessions import session_cancel, session_move, session_schedule
from programmes.tasks.sessions import organisation_reminders_send, session_reminders_send
from tests.world.sessions import at


def test_a_planned_session_is_sent_to_everyone_with_its_calendar_event(
    world, actor, in_tenant, django_capture_on_commit_callbacks
):
    org = world.acme
    with in_tenant(org), django_capture_on_commit_callbacks(execute=True):
        session_schedule(
            actor=actor(world.coach_both, org),
            kind="individual",
            starts_at=at(11, 9),
            duration_minutes=60,
            meeting=Meeting(mode="phone", dial_in="I will call you"),
            enrolment=Enrolment.objects.get(pk=org.people["enrolment2"]),
        )
    by_recipient = {message.to[0]: message for message in mail.outbox}
    assert set(by_recipient) == {org.employee2.email, world.coach_both.email}
    employee_mail = by_recipient[org.employee2.email]
    assert employee_mail.subject.startswith("New session:") and employee_mail.subject.endswith("· Acme Logistics")
    assert "I will call you" in employee_mail.body and "http://acme.localhost/sessions/" in employee_mail.body
    assert "Cancel at least 24 hours before the start" in employee_mail.body
    name, content, mimetype = employee_mail.attachments[0]
    assert (name, mimetype) == ("session.ics", "application/ics") and b"METHOD:REQUEST" in content
    [(invitation, invitation_type)] = employee_mail.alternatives
    assert invitation_type == "text/calendar; method=REQUEST; charset=UTF-8" and "BEGIN:VEVENT" in invitation


def test_the_email_speaks_the_recipients_language(world, actor, in_tenant, django_capture_on_commit_callbacks):
    org = world.globex  # Dutch by default
    with in_tenant(org), django_capture_on_commit_callbacks(execute=True):
        session_cancel(actor=actor(org.employee, org), session=Session.objects.get(pk=org.people["session_own"]))
    employee_mail = next(message for message in mail.outbox if message.to == [org.employee.email])
    dutch_days = ("maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag", "zondag")
    assert any(day in employee_mail.subject for day in dutch_days)  # dates in Dutch: the mail is in Dutch
    assert employee_mail.subject.endswith("· Globex Zorg")


def test_a_moved_session_says_when_it_was(world, actor, in_tenant, django_capture_on_commit_callbacks):
    org = world.acme
    with in_tenant(org), django_capture_on_commit_callbacks(execute=True):
        session = Session.objects.get(pk=org.people["session_own"])
        was = session.starts_at
        session_move(
            actor=actor(org.coach, org),
            session=session,
            starts_at=at(22, 15),
            duration_minutes=45,
            meeting=Meeting(mode="video", video_url="https://meet.example.com/new"),
        )
    employee_mail = next(message for message in mail.outbox if message.to == [org.employee.email])
    assert employee_mail.subject.startswith("Session moved to")
    assert f"It was planned for {timezone.localtime(was):%A %-d %B %Y}" in employee_mail.body
    assert "https://meet.example.com/new" in employee_mail.body


def test_a_cancellation_says_whether_the_credit_came_back(world, actor, in_tenant, django_capture_on_commit_callbacks):
    org = world.acme
    with in_tenant(org), django_capture_on_commit_callbacks(execute=True):
        session = Session.objects.get(pk=org.people["session_own"])
        Session.objects.filter(pk=session.pk).update(starts_at=timezone.now() + timedelta(hours=5))
        session.refresh_from_db()
        session_cancel(actor=actor(org.employee, org), session=session)
    employee_mail = next(message for message in mail.outbox if message.to == [org.employee.email])
    coach_mail = next(message for message in mail.outbox if message.to == [org.coach.email])
    assert "the credit is not given back" in employee_mail.body
    assert "credit" not in coach_mail.body


def test_reminders_go_out_once_the_day_before(world, in_tenant):
    org = world.acme
    with in_tenant(org):
        tomorrow = timezone.localdate() + timedelta(days=1)
        start = timezone.make_aware(timezone.datetime.combine(tomorrow, timezone.datetime.min.time()))
        Session.objects.filter(pk=org.people["session_group"]).update(starts_at=start + timedelta(hours=10))
        Session.objects.filter(pk=org.people["session_own"]).update(starts_at=start + timedelta(days=1, hours=10))
        sent = organisation_reminders_send()
        group = Session.objects.get(pk=org.people["session_group"])
        assert group.reminder_sent_at is not None
        assert Session.objects.get(pk=org.people["session_own"]).reminder_sent_at is None
        assert organisation_reminders_send() == 0  # not twice
    recipients = {message.to[0] for message in mail.outbox}
    assert sent == len(mail.outbox) and org.coach.email in recipients and org.employee.email in recipients
    assert all(message.subject.startswith("Reminder: your session tomorrow") for message in mail.outbox)
    assert all(not message.attachments for message in mail.outbox)


def test_the_beat_runs_each_organisations_reminders_in_its_own_schema(world, in_tenant):
    for org in (world.acme, world.globex):
        with in_tenant(org):
            tomorrow = timezone.localdate() + timedelta(days=1)
            start = timezone.make_aware(timezone.datetime.combine(tomorrow, timezone.datetime.min.time()))
            Session.objects.filter(pk=org.people["session_group"]).update(starts_at=start + timedelta(hours=9))
    with schema_context("public"):
        session_reminders_send()
        assert connection.schema_name == "public"
    subjects = [message.subject for message in mail.outbox]
    assert any(subject.endswith("· Acme Logistics") for subject in subjects)
    assert any(subject.endswith("· Globex Zorg") for subject in subjects)
    assert (
        settings.CELERY_BEAT_SCHEDULE["session-reminders"]["task"] == "programmes.tasks_sessions.session_reminders_send"
    )

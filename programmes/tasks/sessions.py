"""Email about sessions and urgent requests, and the day-before reminders.

Tasks run inline by default and on Celery workers with Redis in production. They are tenant-aware
(tenant-schemas-celery): a task queued inside an organisation's schema runs in that schema, so a session
id always means the session of the organisation that queued it. Each email is written in its recipient's
language, and booking, change and cancellation emails carry the session as an iTIP invitation
(programmes.services.calendar: METHOD:REQUEST, or METHOD:CANCEL, under the session's UID and SEQUENCE).
"""

from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar
from copy import copy
from datetime import datetime, timedelta

from django.core.mail import EmailMessage, get_connection
from django.db import connection, transaction
from django.db.models import prefetch_related_objects
from django.template.loader import render_to_string
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from portal import policy
from portal.celery import app
from portal.tasks import each_organisation_queue, enqueue_after_commit
from programmes.models import Attendance, Session, UrgentRequest
from programmes.services.calendar import (
    CANCEL,
    REQUEST,
    InvitationEmail,
    invitation_attach,
    invitation_ics,
    organisation_address,
    session_title,
    where,
)
from tenants.models import Organisation, User
from tenants.services import organisation_url, public_url

# The tasks keep the names they were queued under before this module had its place in programmes.tasks, so
# that what a broker holds across an upgrade (and the beat schedule in portal/settings.py) still finds them.
EVENTS = ("booked", "scheduled", "moved", "changed", "cancelled", "reminder")


_quiet: ContextVar[bool] = ContextVar("sessions_quiet", default=False)


@contextmanager
def without_email():
    """Changes made inside send no email (loading demo data, benchmarks)."""
    token = _quiet.set(True)
    try:
        yield
    finally:
        _quiet.reset(token)


def after_commit(task, *args, **kwargs) -> None:
    """Queue `task` once the current transaction commits, in this organisation's schema
    (portal.tasks.enqueue_after_commit), unless email is off here (`without_email`)."""
    if _quiet.get():
        return
    enqueue_after_commit(task, *args, **kwargs)


def _language(user: User, organisation: Organisation) -> str:
    return user.language or organisation.default_language


def _when(moment: datetime) -> str:
    local = timezone.localtime(moment)
    return _("%(day)s at %(time)s") % {
        "day": formats.date_format(local, "l j F Y"),
        "time": formats.time_format(local, "H:i"),
    }


def _recipients(session: Session) -> list[User]:
    """The coach and everyone expected at the session (for a cancelled one: everyone who was)."""
    user_ids = list(Attendance.objects.filter(session=session).values_list("user_id", flat=True))
    people = {user.pk: user for user in User.objects.filter(pk__in=user_ids, is_active=True)}
    people[session.coach_id] = session.coach
    return list(people.values())


def _subject(event: str, session: Session) -> str:
    when = _when(session.starts_at)
    return {
        "booked": _("Session booked: %(when)s"),
        "scheduled": _("New session: %(when)s"),
        "moved": _("Session moved to %(when)s"),
        "changed": _("Session details changed: %(when)s"),
        "cancelled": _("Session cancelled: %(when)s"),
        "reminder": _("Reminder: your session tomorrow, %(when)s"),
    }[event] % {"when": when}


def _session_message(
    session: Session, organisation: Organisation, user: User, event: str, previous_starts_at: str | None
) -> EmailMessage:
    # Each recipient's copy of the session holds only what the policy lets them see (how to join it, for
    # one); the rule decides on who they are in this session, so no roles are looked up per email.
    session = policy.redact(policy.Actor(user=user, organisation=organisation), copy(session))
    for_coach = user.pk == session.coach_id
    language = _language(user, organisation)
    with translation.override(language):
        context = {
            "event": event,
            "user": user,
            "organisation": organisation,
            "session": session,
            "for_coach": for_coach,
            "title": session_title(session, for_coach=for_coach),
            "when": _when(session.starts_at),
            "where": where(session),
            "previous": _when(datetime.fromisoformat(previous_starts_at)) if previous_starts_at else "",
            "link": f"{organisation_address(organisation)}/sessions/{session.pk}/",
            "notice_hours": organisation.cancellation_notice_hours,
        }
        subject = f"{_subject(event, session)} · {organisation.name}"
        body = render_to_string("programmes/session_email.txt", context)
        message = InvitationEmail(subject, body, to=[user.email])
        if event != "reminder":
            method = CANCEL if event == "cancelled" else REQUEST
            ics = invitation_ics(
                session, organisation, recipient=user, for_coach=for_coach, method=method, language=language
            )
            invitation_attach(message, ics, method=method)
    return message


@app.task(name="programmes.tasks_sessions.session_notify")
def session_notify(session_id: int, event: str, previous_starts_at: str | None = None) -> int:
    """Tell the session's coach and participants what happened to it. Returns the number of emails."""
    if event not in EVENTS:
        raise ValueError(f"unknown session event {event!r}")
    organisation = connection.tenant
    prefetch_related_objects([organisation], "domains")  # its address, once for every email
    session = (
        Session.objects.select_related("coach", "cohort", "enrolment__employee", "cancelled_by")
        .filter(pk=session_id)
        .first()
    )
    if session is None:
        return 0
    messages = [
        _session_message(session, organisation, user, event, previous_starts_at)
        for user in _recipients(session)
        if user.email
    ]
    return get_connection().send_messages(messages) or 0


# --- reminders --------------------------------------------------------------------------------------


@app.task(name="programmes.tasks_sessions.session_reminders_send")
def session_reminders_send() -> int:
    """The beat's entry point (each morning): queue every active organisation's reminders in its schema."""
    return each_organisation_queue(organisation_reminders_send)


@app.task(name="programmes.tasks_sessions.organisation_reminders_send")
def organisation_reminders_send() -> int:
    """Remind everyone of tomorrow's sessions in this organisation, once per session (also when two
    workers run this at the same time: rows locked by one are skipped by the other)."""
    tomorrow = timezone.localdate() + timedelta(days=1)
    start = timezone.make_aware(datetime.combine(tomorrow, datetime.min.time()))
    with transaction.atomic():
        due = list(
            Session.objects.select_for_update(skip_locked=True)
            .filter(
                status=Session.Status.SCHEDULED,
                reminder_sent_at__isnull=True,
                starts_at__gte=start,
                starts_at__lt=start + timedelta(days=1),
            )
            .values_list("pk", flat=True)
        )
        Session.objects.filter(pk__in=due).update(reminder_sent_at=timezone.now())
    return sum(session_notify(pk, "reminder") for pk in due)


# --- urgent requests --------------------------------------------------------------------------------


@app.task(name="programmes.tasks_sessions.urgent_request_notify")
def urgent_request_notify(request_id: int) -> int:
    """Tell the coach at once that an employee asks for an urgent conversation."""
    organisation = connection.tenant
    request = UrgentRequest.objects.select_related("employee", "coach").filter(pk=request_id).first()
    if request is None or not request.coach.email:
        return 0
    with translation.override(_language(request.coach, organisation)):
        context = {
            "request": request,
            "organisation": organisation,
            "employee": request.employee,
            "coach": request.coach,
            "workspace": public_url("/coach/"),
            "here": organisation_url(organisation, "/urgent/requests/"),
        }
        subject = _("Urgent: %(name)s asks to talk to you now") % {
            "name": request.employee.get_full_name() or request.employee.email
        }
        body = render_to_string("programmes/urgent_email.txt", context)
    return EmailMessage(
        f"{subject} · {organisation.name}", body, to=[request.coach.email], reply_to=[request.employee.email]
    ).send()


@app.task(name="programmes.tasks_sessions.urgent_request_acknowledged_notify")
def urgent_request_acknowledged_notify(request_id: int) -> int:
    """Tell the employee their coach has seen the request and will be in touch."""
    organisation = connection.tenant
    request = UrgentRequest.objects.select_related("employee", "coach").filter(pk=request_id).first()
    if request is None or not request.employee.email:
        return 0
    with translation.override(_language(request.employee, organisation)):
        context = {
            "request": request,
            "organisation": organisation,
            "employee": request.employee,
            "coach": request.coach,
            "support_contact": organisation.support_contact,
        }
        subject = _("Your coach has seen your request")
        body = render_to_string("programmes/urgent_acknowledged_email.txt", context)
    return EmailMessage(
        f"{subject} · {organisation.name}", body, to=[request.employee.email], reply_to=[request.coach.email]
    ).send()

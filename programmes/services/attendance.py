"""The coach records who was at a session: present, absent (a no-show) or excused.

Marking completes the session. For a 1:1 it settles the credit: an excused absence gives it back; present
or absent keeps it spent, also when an earlier mark is corrected.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.policy import Actor
from programmes.models import Attendance, CreditTransaction, Session
from programmes.selectors.sessions import expected_participants
from programmes.services.attendance_counts import attendance_counts_refresh
from programmes.services.credits import credit_settle
from programmes.services.sessions import SessionRefused, coaches_session
from webhooks import outbox

MARKS = (Attendance.Status.PRESENT, Attendance.Status.ABSENT, Attendance.Status.EXCUSED)


@transaction.atomic
def attendance_mark(*, actor: Actor, session: Session, marks: dict[int, str]) -> list[Attendance]:
    """Record `marks` ({user id: status}) for participants of `session`, which must have started."""
    session = Session.objects.select_for_update(of=("self",)).select_related("enrolment").get(pk=session.pk)
    if not coaches_session(actor, session):
        raise SessionRefused(_("Only the session's coach records attendance."), "not_allowed")
    if session.status == Session.Status.CANCELLED:
        raise SessionRefused(_("This session was cancelled; there is no attendance to record."), "cancelled")
    if session.starts_at > timezone.now():
        raise SessionRefused(_("Attendance can be recorded once the session has started."), "not_started")
    existing = {row.user_id: row for row in Attendance.objects.filter(session=session)}
    allowed = set(existing) | set(expected_participants(session))
    unknown = [user_id for user_id in marks if user_id not in allowed]
    if unknown:
        raise ValidationError(_("Only participants of this session can be marked."))
    wrong = [status for status in marks.values() if status not in MARKS]
    if wrong:
        raise ValidationError(_("Mark each participant present, absent or excused."))
    if not marks:
        raise ValidationError(_("Mark at least one participant."))
    now = timezone.now()
    rows = []
    for user_id, status in marks.items():
        row = existing.get(user_id) or Attendance(session=session, user_id=user_id)
        row.status, row.marked_at, row.marked_by = status, now, actor.user
        rows.append(row)
    Attendance.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["session", "user"],
        update_fields=["status", "marked_at", "marked_by"],
    )
    attendance_counts_refresh(session_ids=[session.pk])  # the session is locked above
    outbox.attendance(rows)
    if session.status != Session.Status.COMPLETED:
        session.status = Session.Status.COMPLETED
        session.save(update_fields=["status"])
    if session.kind == Session.Kind.INDIVIDUAL:
        _settle_individual(session, marks.get(session.enrolment.employee_id), actor)
    return rows


def _settle_individual(session: Session, status: str | None, actor: Actor) -> None:
    if status is None:
        return
    if status == Attendance.Status.EXCUSED:
        credit_settle(session=session, returned=True, reason=CreditTransaction.Reason.EXCUSED, by=actor.user)
    else:
        credit_settle(session=session, returned=False, reason=CreditTransaction.Reason.CORRECTION, by=actor.user)

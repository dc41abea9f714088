"""What other apps call, inside the transaction of a change, to announce it to webhooks: one function per kind
of row, building the event's data from the row (ids, enum words and times only; webhooks.events)."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from webhooks import events
from webhooks.services import event_record, events_record


def invitations(invitation_rows: list[dict], *, schema: str | None = None) -> None:
    """Invitations made: each row has `role` (an import's rows, or one invitation's)."""
    now = timezone.now()
    events_record(
        events.PERSON_INVITED,
        [{"role": row["role"], "invited_at": now} for row in invitation_rows],
        schema=schema,
    )


def membership(membership, event_type: str) -> None:
    """A person joined (PERSON_JOINED) or their membership ended (PERSON_DEACTIVATED)."""
    at = "joined_at" if event_type == events.PERSON_JOINED else "deactivated_at"
    event_record(
        event_type,
        schema=membership.organisation.schema_name,
        person_id=membership.user_id,
        role=membership.role,
        **{at: timezone.now()},
    )


def _enrolment_data(enrolment) -> dict:
    return {
        "enrolment_id": enrolment.pk,
        "person_id": enrolment.employee_id,
        "programme_id": enrolment.programme_id,
        "cohort_id": enrolment.cohort_id,
        "status": enrolment.status,
    }


def enrolment(enrolment, event_type: str = events.ENROLMENT_CHANGED) -> None:
    event_record(event_type, **_enrolment_data(enrolment))


def enrolments(rows: list[dict], event_type: str) -> None:
    """Many enrolments at once: rows with the Enrolment's attribute names (an import)."""
    events_record(
        event_type,
        [
            {
                "enrolment_id": row["id"],
                "person_id": row["employee_id"],
                "programme_id": row["programme_id"],
                "cohort_id": row["cohort_id"],
                "status": row["status"],
            }
            for row in rows
        ],
    )


def session(session, event_type: str) -> None:
    event_record(
        event_type,
        session_id=session.pk,
        kind=session.kind,
        enrolment_id=session.enrolment_id,
        cohort_id=session.cohort_id,
        coach_id=session.coach_id,
        starts_at=session.starts_at,
        ends_at=session.starts_at + timedelta(minutes=session.duration_minutes),
    )


def attendance(attendances: list) -> None:
    now = timezone.now()
    events_record(
        events.SESSION_ATTENDED,
        [
            {
                "session_id": row.session_id,
                "person_id": row.user_id,
                "attendance": row.status,
                "marked_at": row.marked_at or now,
            }
            for row in attendances
        ],
    )


def credit(transaction) -> None:
    if transaction is None:
        return
    event_record(
        events.CREDITS_CHANGED,
        enrolment_id=transaction.enrolment_id,
        person_id=transaction.enrolment.employee_id,
        transaction_id=transaction.pk,
        change=transaction.delta,
        reason=transaction.reason,
        changed_at=transaction.at,
    )


def assessment_released(phase_assessment) -> None:
    event_record(
        events.ASSESSMENT_RELEASED,
        assessment_id=phase_assessment.pk,
        programme_id=phase_assessment.programme_id,
        moment=phase_assessment.moment,
        opens_on=phase_assessment.opens_on,
        due_on=phase_assessment.due_on,
    )


def assessment_submitted(assignment) -> None:
    # Whose assessment HR may not know (docs/CONFIDENTIALITY.md): the assignment's id only.
    event_record(
        events.ASSESSMENT_SUBMITTED,
        assessment_id=assignment.phase_assessment_id,
        assignment_id=assignment.pk,
        submitted_at=assignment.submitted_at,
    )


def urgent_request(request) -> None:
    # Who asked, and what they wrote, are between them and their coach: the request's id and time only.
    event_record(events.URGENT_REQUEST_MADE, urgent_request_id=request.pk, made_at=request.created_at)

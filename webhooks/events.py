"""The events an endpoint can subscribe to, and the only fields each may carry.

Payloads carry no coaching content: ids, types and times only, so every read of details goes through the API
and its access log. `DATA_FIELDS` is the whole vocabulary; `webhooks.services.event_record` refuses a payload
with any other field, and values that are not ids, enum words or times.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

PERSON_INVITED = "person.invited"
PERSON_JOINED = "person.joined"
PERSON_DEACTIVATED = "person.deactivated"
ENROLMENT_CREATED = "enrolment.created"
ENROLMENT_CHANGED = "enrolment.changed"
SESSION_BOOKED = "session.booked"
SESSION_MOVED = "session.moved"
SESSION_CANCELLED = "session.cancelled"
SESSION_ATTENDED = "session.attended"
ASSESSMENT_RELEASED = "assessment.released"
ASSESSMENT_SUBMITTED = "assessment.submitted"
CREDITS_CHANGED = "credits.changed"
URGENT_REQUEST_MADE = "urgent_request.made"

EVENTS = {
    PERSON_INVITED: _("A person is invited"),
    PERSON_JOINED: _("A person joins the organisation"),
    PERSON_DEACTIVATED: _("A person's membership ends"),
    ENROLMENT_CREATED: _("An enrolment is created"),
    ENROLMENT_CHANGED: _("An enrolment changes (status, cohort, coach, credits granted)"),
    SESSION_BOOKED: _("A session is booked or scheduled"),
    SESSION_MOVED: _("A session is moved"),
    SESSION_CANCELLED: _("A session is cancelled"),
    SESSION_ATTENDED: _("Attendance of a session is recorded"),
    ASSESSMENT_RELEASED: _("An assessment is released to a programme's people"),
    ASSESSMENT_SUBMITTED: _("Someone submits an assessment (not who, no answers, no scores)"),
    CREDITS_CHANGED: _("Session credits change"),
    URGENT_REQUEST_MADE: _("Someone asks their coach for an urgent conversation (not who, no text)"),
}

# Every field a payload's `data` may hold, for each event. Ids are the API's ids; `*_at` are times, `*_on`
# dates. Where the table of docs/CONFIDENTIALITY.md keeps a row from HR (a person's assessment, an urgent
# request), the event names that row only, never the person: its id opens it through the API to those who may
# read it, and to nobody else.
DATA_FIELDS: dict[str, tuple[str, ...]] = {
    # An invitation's id is what its signed link carries (reports.data_map.SECRET_MODELS): not sent.
    PERSON_INVITED: ("role", "invited_at"),
    PERSON_JOINED: ("person_id", "role", "joined_at"),
    PERSON_DEACTIVATED: ("person_id", "role", "deactivated_at"),
    ENROLMENT_CREATED: ("enrolment_id", "person_id", "programme_id", "cohort_id", "status"),
    ENROLMENT_CHANGED: ("enrolment_id", "person_id", "programme_id", "cohort_id", "status"),
    SESSION_BOOKED: ("session_id", "kind", "enrolment_id", "cohort_id", "coach_id", "starts_at", "ends_at"),
    SESSION_MOVED: ("session_id", "kind", "enrolment_id", "cohort_id", "coach_id", "starts_at", "ends_at"),
    SESSION_CANCELLED: ("session_id", "kind", "enrolment_id", "cohort_id", "coach_id", "starts_at", "ends_at"),
    SESSION_ATTENDED: ("session_id", "person_id", "attendance", "marked_at"),
    ASSESSMENT_RELEASED: ("assessment_id", "programme_id", "moment", "opens_on", "due_on"),
    ASSESSMENT_SUBMITTED: ("assessment_id", "assignment_id", "submitted_at"),
    CREDITS_CHANGED: ("enrolment_id", "person_id", "transaction_id", "change", "reason", "changed_at"),
    URGENT_REQUEST_MADE: ("urgent_request_id", "made_at"),
}


def choices() -> list[tuple[str, str]]:
    return [(name, f"{name}: {label}") for name, label in EVENTS.items()]


# Where each field that is neither an id (`*_id`) nor a time (`*_at`, `*_on`) comes from: all are fields HR
# reads anyway (tests/webhooks/test_confidentiality.py holds them to the table).
FIELD_SOURCES = {
    "role": "tenants.Membership.role",
    "status": "programmes.Enrolment.status",
    "kind": "programmes.Session.kind",
    "attendance": "programmes.Attendance.status",
    "change": "programmes.CreditTransaction.delta",
    "reason": "programmes.CreditTransaction.reason",
    "moment": "assessments.PhaseAssessment.moment",
}

# The row each event is about, for the confidentiality check (tests/webhooks/test_confidentiality.py).
SUBJECTS = {
    PERSON_INVITED: "tenants.Invitation",
    PERSON_JOINED: "tenants.Membership",
    PERSON_DEACTIVATED: "tenants.Membership",
    ENROLMENT_CREATED: "programmes.Enrolment",
    ENROLMENT_CHANGED: "programmes.Enrolment",
    SESSION_BOOKED: "programmes.Session",
    SESSION_MOVED: "programmes.Session",
    SESSION_CANCELLED: "programmes.Session",
    SESSION_ATTENDED: "programmes.Attendance",
    ASSESSMENT_RELEASED: "assessments.PhaseAssessment",
    ASSESSMENT_SUBMITTED: "assessments.Assignment",
    CREDITS_CHANGED: "programmes.CreditTransaction",
    URGENT_REQUEST_MADE: "programmes.UrgentRequest",
}
